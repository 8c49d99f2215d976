"""Committee pages: committees and members, rounds and their questions, answering, participation, the
systemizing workspace, results and feedback, reveals and exports. Views load, check, call one service,
commit once and respond."""
from __future__ import annotations

from typing import Any, Callable

from flask import (Blueprint, Response as HttpResponse, abort, flash, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from .. import charts, formatting, permissions
from ..errors import InvalidInput
from ..extensions import db
from ..models import Country
from ..models.base import utcnow
from ..models.delphi import Answer, Code, Coding, Committee, Item, Membership, Pseudonym, Round
from ..web import safe_next, select_locale
from . import ballot_queries, exports, queries, services, stats
from .forms import (CodeForm, CodingForm, ItemForm, MemberForm, MembershipForm, MergeForm,
                    NewRoundForm, RankingItemForm, RoundSettingsForm, SplitForm, parse_answers)

bp = Blueprint("delphi", __name__, url_prefix="/committees")


# --- loading and checking ----------------------------------------------------------------------------


def _committee_or_404(committee_id: int) -> Committee:
    committee = queries.committee(committee_id)
    if committee is None:
        abort(404)
    return committee


def _round_or_404(round_id: int) -> Round:
    round_ = queries.round_detail(round_id)
    if round_ is None:
        abort(404)
    return round_


def _require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _manage(round_or_committee: Round | Committee) -> None:
    committee = round_or_committee.committee if isinstance(round_or_committee, Round) else round_or_committee
    _require(permissions.can_manage_committee(current_user, committee))


def _country_choices() -> list[tuple[str, str]]:
    lang = select_locale()
    return sorted(((c.iso3, c.name(lang)) for c in db.session.scalars(select(Country))), key=lambda p: p[1])


def _round_link(round_: Round) -> str:
    return url_for("delphi.round_page", round_id=round_.id, _external=True)


def _committee_link(committee: Committee) -> str:
    return url_for("delphi.committee_page", committee_id=committee.id, _external=True)


def _back_to_round(round_: Round, anchor: str = ""):
    return redirect(url_for("delphi.round_page", round_id=round_.id) + anchor)


# --- committees --------------------------------------------------------------------------------------


@bp.route("/")
def index():
    all_committees = queries.committees()
    visible = [c for c in all_committees if permissions.can_view_committee(current_user, c)]
    rounds = [r for c in visible for r in c.rounds]
    return render_template("delphi/index.html", committees=visible,
                           own_status=queries.member_rounds_status(current_user, rounds),
                           can_create=permissions.is_admin(current_user) and len(all_committees) < 4)


@bp.route("/setup", methods=["POST"])
def setup():
    _require(permissions.is_admin(current_user))
    services.ensure_committees(current_user)
    db.session.commit()
    flash(_("There is now one technical committee per planning model."), "success")
    return redirect(url_for("delphi.index"))


@bp.route("/<int:committee_id>/")
def committee_page(committee_id: int):
    committee = _committee_or_404(committee_id)
    _require(permissions.can_view_committee(current_user, committee))
    manage = permissions.can_manage_committee(current_user, committee)
    rounds = [r for r in committee.rounds if permissions.can_see_round(current_user, r)]
    members, countries = queries.committee_members_count(committee)
    return render_template("delphi/committee.html", committee=committee, rounds=rounds, manage=manage,
                           members_count=members, countries_count=countries,
                           own_status=queries.member_rounds_status(current_user, rounds),
                           submitted=queries.response_counts(rounds) if manage else {},
                           member_form=MemberForm(_country_choices()) if manage else None,
                           round_form=NewRoundForm() if manage else None,
                           ballots=[b for b in ballot_queries.committee_ballots(committee.id)
                                    if permissions.can_view_ballot(current_user, b)])


@bp.route("/<int:committee_id>/members", methods=["POST"])
def add_member(committee_id: int):
    committee = _committee_or_404(committee_id)
    _manage(committee)
    form = MemberForm(_country_choices())
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    membership = services.invite_to_committee(
        current_user, committee, email=form.email.data, name=form.name.data or "",
        country_iso3=form.country.data or None, role=form.role.data, expertise=form.expertise.data or "",
        is_voting_representative=form.is_voting_representative.data, committee_link=_committee_link(committee),
        invitation_link_for=lambda raw: url_for("auth.accept_invitation", token=raw, _external=True))
    db.session.commit()
    flash(_("%(email)s is on the committee; an invitation is in the outbox.", email=membership.user.email),
          "success")
    return redirect(url_for("delphi.committee_page", committee_id=committee.id) + "#members")


def _membership_or_404(committee: Committee, membership_id: int) -> Membership:
    membership = next((m for m in committee.memberships if m.id == membership_id), None)
    if membership is None:
        abort(404)
    return membership


@bp.route("/<int:committee_id>/members/<int:membership_id>", methods=["GET", "POST"])
def edit_member(committee_id: int, membership_id: int):
    committee = _committee_or_404(committee_id)
    _manage(committee)
    membership = _membership_or_404(committee, membership_id)
    form = MembershipForm(_country_choices(), data=None if request.method == "POST" else {
        "country": membership.country.iso3 if membership.country else "", "expertise": membership.expertise,
        "is_voting_representative": membership.is_voting_representative})
    if form.validate_on_submit():
        services.update_membership(current_user, membership, country_iso3=form.country.data or None,
                                   expertise=form.expertise.data or "",
                                   is_voting_representative=form.is_voting_representative.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("delphi.committee_page", committee_id=committee.id) + "#members")
    return render_template("delphi/membership_form.html", committee=committee, membership=membership, form=form), \
        400 if request.method == "POST" else 200


@bp.route("/<int:committee_id>/members/<int:membership_id>/remove", methods=["POST"])
def remove_member(committee_id: int, membership_id: int):
    committee = _committee_or_404(committee_id)
    _manage(committee)
    membership = _membership_or_404(committee, membership_id)
    services.remove_membership(current_user, membership)
    db.session.commit()
    flash(_("Removed from the committee."), "success")
    return redirect(url_for("delphi.committee_page", committee_id=committee.id) + "#members")


@bp.route("/<int:committee_id>/rounds", methods=["POST"])
def create_round(committee_id: int):
    committee = _committee_or_404(committee_id)
    _manage(committee)
    form = NewRoundForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    if form.kind.data == "open":
        round_ = services.create_open_round(current_user, committee, closes_at=form.closes_at.data)
    else:
        round_ = services.create_closed_round(current_user, committee, scale=int(form.scale.data),
                                              rule=form.rule.data, band=form.band(), closes_at=form.closes_at.data)
    db.session.commit()
    flash(_("Round %(number)d created as a draft.", number=round_.number), "success")
    return _back_to_round(round_)


# --- a round -----------------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/")
def round_page(round_id: int):
    round_ = _round_or_404(round_id)
    committee = round_.committee
    if not permissions.can_manage_committee(current_user, committee):
        if permissions.is_committee_member(current_user, committee) and round_.status in ("open", "closed"):
            return redirect(url_for("delphi.answer", round_id=round_.id))
        if permissions.can_view_round_feedback(current_user, round_):
            return redirect(url_for("delphi.feedback", round_id=round_.id))
        abort(403)
    earlier = queries.earlier_rounds(round_)
    settings = RoundSettingsForm(data={"scale": str(round_.scale), "rule": round_.rule, "band_low": round_.band_low,
                                       "band_high": round_.band_high, "closes_at": round_.closes_at})
    code_groups = queries.codes_for_closed_items(round_) if round_.kind == "closed" and round_.is_editable else []
    return render_template("delphi/round.html", round=round_, committee=committee, settings=settings,
                           code_groups=code_groups, item_form=ItemForm(), ranking_form=RankingItemForm(),
                           carry_from=[r for r in earlier if r.kind == "closed" and r.status in ("closed", "published")],
                           submitted=queries.response_counts([round_]).get(round_.id, 0),
                           uncoded=queries.uncoded_count(round_) if round_.kind == "open" else 0)


@bp.route("/rounds/<int:round_id>/settings", methods=["POST"])
def round_settings(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    form = RoundSettingsForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    services.update_round_settings(current_user, round_, scale=int(form.scale.data), rule=form.rule.data,
                                   band=form.band(), closes_at=form.closes_at.data)
    db.session.commit()
    flash(_("Saved."), "success")
    return _back_to_round(round_)


TRANSITIONS: dict[str, Callable[..., None]] = {"open": services.open_round, "close": services.close_round,
                                               "publish": services.publish_round}


@bp.route("/rounds/<int:round_id>/<action>", methods=["POST"])
def transition(round_id: int, action: str):
    if action not in ("open", "close", "publish"):
        abort(404)
    round_ = _round_or_404(round_id)
    _manage(round_)
    if action == "close":
        services.close_round(current_user, round_)
    else:
        TRANSITIONS[action](current_user, round_, round_link=_round_link(round_))
    db.session.commit()
    flash({"open": _("The round is open; the members have been notified."),
           "close": _("The round is closed: no more answers are accepted."),
           "publish": _("The feedback is published; the members have been notified.")}[action], "success")
    return _back_to_round(round_)


# --- answering ---------------------------------------------------------------------------------------


def _distribution(result: stats.AgreementResult, scale: int, rule: str, highlight: int | None = None,
                  title: str | None = None) -> Markup:
    low, high = ((_("Inappropriate"), _("Appropriate")) if rule == "rand_ucla"
                 else (_("Strongly disagree"), _("Strongly agree")))
    return charts.distribution(result.distribution, highlight=highlight, median=result.median, fmt=formatting.number,
                               title=title or _("Distribution of ratings"), scale_labels={1: low, scale: high},
                               highlight_label=_("your answer"), median_label=_("Median"), n_label="n",
                               empty_label=_("No ratings"))


def _previous_feedback(round_: Round, membership: Membership | None) -> dict[int, dict[str, Any]]:
    """For items carried over: the earlier round's aggregate and the member's own earlier answer."""
    carried = [i for i in round_.items if i.carried_from_item_id is not None]
    if not carried:
        return {}
    out = {}
    own = queries.own_answers_for_items([i.carried_from_item_id for i in carried], membership) if membership else {}
    by_round: dict[int, queries.RoundResults] = {}
    for item in carried:
        earlier = item.carried_from.round
        if earlier.id not in by_round:
            by_round[earlier.id] = queries.round_results(earlier)
        result = by_round[earlier.id].item(item.carried_from_item_id)
        mine = own.get(item.carried_from_item_id)
        highlight = mine.rating if mine is not None and not mine.dont_know else None
        out[item.id] = {"round": earlier, "result": result, "own": mine,
                        "chart": None if result is None or result.is_small
                        else _distribution(result.agreement, earlier.scale, earlier.rule, highlight)}
    return out


@bp.route("/rounds/<int:round_id>/answer", methods=["GET", "POST"])
def answer(round_id: int):
    round_ = _round_or_404(round_id)
    _require(permissions.can_answer_round(current_user, round_))
    membership = round_.committee.membership_of(current_user, "member")
    response, answers = queries.response_with_answers(round_, membership)
    status = 200
    error = None
    values = None
    if request.method == "POST":
        submit = request.form.get("action") == "submit"
        try:
            inputs = parse_answers(request.form, round_.items)
            services.save_response(current_user, round_, inputs, submit=submit)
        except InvalidInput as problem:
            db.session.rollback()  # expires what was loaded: load the round and the saved answers again
            error, status, values = problem.message, 400, request.form
            round_ = _round_or_404(round_id)
            response, answers = queries.response_with_answers(round_, membership)
        else:
            db.session.commit()
            if submit or (response is not None and response.status == "submitted"):
                flash(_("Thank you: your answers have been submitted. You can change them until the round "
                        "closes."), "success")
            else:
                flash(_("Your draft has been saved. It is not submitted yet."), "success")
            return redirect(url_for("delphi.answer", round_id=round_.id))
    return render_template("delphi/answer.html", round=round_, committee=round_.committee, response=response,
                           answers=answers, error=error, values=values,
                           accepts=round_.accepts_answers(utcnow()),
                           previous=_previous_feedback(round_, membership)), status


# --- feedback and results ----------------------------------------------------------------------------


def _ranking_rows(item: Item, result: stats.RankingResult) -> list[dict[str, Any]]:
    labels = {o["key"]: o["label"] for o in item.options or []}
    return [{"key": key, "label": labels.get(key, {"es": key, "en": key}), "mean_rank": mean,
             "rank_sum": result.rank_sums[key]} for key, mean in result.mean_ranks.items()]


@bp.route("/rounds/<int:round_id>/feedback")
def feedback(round_id: int):
    """What members (and observers) see once a round is published: aggregates only, no country, small numbers
    reduced to n, and the member's own answer highlighted."""
    round_ = _round_or_404(round_id)
    _require(permissions.can_view_round_feedback(current_user, round_))
    results = queries.round_results(round_)
    membership = round_.committee.membership_of(current_user, "member")
    own = queries.own_answers_for_items([i.id for i in round_.items], membership) if membership else {}
    charts_by_item = {}
    for entry in results.items:
        if entry.agreement is not None and not entry.is_small:
            mine = own.get(entry.item.id)
            highlight = mine.rating if mine is not None and not mine.dont_know else None
            charts_by_item[entry.item.id] = _distribution(entry.agreement, round_.scale, round_.rule, highlight)
    codebook = queries.code_frequencies(round_) if round_.kind == "open" else []
    return render_template("delphi/feedback.html", round=round_, committee=round_.committee, results=results,
                           own=own, charts=charts_by_item, codebook=codebook, ranking_rows=_ranking_rows,
                           full=False)


@bp.route("/rounds/<int:round_id>/results")
def results(round_id: int):
    """The facilitators' view: every statistic, subregions, stability, comments under pseudonym and country."""
    round_ = _round_or_404(round_id)
    _manage(round_)
    results_ = queries.round_results(round_, subregions=True)
    charts_by_item = {e.item.id: _distribution(e.agreement, round_.scale, round_.rule)
                      for e in results_.items if e.agreement is not None}
    codebook = queries.code_frequencies(round_) if round_.kind == "open" else []
    return render_template("delphi/results.html", round=round_, committee=round_.committee, results=results_,
                           charts=charts_by_item, codebook=codebook, ranking_rows=_ranking_rows, full=True,
                           subregions=queries.SUBREGION_ORDER)


# --- participation -----------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/participation")
def participation(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    return render_template("delphi/participation.html", round=round_, committee=round_.committee,
                           participation=queries.participation(round_))


@bp.route("/rounds/<int:round_id>/remind", methods=["POST"])
def remind(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    sent = services.send_reminders(current_user, round_, round_link=_round_link(round_))
    db.session.commit()
    flash(_("%(n)d reminders are in the outbox (only for members who have not submitted).", n=sent), "success")
    return redirect(url_for("delphi.participation", round_id=round_.id))


# --- systemizing -------------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/systemize")
def systemize(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    if round_.kind != "open":
        abort(404)
    work = queries.workspace(round_)
    only_uncoded = request.args.get("uncoded") == "1"
    coding_form = CodingForm()
    coding_form.code.choices = [(c.id, formatting.text(c.label)) for c in work.codes]
    return render_template("delphi/systemize.html", round=round_, committee=round_.committee, work=work,
                           only_uncoded=only_uncoded, code_form=CodeForm(), coding_form=coding_form,
                           editable=round_.status in ("open", "closed"))


def _code_or_404(code_id: int) -> Code:
    code = db.session.get(Code, code_id)
    if code is None:
        abort(404)
    return code


def _systemize_redirect(round_: Round, anchor: str = ""):
    target = safe_next(request.form.get("back")) or url_for("delphi.systemize", round_id=round_.id)
    return redirect(target + anchor)


@bp.route("/rounds/<int:round_id>/codes", methods=["POST"])
def add_code(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    form = CodeForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors))
    code = services.add_code(current_user, round_, label_es=form.label_es.data, label_en=form.label_en.data,
                             definition_es=form.definition_es.data, definition_en=form.definition_en.data)
    db.session.commit()
    flash(_("Code “%(label)s” added.", label=formatting.text(code.label)), "success")
    return _systemize_redirect(round_, "#codebook")


@bp.route("/codes/<int:code_id>", methods=["GET", "POST"])
def edit_code(code_id: int):
    code = _code_or_404(code_id)
    round_ = _round_or_404(code.codebook.round_id)
    _manage(round_)
    form = CodeForm(data=None if request.method == "POST" else {
        "label_es": code.label.get("es"), "label_en": code.label.get("en"),
        "definition_es": (code.definition or {}).get("es"), "definition_en": (code.definition or {}).get("en")})
    merge = MergeForm()
    merge.target.choices = [(c.id, formatting.text(c.label)) for c in queries.workspace_codes(round_)
                            if c.id != code.id]
    split = SplitForm()
    codings = queries.codings_of(code)
    split.codings.choices = [(c.id, label) for c, label in codings]
    if request.method == "POST" and form.validate_on_submit():
        services.edit_code(current_user, code, label_es=form.label_es.data, label_en=form.label_en.data,
                           definition_es=form.definition_es.data, definition_en=form.definition_en.data)
        db.session.commit()
        flash(_("Code saved."), "success")
        return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")
    return render_template("delphi/code.html", round=round_, committee=round_.committee, code=code, form=form,
                           merge=merge, split=split, codings=codings,
                           editable=round_.status in ("open", "closed")), 400 if request.method == "POST" else 200


@bp.route("/codes/<int:code_id>/merge", methods=["POST"])
def merge_code(code_id: int):
    code = _code_or_404(code_id)
    round_ = _round_or_404(code.codebook.round_id)
    _manage(round_)
    target = _code_or_404(request.form.get("target", type=int) or 0)
    services.merge_codes(current_user, code, target)
    db.session.commit()
    flash(_("Merged into “%(label)s”.", label=formatting.text(target.label)), "success")
    return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")


@bp.route("/codes/<int:code_id>/split", methods=["POST"])
def split_code(code_id: int):
    code = _code_or_404(code_id)
    round_ = _round_or_404(code.codebook.round_id)
    _manage(round_)
    form = SplitForm()
    new = services.split_code(current_user, code, label_es=form.label_es.data or "", label_en=form.label_en.data or "",
                              definition_es=form.definition_es.data or "",
                              definition_en=form.definition_en.data or "",
                              coding_ids=[int(v) for v in request.form.getlist("codings") if v.isdigit()])
    db.session.commit()
    flash(_("Code “%(label)s” split off.", label=formatting.text(new.label)), "success")
    return redirect(url_for("delphi.systemize", round_id=round_.id) + "#codebook")


def _answer_in_round(answer_id: int) -> tuple[Answer, Round]:
    answer_ = db.session.get(Answer, answer_id)
    if answer_ is None:
        abort(404)
    round_ = _round_or_404(answer_.response.round_id)
    _manage(round_)
    return answer_, round_


@bp.route("/answers/<int:answer_id>/codings", methods=["POST"])
def add_coding(answer_id: int):
    answer_, round_ = _answer_in_round(answer_id)
    code = _code_or_404(request.form.get("code", type=int) or 0)
    if code.codebook.round_id != round_.id:
        raise InvalidInput(_("That code belongs to another round."))
    services.assign_code(current_user, answer_, code, request.form.get("fragment"))
    db.session.commit()
    return _systemize_redirect(round_, f"#answer-{answer_.id}")


@bp.route("/codings/<int:coding_id>/delete", methods=["POST"])
def delete_coding(coding_id: int):
    coding = db.session.get(Coding, coding_id)
    if coding is None:
        abort(404)
    answer_, round_ = _answer_in_round(coding.answer_id)
    services.remove_coding(current_user, coding)
    db.session.commit()
    return _systemize_redirect(round_, f"#answer-{answer_.id}")


@bp.route("/answers/<int:answer_id>/not-codable", methods=["POST"])
def not_codable(answer_id: int):
    answer_, round_ = _answer_in_round(answer_id)
    services.mark_not_codable(current_user, answer_, round_, request.form.get("value", "1") == "1")
    db.session.commit()
    return _systemize_redirect(round_, f"#answer-{answer_.id}")


@bp.route("/rounds/<int:round_id>/pseudonyms/<int:pseudonym_id>/reveal", methods=["POST"])
def reveal(round_id: int, pseudonym_id: int):
    round_ = _round_or_404(round_id)
    _require(permissions.can_reveal_pseudonym(current_user))
    pseudonym = db.session.get(Pseudonym, pseudonym_id)
    if pseudonym is None or pseudonym.round_id != round_.id:
        abort(404)
    user = services.reveal_pseudonym(current_user, pseudonym)
    db.session.commit()
    return render_template("delphi/reveal.html", round=round_, committee=round_.committee, pseudonym=pseudonym,
                           user=user)


# --- items of closed rounds --------------------------------------------------------------------------


def _codes_from_form() -> list[int]:
    return [int(v) for v in request.form.getlist("codes") if v.isdigit()]


@bp.route("/rounds/<int:round_id>/items/from-codes", methods=["POST"])
def items_from_codes(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    created = services.add_items_from_codes(current_user, round_, _codes_from_form())
    db.session.commit()
    flash(_("%(n)d statements drafted from the codes: review their wording.", n=len(created)), "success")
    return _back_to_round(round_, "#items")


@bp.route("/rounds/<int:round_id>/items/agreement", methods=["POST"])
def add_agreement_item(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    form = ItemForm()
    services.add_agreement_item(current_user, round_, form.text(), allow_dont_know=form.allow_dont_know.data,
                                code_ids=_codes_from_form())
    db.session.commit()
    flash(_("Statement added."), "success")
    return _back_to_round(round_, "#items")


@bp.route("/rounds/<int:round_id>/items/ranking", methods=["POST"])
def add_ranking_item(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    form = RankingItemForm()
    services.add_ranking_item(current_user, round_, form.text(), code_ids=_codes_from_form(),
                              dimensions=form.source.data == "dimensions")
    db.session.commit()
    flash(_("Ranking added."), "success")
    return _back_to_round(round_, "#items")


@bp.route("/rounds/<int:round_id>/items/carry-over", methods=["POST"])
def carry_over(round_id: int):
    round_ = _round_or_404(round_id)
    _manage(round_)
    previous = db.session.get(Round, request.form.get("from_round", type=int) or 0)
    if previous is None:
        abort(404)
    carried = services.carry_over(current_user, round_, previous)
    db.session.commit()
    flash(_("%(n)d items without consensus carried over, with their feedback.", n=len(carried)), "success")
    return _back_to_round(round_, "#items")


def _item_or_404(item_id: int) -> tuple[Item, Round]:
    item = db.session.get(Item, item_id)
    if item is None:
        abort(404)
    round_ = _round_or_404(item.round_id)
    _manage(round_)
    return item, round_


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(item_id: int):
    item, round_ = _item_or_404(item_id)
    form = ItemForm(data=None if request.method == "POST" else {
        "text_es": item.text.get("es"), "text_en": item.text.get("en"), "allow_dont_know": item.allow_dont_know})
    if request.method == "POST" and form.validate_on_submit():
        services.update_item(current_user, item, form.text(), allow_dont_know=form.allow_dont_know.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return _back_to_round(round_, f"#item-{item.id}")
    return render_template("delphi/item_form.html", round=round_, committee=round_.committee, item=item, form=form), \
        400 if request.method == "POST" else 200


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
def delete_item(item_id: int):
    item, round_ = _item_or_404(item_id)
    services.delete_item(current_user, item)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return _back_to_round(round_, "#items")


@bp.route("/items/<int:item_id>/move", methods=["POST"])
def move_item(item_id: int):
    item, round_ = _item_or_404(item_id)
    services.move_item(current_user, item, 1 if request.form.get("direction") == "down" else -1)
    db.session.commit()
    return _back_to_round(round_, f"#item-{item.id}")


# --- exports -----------------------------------------------------------------------------------------


EXPORTS = {"codebook": exports.codebook_csv, "results": exports.results_csv, "answers": exports.answers_csv}


@bp.route("/rounds/<int:round_id>/export/<kind>.csv")
def export(round_id: int, kind: str):
    """CSV for facilitators, pseudonymized: never a name."""
    if kind not in EXPORTS:
        abort(404)
    round_ = _round_or_404(round_id)
    _manage(round_)
    body = EXPORTS[kind](round_)
    filename = f"committee-{round_.committee.planning_model.key}-round-{round_.number}-{kind}.csv"
    return HttpResponse(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
