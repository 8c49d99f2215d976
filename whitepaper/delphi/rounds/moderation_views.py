"""Pages and actions of comment moderation (rounds/moderation.py): the facilitators' list of a round's comments,
hiding and unhiding, and members' flags from the feedback page. Views load, check, call one service, commit once
and respond."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import permissions
from ...extensions import db
from ...models.delphi import Answer, Round
from ...models.moderation import CommentHiding
from ..blueprint import bp, manage, require, see
from . import moderation
from .views import round_or_404


def _comment_or_404(round_: Round, key: str) -> Answer:
    answer = moderation.comment_by_key(round_, key)
    if answer is None:
        abort(404)
    return answer


def _managed_round(round_id: int) -> Round:
    round_ = round_or_404(round_id)
    manage(round_)
    if round_.status == "draft":
        abort(404)  # a draft has no answers yet
    return round_


@bp.route("/rounds/<int:round_id>/comments")
def comment_moderation(round_id: int):
    """Facilitators: every comment of the round under its pseudonym and country, the most flagged first."""
    round_ = _managed_round(round_id)
    return render_template("delphi/moderation.html", round=round_, committee=round_.committee,
                           comments=moderation.comments_for_moderation(round_))


def _back(round_: Round, key: str):
    return redirect(url_for("delphi.comment_moderation", round_id=round_.id) + f"#comment-{key}")


@bp.route("/rounds/<int:round_id>/comments/<key>/hide", methods=["POST"])
def hide_comment(round_id: int, key: str):
    round_ = _managed_round(round_id)
    answer = _comment_or_404(round_, key)
    moderation.hide(current_user, round_, answer, request.form.get("reason", ""))
    db.session.commit()
    flash(_("The comment is hidden from the feedback. Its author will read your reason."), "success")
    return _back(round_, key)


@bp.route("/rounds/<int:round_id>/comments/<key>/unhide", methods=["POST"])
def unhide_comment(round_id: int, key: str):
    round_ = _managed_round(round_id)
    answer = _comment_or_404(round_, key)
    moderation.unhide(current_user, round_, answer)
    db.session.commit()
    flash(_("The comment is shown in the feedback again."), "success")
    return _back(round_, key)


@bp.route("/rounds/<int:round_id>/comments/<key>/flag", methods=["POST"])
def flag_comment(round_id: int, key: str):
    """Members who read the feedback flag a comment they think should not be there; once per comment."""
    round_ = round_or_404(round_id)
    see(permissions.can_see_round(current_user, round_))
    require(permissions.can_view_round_feedback(current_user, round_))
    membership = round_.committee.membership_of(current_user, "member")
    require(membership is not None)  # observers and facilitators read, they do not flag
    answer = _comment_or_404(round_, key)
    if db.session.get(CommentHiding, answer.id) is not None:
        abort(404)  # a hidden comment is not shown: there is nothing to flag
    moderation.flag(current_user, round_, membership, answer)
    db.session.commit()
    flash(_("Thank you: the facilitators will review the comment you flagged."), "success")
    return redirect(url_for("delphi.feedback", round_id=round_.id) + f"#item-{answer.item_id}")
