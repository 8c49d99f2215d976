"""Round pages: creating and configuring rounds, their transitions, answering, feedback and results,
participation and reminders, the closed round's items, and CSV exports. Views load, check, call one service,
commit once and respond."""
from __future__ import annotations

from typing import Any, Callable

from flask import Response as HttpResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import permissions
from ...errors import InvalidInput
from ...extensions import db
from ...ids import parse_id
from ...links import external_url
from ...models.base import utcnow
from ...models.delphi import Answer, Item, Membership, Round
from .. import stats
from ..blueprint import bp, committee_or_404, manage, require, see
from . import answers as round_answers
from . import moderation as round_moderation
from . import display, double_coding, exports, items, lifecycle, queries, realtime, statistics
from .forms import (
    ItemForm,
    NewRoundForm,
    RankingItemForm,
    RoundSettingsForm,
    parse_answers,
)


def round_or_404(round_id: int) -> Round:
    round_ = queries.round_detail(round_id)
    if round_ is None:
        abort(404)
    return round_


def managed_answer(answer_id: int) -> tuple[Answer, Round]:
    """An answer of a round that the current user runs, for coding: refused to a second coder coding it blind
    (what is shown beside it comes from the first coding)."""
    answer = db.session.get(Answer, answer_id)
    if answer is None:
        abort(404)
    round_ = round_or_404(answer.response.round_id)
    manage(round_)
    require(not double_coding.is_blind(current_user, round_))
    return answer, round_


def managed_open_round(round_id: int) -> Round:
    """An open (first) round that the current user runs; 404 for a rating round."""
    round_ = round_or_404(round_id)
    manage(round_)
    if round_.kind != "open":
        abort(404)
    return round_


def round_link(round_: Round) -> str:
    return external_url("delphi.round_page", round_id=round_.id)


def back_to_round(round_: Round, anchor: str = ""):
    return redirect(url_for("delphi.round_page", round_id=round_.id) + anchor)


@bp.route("/<int:committee_id>/rounds", methods=["POST"])
def create_round(committee_id: int):
    committee = committee_or_404(committee_id)
    manage(committee)
    form = NewRoundForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    if form.kind.data == "open":
        round_ = lifecycle.create_open_round(current_user, committee, closes_at=form.closes_at.data)
    else:
        round_ = lifecycle.create_closed_round(current_user, committee, scale=int(form.scale.data),
                                              rule=form.rule.data, band=form.band(), closes_at=form.closes_at.data)
    realtime.set_realtime(current_user, round_, form.realtime.data)
    db.session.commit()
    flash(_("Round %(number)d created as a draft.", number=round_.number), "success")
    return back_to_round(round_)


@bp.route("/rounds/<int:round_id>/")
def round_page(round_id: int):
    round_ = round_or_404(round_id)
    committee = round_.committee
    if not permissions.can_manage_committee(current_user, committee):
        if permissions.is_committee_member(current_user, committee) and round_.status in ("open", "closed"):
            return redirect(url_for("delphi.answer", round_id=round_.id))
        if permissions.can_view_round_feedback(current_user, round_):
            return redirect(url_for("delphi.feedback", round_id=round_.id))
        see(permissions.can_see_round(current_user, round_))
        abort(403)
    earlier = queries.earlier_rounds(round_)
    settings = RoundSettingsForm(data={"scale": str(round_.scale), "rule": round_.rule, "band_low": round_.band_low,
                                       "band_high": round_.band_high, "closes_at": round_.closes_at,
                                       "realtime": round_.realtime})
    code_groups = queries.codes_for_closed_items(round_) if round_.kind == "closed" and round_.is_editable else []
    return render_template("delphi/round.html", round=round_, committee=committee, settings=settings,
                           code_groups=code_groups, item_form=ItemForm(), ranking_form=RankingItemForm(),
                           carry_from=[r for r in earlier if r.kind == "closed" and r.status in ("closed", "published")],
                           submitted=queries.response_counts([round_]).get(round_.id, 0),
                           uncoded=queries.uncoded_count(round_) if round_.kind == "open" else 0)


@bp.route("/rounds/<int:round_id>/settings", methods=["POST"])
def round_settings(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    form = RoundSettingsForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    lifecycle.update_round_settings(current_user, round_, scale=int(form.scale.data), rule=form.rule.data,
                                   band=form.band(), closes_at=form.closes_at.data)
    realtime.set_realtime(current_user, round_, form.realtime.data)
    db.session.commit()
    flash(_("Saved."), "success")
    return back_to_round(round_)


TRANSITIONS: dict[str, Callable[..., None]] = {"open": lifecycle.open_round, "close": lifecycle.close_round,
                                               "publish": lifecycle.publish_round}


@bp.route("/rounds/<int:round_id>/<action>", methods=["POST"])
def transition(round_id: int, action: str):
    if action not in ("open", "close", "publish"):
        abort(404)
    round_ = round_or_404(round_id)
    manage(round_)
    if action == "close":
        lifecycle.close_round(current_user, round_)
    else:
        TRANSITIONS[action](current_user, round_, round_link=round_link(round_))
    db.session.commit()
    flash({"open": _("The round is open; the members have been notified."),
           "close": _("The round is closed: no more answers are accepted."),
           "publish": _("The feedback is published; the members have been notified.")}[action], "success")
    return back_to_round(round_)


def _previous_feedback(round_: Round, membership: Membership | None) -> dict[int, dict[str, Any]]:
    """For items carried over: the earlier round's aggregate and the member's own earlier answer."""
    carried = [i for i in round_.items if i.carried_from_item_id is not None]
    if not carried:
        return {}
    out = {}
    own = queries.own_answers_for_items([i.carried_from_item_id for i in carried], membership) if membership else {}
    earlier_rounds = {item.carried_from.round.id: item.carried_from.round for item in carried}
    by_round = statistics.round_results_many(list(earlier_rounds.values()))
    for item in carried:
        earlier = item.carried_from.round
        result = by_round[earlier.id].item(item.carried_from_item_id)
        mine = own.get(item.carried_from_item_id)
        highlight = mine.rating if mine is not None and not mine.dont_know else None
        out[item.id] = {"round": earlier, "result": result, "own": mine,
                        "chart": None if result is None or result.is_small
                        else display.distribution(result.agreement, earlier.scale, earlier.rule, highlight)}
    return out


@bp.route("/rounds/<int:round_id>/answer", methods=["GET", "POST"])
def answer(round_id: int):
    round_ = round_or_404(round_id)
    see(permissions.can_see_round(current_user, round_))
    require(permissions.can_answer_round(current_user, round_))
    if request.method == "GET" and round_.accepts_answers(utcnow()) and realtime.refresh(round_):
        db.session.commit()  # a batch this reader completed is stored, the same for every member
        round_ = round_or_404(round_id)
    membership = round_.committee.membership_of(current_user, "member")
    response, answers = queries.response_with_answers(round_, membership)
    status = 200
    error = None
    values = None
    loaded = round_answers.version_token(response)
    if request.method == "POST":
        submit = request.form.get("action") == "submit"
        try:
            inputs = parse_answers(request.form, round_.items)
            round_answers.save_response(current_user, round_, inputs, submit=submit,
                                        loaded=request.form.get("loaded_at"))
        except (InvalidInput, round_answers.AnswerConflict) as problem:
            db.session.rollback()  # expires what was loaded: load the round and the saved answers again
            error, status, values = problem.message, problem.status, request.form
            round_ = round_or_404(round_id)
            response, answers = queries.response_with_answers(round_, membership)
            # after a conflict the form is made against the answers now saved: saving again keeps yours
            loaded = round_answers.version_token(response) if status == 409 else \
                request.form.get("loaded_at", round_answers.version_token(response))
        else:
            db.session.commit()
            if submit or (response is not None and response.status == "submitted"):
                flash(_("Thank you: your answers have been submitted. You can change them until the round "
                        "closes."), "success")
            else:
                flash(_("Your draft has been saved. It is not submitted yet."), "success")
            return redirect(url_for("delphi.answer", round_id=round_.id))
    accepts = round_.accepts_answers(utcnow())
    return render_template("delphi/answer.html", round=round_, committee=round_.committee, response=response,
                           answers=answers, error=error, values=values, loaded_at=loaded, conflict=status == 409,
                           accepts=accepts, L=display.feedback_labels(),
                           live=realtime.member_view(round_, membership) if accepts else {},
                           live_batch=realtime.batch_size(round_),
                           hidden_comments=round_moderation.member_view(round_, membership).hidden,
                           previous=_previous_feedback(round_, membership)), status


def _ranking_rows(item: Item, result: stats.RankingResult) -> list[dict[str, Any]]:
    labels = {o["key"]: o["label"] for o in item.options or []}
    return [{"key": key, "label": labels.get(key, {"es": key, "en": key}), "mean_rank": mean,
             "rank_sum": result.rank_sums[key]} for key, mean in result.mean_ranks.items()]


@bp.route("/rounds/<int:round_id>/feedback")
def feedback(round_id: int):
    """What members (and observers) see once a round is published: aggregates only, no country, small numbers
    reduced to n, and the member's own answer highlighted."""
    round_ = round_or_404(round_id)
    see(permissions.can_see_round(current_user, round_))
    require(permissions.can_view_round_feedback(current_user, round_))
    results = statistics.round_results(round_)
    membership = round_.committee.membership_of(current_user, "member")
    own = queries.own_answers_for_items([i.id for i in round_.items], membership) if membership else {}
    charts_by_item = {}
    for entry in results.items:
        if entry.agreement is not None and not entry.is_small:
            mine = own.get(entry.item.id)
            highlight = mine.rating if mine is not None and not mine.dont_know else None
            charts_by_item[entry.item.id] = display.distribution(entry.agreement, round_.scale, round_.rule, highlight)
    codebook = queries.code_frequencies(round_) if round_.kind == "open" else []
    return render_template("delphi/feedback.html", round=round_, committee=round_.committee, results=results,
                           own=own, charts=charts_by_item, codebook=codebook, ranking_rows=_ranking_rows,
                           full=False, L=display.feedback_labels(),
                           moderation=round_moderation.member_view(round_, membership))


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int):
    """The facilitators' view: every statistic, subregions, stability, comments under pseudonym and country."""
    round_ = round_or_404(round_id)
    manage(round_)
    results_ = statistics.round_results(round_, subregions=True, full=True)
    charts_by_item = {e.item.id: display.distribution(e.agreement, round_.scale, round_.rule)
                      for e in results_.items if e.agreement is not None}
    codebook = queries.code_frequencies(round_) if round_.kind == "open" else []
    return render_template("delphi/results.html", round=round_, committee=round_.committee, results=results_,
                           charts=charts_by_item, codebook=codebook, ranking_rows=_ranking_rows, full=True,
                           subregions=statistics.SUBREGION_ORDER, L=display.feedback_labels(),
                           flagged=round_moderation.flag_count(round_.id),
                           hidden=round_moderation.hidden_count(round_.id))


@bp.route("/rounds/<int:round_id>/participation")
def participation(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    return render_template("delphi/participation.html", round=round_, committee=round_.committee,
                           participation=queries.participation(round_))


@bp.route("/rounds/<int:round_id>/remind", methods=["POST"])
def remind(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    sent = lifecycle.send_reminders(current_user, round_, round_link=round_link(round_))
    db.session.commit()
    flash(_("%(n)d reminders are in the outbox (only for members who have not submitted).", n=sent), "success")
    return redirect(url_for("delphi.participation", round_id=round_.id))


def _codes_from_form() -> list[int]:
    return [i for v in request.form.getlist("codes") if (i := parse_id(v))]


@bp.route("/rounds/<int:round_id>/items/from-codes", methods=["POST"])
def items_from_codes(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    created = items.add_items_from_codes(current_user, round_, _codes_from_form())
    db.session.commit()
    flash(_("%(n)d statements drafted from the codes: review their wording.", n=len(created)), "success")
    return back_to_round(round_, "#items")


@bp.route("/rounds/<int:round_id>/items/agreement", methods=["POST"])
def add_agreement_item(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    form = ItemForm()
    items.add_agreement_item(current_user, round_, form.text(), allow_dont_know=form.allow_dont_know.data,
                                code_ids=_codes_from_form())
    db.session.commit()
    flash(_("Statement added."), "success")
    return back_to_round(round_, "#items")


@bp.route("/rounds/<int:round_id>/items/ranking", methods=["POST"])
def add_ranking_item(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    form = RankingItemForm()
    items.add_ranking_item(current_user, round_, form.text(), code_ids=_codes_from_form(),
                              dimensions=form.source.data == "dimensions")
    db.session.commit()
    flash(_("Ranking added."), "success")
    return back_to_round(round_, "#items")


@bp.route("/rounds/<int:round_id>/items/carry-over", methods=["POST"])
def carry_over(round_id: int):
    round_ = round_or_404(round_id)
    manage(round_)
    from_round = parse_id(request.form.get("from_round"))
    previous = db.session.get(Round, from_round) if from_round is not None else None
    if previous is None:
        abort(404)
    carried = items.carry_over(current_user, round_, previous)
    db.session.commit()
    flash(_("%(n)d items without consensus carried over, with their feedback.", n=len(carried)), "success")
    return back_to_round(round_, "#items")


def _item_or_404(item_id: int) -> tuple[Item, Round]:
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404)
    round_ = round_or_404(item.round_id)
    manage(round_)
    return item, round_


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(item_id: int):
    item, round_ = _item_or_404(item_id)
    form = ItemForm(data=None if request.method == "POST" else {
        "text_es": item.text.get("es"), "text_en": item.text.get("en"), "allow_dont_know": item.allow_dont_know})
    if request.method == "POST" and form.validate_on_submit():
        items.update_item(current_user, item, form.text(), allow_dont_know=form.allow_dont_know.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return back_to_round(round_, f"#item-{item.id}")
    return render_template("delphi/item_form.html", round=round_, committee=round_.committee, item=item, form=form), \
        400 if request.method == "POST" else 200


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
def delete_item(item_id: int):
    item, round_ = _item_or_404(item_id)
    items.delete_item(current_user, item)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return back_to_round(round_, "#items")


@bp.route("/items/<int:item_id>/move", methods=["POST"])
def move_item(item_id: int):
    item, round_ = _item_or_404(item_id)
    items.move_item(current_user, item, 1 if request.form.get("direction") == "down" else -1)
    db.session.commit()
    return back_to_round(round_, f"#item-{item.id}")


EXPORTS = {"codebook": exports.codebook_csv, "results": exports.results_csv, "answers": exports.answers_csv}


@bp.route("/rounds/<int:round_id>/export/<kind>.csv")
def export(round_id: int, kind: str):
    """CSV for facilitators, pseudonymized: never a name."""
    if kind not in EXPORTS:
        abort(404)
    round_ = round_or_404(round_id)
    manage(round_)
    require(not double_coding.is_blind(current_user, round_))  # the exports carry the first coding
    body = EXPORTS[kind](round_)
    filename = f"committee-{round_.committee.planning_model.key}-round-{round_.number}-{kind}.csv"
    return HttpResponse(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
