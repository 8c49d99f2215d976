"""Ballot pages: a committee's ballots, a ballot's rule and life (open, remind, close), the voting sheet, results,
participation, the comment-resolution table, follow-up ballots and the close of the consultation. Views load,
check, call one service, commit once and respond."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ... import permissions
from ...errors import InvalidInput
from ...extensions import db
from ...links import external_url
from ...models.ballot import Ballot, CommentResolution
from ...models.base import utcnow
from ...models.delphi import Committee, Round
from . import adoption, exports, lifecycle, queries
from . import resolution as ballot_resolution
from . import votes as ballot_votes
from .forms import (
    CommentAnswerForm,
    NewBallotForm,
    RulesForm,
    ToRoundForm,
    decision_choices,
    parse_follow_up,
    parse_votes,
)

bp = Blueprint("ballots", __name__, url_prefix="/ballots")
from .eligibility import eligibility_of


def _require(allowed: bool) -> None:
    """What the user sees but may not do answers 403."""
    if not allowed:
        abort(403)


def _ballot_or_404(ballot_id: int, *, accounts: bool = True, items: bool = True) -> Ballot:
    """A ballot the user may not see answers 404, as a missing one does (docs/design.md §1.2)."""
    b = queries.ballot(ballot_id, accounts=accounts, items=items)
    if b is None or not permissions.can_view_ballot(current_user, b):
        abort(404)
    return b


def _committee_or_404(committee_id: int) -> Committee:
    committee = db.session.get(Committee, committee_id)
    if committee is None or not permissions.can_view_committee(current_user, committee):
        abort(404)
    return committee


def _manage(b: Ballot) -> None:
    _require(permissions.can_manage_ballot(current_user, b))


def _link(endpoint: str, **values) -> str:
    return external_url(endpoint, **values)


def _back(b: Ballot, anchor: str = ""):
    return redirect(url_for("ballots.ballot_page", ballot_id=b.id) + anchor)


@bp.route("/")
def index():
    """The ballots of every committee the user sees; a voter's open ballots first."""
    committees = [c for c in db.session.scalars(select(Committee)) if permissions.can_view_committee(current_user, c)]
    committees.sort(key=lambda c: c.planning_model.position)
    by_committee = queries.ballots_by_committee([c.id for c in committees])
    rows = [(c, [b for b in by_committee[c.id] if permissions.can_view_ballot(current_user, b)]) for c in committees]
    mine = queries.voter_ballots(current_user)
    return render_template("ballots/index.html", rows=rows, mine=mine)


@bp.route("/committee/<int:committee_id>/")
def committee_ballots(committee_id: int):
    committee = _committee_or_404(committee_id)
    manage = permissions.can_manage_committee(current_user, committee)
    ballots = [b for b in queries.committee_ballots(committee.id)
               if permissions.can_view_ballot(current_user, b)]
    state = queries.consultation_state(committee)
    return render_template("ballots/committee.html", committee=committee, ballots=ballots, manage=manage,
                           state=state, form=NewBallotForm(), subjects=queries.subjects_of(
                               committee.catalogue_version_id)[1])


@bp.route("/committee/<int:committee_id>/new", methods=["POST"])
def create(committee_id: int):
    committee = _committee_or_404(committee_id)
    _require(permissions.can_manage_committee(current_user, committee))
    form = NewBallotForm()
    if not form.validate():
        raise InvalidInput(" ".join(e for errors in form.errors.values() for e in errors))
    rule = lifecycle.parse_rule(**form.rule_texts())
    b = lifecycle.create_ballot(current_user, committee, form.stage.data, rule=rule,
                                      opens_at=form.opens_at.data, closes_at=form.closes_at.data)
    db.session.commit()
    flash(_("Ballot %(number)d is ready as a draft: check its items and rule, then open it.", number=b.number),
          "success")
    return _back(b)


@bp.route("/<int:ballot_id>/")
def ballot_page(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    manage = permissions.can_manage_ballot(current_user, b)
    _tree, subjects = queries.subjects_of(b.catalogue_version_id)
    form = RulesForm(data={"unit": b.unit, "quorum": f"{b.quorum_num}/{b.quorum_den}",
                           "threshold": f"{b.threshold_num}/{b.threshold_den}",
                           "reject_cap": (f"{b.reject_cap_num}/{b.reject_cap_den}"
                                          if b.reject_cap_num is not None else ""),
                           "is_secret": b.is_secret, "opens_at": b.opens_at, "closes_at": b.closes_at})
    eligibility = eligibility_of(b, current_user)
    own = queries.unit_votes(b, eligibility) if eligibility is not None else {}
    return render_template("ballots/ballot.html", ballot=b, items=list(b.items), subjects=subjects, manage=manage,
                           form=form, eligibility=eligibility, own=own,
                           charts={i.id: queries.vote_chart(i) for i in b.items}
                           if permissions.can_see_ballot_tallies(current_user, b) else {})


@bp.route("/<int:ballot_id>/settings", methods=["POST"])
def settings(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    form = RulesForm()
    if not form.validate():
        raise InvalidInput(" ".join(e for errors in form.errors.values() for e in errors))
    lifecycle.update_ballot(current_user, b, rule=lifecycle.parse_rule(**form.rule_texts()),
                                  opens_at=form.opens_at.data, closes_at=form.closes_at.data)
    db.session.commit()
    flash(_("The ballot's rule and dates are saved."), "success")
    return _back(b)


@bp.route("/<int:ballot_id>/open", methods=["POST"])
def open_(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    eligible = lifecycle.open_ballot(current_user, b, link=_link("ballots.vote", ballot_id=b.id))
    db.session.commit()
    flash(_("The ballot is open: %(n)d voters were told by e-mail.", n=eligible), "success")
    return _back(b)


@bp.route("/<int:ballot_id>/remind", methods=["POST"])
def remind(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    sent = lifecycle.send_reminders(current_user, b, link=_link("ballots.vote", ballot_id=b.id))
    db.session.commit()
    flash(_("%(n)d reminders sent to those who have not voted on every item.", n=sent), "success")
    return redirect(url_for("ballots.participation", ballot_id=b.id))


@bp.route("/<int:ballot_id>/close", methods=["POST"])
def close(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    lifecycle.close_ballot(current_user, b, link=_link("ballots.results", ballot_id=b.id))
    db.session.commit()
    flash(_("The ballot is closed and every item's outcome is computed."), "success")
    return redirect(url_for("ballots.results", ballot_id=b.id))


@bp.route("/<int:ballot_id>/delete", methods=["POST"])
def delete(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    committee_id = b.committee_id
    lifecycle.delete_ballot(current_user, b)
    db.session.commit()
    flash(_("The draft ballot is deleted."), "success")
    return redirect(url_for("ballots.committee_ballots", committee_id=committee_id))


@bp.route("/<int:ballot_id>/vote", methods=["GET", "POST"])
def vote(ballot_id: int):
    # The sheet names no voter but the user; a submitted sheet is read against the items' rows, not objects.
    b = _ballot_or_404(ballot_id, accounts=False, items=request.method != "POST")
    eligibility = eligibility_of(b, current_user)
    if eligibility is None:
        if b.unit == "country" and permissions.is_committee_member(current_user, b.committee):
            message = _("In this ballot each country casts one vote, through its designated voting representative; "
                        "you are not your country's representative on this committee.")
        else:
            message = _("You are not among the voters of this ballot (fixed when it opened).")
        return render_template("errors/refused.html", message=message,
                               back=url_for("ballots.ballot_page", ballot_id=b.id)), 403
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        votes, errors = parse_votes(request.form.to_dict(), queries.item_limits(b.id))
        if not errors:
            summary = ballot_votes.cast_votes(current_user, b, votes)
            db.session.commit()
            if summary.cast or summary.changed:
                flash(_("Your votes are saved: %(cast)d new, %(changed)d changed. You may change them until the "
                        "ballot closes.", cast=summary.cast, changed=summary.changed), "success")
            else:
                flash(_("Nothing changed."), "success")
            return redirect(url_for("ballots.vote", ballot_id=ballot_id))  # b expired at the commit
        status = 400
        b = queries.ballot(ballot_id, accounts=False)   # the sheet again, with its items
    sheet = queries.voting_sheet(b, eligibility)
    return render_template("ballots/vote.html", ballot=b, sheet=sheet, errors=errors, form_data=request.form,
                           is_open=b.accepts_votes(utcnow())), status


@bp.route("/<int:ballot_id>/results")
def results(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    tallies = permissions.can_see_ballot_tallies(current_user, b)
    _tree, subjects = queries.subjects_of(b.catalogue_version_id)
    roll_call = queries.roll_call(b) if permissions.can_see_individual_votes(current_user, b) else []
    return render_template("ballots/results.html", ballot=b, items=list(b.items), subjects=subjects,
                           tallies=tallies, roll_call=roll_call,
                           charts={i.id: queries.vote_chart(i) for i in b.items} if tallies else {},
                           values=queries.proposed_values(b) if tallies else {},
                           manage=permissions.can_manage_ballot(current_user, b))


@bp.route("/<int:ballot_id>/participation")
def participation(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _require(permissions.can_see_ballot_participation(current_user, b))
    rows = queries.participation(b)
    return render_template("ballots/participation.html", ballot=b, rows=rows, n_items=len(b.items))


@bp.route("/<int:ballot_id>/export.csv")
def export(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    kind = request.args.get("kind", "results")
    if kind == "comments":
        _require(permissions.can_see_comment_table(current_user, b))
        body = exports.comments_csv(b)
    else:
        body = exports.result_csv(b, individual_votes=permissions.can_see_individual_votes(current_user, b))
    filename = f"ballot-{b.committee.planning_model.key}-{b.number}-{kind}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _draft_rounds(committee_id: int) -> list[tuple[str, str]]:
    rounds = db.session.scalars(select(Round).where(Round.committee_id == committee_id, Round.kind == "closed",
                                                    Round.status == "draft").order_by(Round.number))
    return [(str(r.id), _("Round %(number)d", number=r.number)) for r in rounds]


@bp.route("/<int:ballot_id>/comments")
def comments(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _require(permissions.can_see_comment_table(current_user, b))
    manage = permissions.can_manage_ballot(current_user, b)
    rows = queries.comment_table(b)
    _tree, subjects = queries.subjects_of(b.catalogue_version_id)
    rounds = _draft_rounds(b.committee_id) if manage else []
    return render_template("ballots/comments.html", ballot=b, rows=rows, subjects=subjects, manage=manage,
                           decisions=decision_choices(), rounds=rounds)


def _resolution_or_404(b: Ballot, resolution_id: int) -> CommentResolution:
    resolution = db.session.get(CommentResolution, resolution_id)
    if resolution is None or resolution.item.ballot_id != b.id:
        abort(404)
    return resolution


@bp.route("/<int:ballot_id>/comments/<int:resolution_id>", methods=["POST"])
def answer_comment(ballot_id: int, resolution_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    _require(permissions.can_see_comment_table(current_user, b))
    resolution = _resolution_or_404(b, resolution_id)
    form = CommentAnswerForm()
    if not form.validate():
        raise InvalidInput(_("Choose a resolution and write the answer."))
    ballot_resolution.answer_comment(current_user, resolution, decision=form.decision.data, answer=form.answer.data)
    db.session.commit()
    flash(_("The answer is saved."), "success")
    return redirect(url_for("ballots.comments", ballot_id=b.id) + f"#comment-{resolution.id}")


@bp.route("/<int:ballot_id>/comments/<int:resolution_id>/to-round", methods=["POST"])
def comment_to_round(ballot_id: int, resolution_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    _require(permissions.can_see_comment_table(current_user, b))
    resolution = _resolution_or_404(b, resolution_id)
    form = ToRoundForm(_draft_rounds(b.committee_id))
    if not form.validate():
        raise InvalidInput(_("Choose a draft closed round of this committee."))
    round_ = db.session.get(Round, int(form.round_id.data))
    ballot_resolution.send_comment_to_round(current_user, resolution, round_,
                                          {"es": form.statement_es.data or "", "en": form.statement_en.data or ""})
    db.session.commit()
    flash(_("The question is now a statement of round %(number)d.", number=round_.number), "success")
    return redirect(url_for("ballots.comments", ballot_id=b.id) + f"#comment-{resolution.id}")


@bp.route("/<int:ballot_id>/follow-up", methods=["GET", "POST"])
def follow_up(ballot_id: int):
    b = _ballot_or_404(ballot_id)
    _manage(b)
    candidates = queries.follow_up_candidates(b)
    _tree, subjects = queries.subjects_of(b.catalogue_version_id)
    if request.method == "POST":
        selections = parse_follow_up(request.form, [c for c in candidates if c.followed_in is None])
        follow = ballot_resolution.create_follow_up(current_user, b, selections)
        db.session.commit()
        flash(_("Follow-up ballot %(number)d is ready as a draft.", number=follow.number), "success")
        return _back(follow)
    return render_template("ballots/follow_up.html", ballot=b, candidates=candidates, subjects=subjects)


@bp.route("/committee/<int:committee_id>/consultation", methods=["GET", "POST"])
def consultation(committee_id: int):
    committee = _committee_or_404(committee_id)
    manage = permissions.can_close_consultation(current_user, committee)
    if request.method == "POST":
        _require(manage)
        result = adoption.close_consultation(current_user, committee)
        db.session.commit()
        flash(_("The consultation is closed. Version %(label)s is ready for the CRP.", label=result.label),
              "success")
        return redirect(url_for("ballots.consultation", committee_id=committee.id))
    state = queries.consultation_state(committee)
    difference = queries.difference(state) if state.result is not None else None
    return render_template("ballots/consultation.html", committee=committee, state=state, manage=manage,
                           difference=difference, subjects=queries.subjects_of(
                               committee.catalogue_version_id)[1])
