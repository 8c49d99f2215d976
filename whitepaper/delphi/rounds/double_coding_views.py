"""The double coding page of an open round: the blind second coder's workspace while it lasts, then the
agreement (Krippendorff's alpha), the disagreements side by side and their settling. Views load, check, call
one service, commit once and respond."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import formatting
from ...extensions import db
from ...ids import parse_id
from ...models.base import utcnow
from ...models.delphi import Answer, Code, Round
from ...models.double_coding import DoubleCoding, SecondCoding
from ..blueprint import bp
from . import double_coding, queries
from .views import managed_open_round as _open_round


def _work_or_404(round_: Round) -> DoubleCoding:
    work = double_coding.current(round_.id)
    if work is None:
        abort(404)
    return work


def _back(round_: Round, anchor: str = ""):
    return redirect(url_for("delphi.double_coding_page", round_id=round_.id) + anchor)


def _answer_in(round_: Round, answer_id: int | None) -> Answer:
    answer = db.session.get(Answer, answer_id) if answer_id is not None else None
    if answer is None or answer.response.round_id != round_.id:
        abort(404)
    return answer


def _code_in(round_: Round, code_id: int | None) -> Code:
    code = db.session.get(Code, code_id) if code_id is not None else None
    if code is None or code.codebook.round_id != round_.id:
        abort(404)
    return code


@bp.route("/rounds/<int:round_id>/double-coding")
def double_coding_page(round_id: int):
    round_ = _open_round(round_id)
    work = double_coding.current(round_.id)
    context = {"round": round_, "committee": round_.committee, "work": work,
               "editable": round_.status in ("open", "closed")}
    if work is not None and not work.is_finished and work.coder_id == current_user.id:
        # The blind workspace: the answers and the coder's own codings, never the first coding.
        space = queries.workspace(round_)
        mine = double_coding.second_codings(work)
        context.update(items=[(item, [(e.answer, e.pseudonym) for e in entries]) for item, entries in space.items],
                       codes=space.codes, mine=mine, labels={c.id: formatting.text(c.label) for c in
                                                             space.codes + space.merged},
                       undecided=sum(1 for _i, es in space.items for e in es if e.answer.id not in mine))
    elif work is not None and work.is_finished:
        context["comparison"] = double_coding.compare(work)
    return render_template("delphi/double_coding.html", **context)


@bp.route("/rounds/<int:round_id>/double-coding/start", methods=["POST"])
def start_double_coding(round_id: int):
    round_ = _open_round(round_id)
    double_coding.start(current_user, round_)
    db.session.commit()
    flash(_("You are now the second coder of this round: the first coding stays hidden from you until you "
            "finish."), "success")
    return _back(round_)


@bp.route("/rounds/<int:round_id>/double-coding/answers/<int:answer_id>/codings", methods=["POST"])
def add_second_coding(round_id: int, answer_id: int):
    round_ = _open_round(round_id)
    work = _work_or_404(round_)
    answer = _answer_in(round_, answer_id)
    code = _code_in(round_, parse_id(request.form.get("code")))
    double_coding.add_coding(current_user, work, answer, code, request.form.get("fragment"))
    db.session.commit()
    return _back(round_, f"#answer-{answer.id}")


@bp.route("/rounds/<int:round_id>/double-coding/codings/<int:coding_id>/delete", methods=["POST"])
def delete_second_coding(round_id: int, coding_id: int):
    round_ = _open_round(round_id)
    work = _work_or_404(round_)
    row = db.session.get(SecondCoding, coding_id)
    if row is None or row.double_coding_id != work.id:
        abort(404)
    double_coding.remove_coding(current_user, row)
    db.session.commit()
    return _back(round_, f"#answer-{row.answer_id}")


@bp.route("/rounds/<int:round_id>/double-coding/answers/<int:answer_id>/not-codable", methods=["POST"])
def second_not_codable(round_id: int, answer_id: int):
    round_ = _open_round(round_id)
    work = _work_or_404(round_)
    answer = _answer_in(round_, answer_id)
    double_coding.mark_not_codable(current_user, work, answer, request.form.get("value", "1") == "1")
    db.session.commit()
    return _back(round_, f"#answer-{answer.id}")


@bp.route("/rounds/<int:round_id>/double-coding/finish", methods=["POST"])
def finish_double_coding(round_id: int):
    round_ = _open_round(round_id)
    double_coding.finish(current_user, _work_or_404(round_), utcnow())
    db.session.commit()
    flash(_("Second coding finished: here is how it compares with the first."), "success")
    return _back(round_)


@bp.route("/rounds/<int:round_id>/double-coding/discard", methods=["POST"])
def discard_double_coding(round_id: int):
    round_ = _open_round(round_id)
    double_coding.discard(current_user, _work_or_404(round_))
    db.session.commit()
    flash(_("The unfinished second coding was discarded."), "success")
    return _back(round_)


@bp.route("/rounds/<int:round_id>/double-coding/settle", methods=["POST"])
def settle_disagreement(round_id: int):
    round_ = _open_round(round_id)
    work = _work_or_404(round_)
    answer = _answer_in(round_, parse_id(request.form.get("answer")))
    code = _code_in(round_, parse_id(request.form.get("code")))
    double_coding.settle(current_user, work, answer, code, request.form.get("decision", ""))
    db.session.commit()
    return _back(round_, f"#disagreement-{answer.id}-{code.id}")
