"""Writes for the technical committees: memberships and invitations, rounds and their transitions, answers,
the codebook, closed items, reminders and reveals. Services flush; the caller commits once.

The audit trail records that an answer was given or changed, never its content (METHODS.md section 2)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Optional

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from .. import audit, mail
from ..auth import services as accounts
from ..catalogue import queries as catalogue_queries
from ..errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ..extensions import db
from ..models import CatalogueVersion, Country, PlanningModel, User
from ..models.base import utcnow
from ..models.delphi import (CONSENSUS_RULES, MEMBERSHIP_ROLES, SCALES, Answer, Code, Codebook, Coding, Committee,
                             Item, ItemSource, Membership, Pseudonym, Response, Round, UncodableMark)
from . import stats

MAX_TEXT = 5000
MAX_FRAGMENT = 2000

# --- committees --------------------------------------------------------------------------------------


def consulted_version(model: PlanningModel) -> Optional[CatalogueVersion]:
    """The version under consultation, or for a model with none, its current version."""
    consulting = [v for v in model.versions if v.status == "in_consultation"]
    return consulting[-1] if consulting else catalogue_queries.current_version(model)


def ensure_committees(actor: Optional[User]) -> list[Committee]:
    """One committee per planning model (idempotent)."""
    existing = {c.planning_model_id: c for c in db.session.scalars(select(Committee))}
    out = []
    for model in catalogue_queries.planning_models():
        committee = existing.get(model.id)
        if committee is None:
            version = consulted_version(model)
            if version is None:
                continue
            committee = Committee(planning_model=model, catalogue_version=version)
            db.session.add(committee)
            db.session.flush()
            audit.record(actor, "committee.create", committee,
                         after={"model": model.key, "version": version.label})
        out.append(committee)
    return out


def _country(iso3: str | None) -> Optional[Country]:
    if not iso3:
        return None
    country = db.session.scalar(select(Country).where(Country.iso3 == iso3.upper()))
    if country is None:
        raise InvalidInput(_("Unknown country code %(code)s.", code=iso3))
    return country


def _membership_snapshot(m: Membership) -> dict[str, Any]:
    return {"user": m.user_id, "role": m.role, "country": m.country.iso3 if m.country else None,
            "expertise": m.expertise, "voting_representative": m.is_voting_representative}


def _check_representative(committee: Committee, membership: Membership) -> None:
    if not membership.is_voting_representative:
        return
    if membership.role != "member" or membership.country is None:
        raise InvalidInput(_("Only a member with a country can be that country's voting representative."))
    for other in committee.memberships:
        if other is not membership and other.is_voting_representative and other.country is membership.country:
            raise Conflict(_("%(country)s already has a voting representative on this committee.",
                             country=membership.country.name_es if membership.country else ""))


def add_membership(actor: User, committee: Committee, user: User, *, role: str = "member",
                   country_iso3: str | None = None, expertise: str = "", is_voting_representative: bool = False,
                   committee_link: str | None = None, notify: bool = True) -> Membership:
    if role not in MEMBERSHIP_ROLES:
        raise InvalidInput(_("Choose member or facilitator."))
    if committee.membership_of(user) is not None:
        raise Conflict(_("%(email)s already sits on this committee.", email=user.email))
    country = _country(country_iso3) if country_iso3 else user.country
    if role == "member":
        if country is None:
            raise InvalidInput(_("A committee member represents a country: choose one."))
        if not user.has_role("member"):
            before = sorted(user.roles)
            user.set_roles(set(user.roles) | {"member"})
            audit.record(actor, "user.update", user, before={"roles": before}, after={"roles": sorted(user.roles)})
    elif not user.has_role("facilitator", "admin"):
        raise InvalidInput(_("Only ILPES staff with the facilitator role can facilitate a committee."))
    membership = Membership(committee=committee, user=user, role=role, country=country if role == "member" else None,
                            expertise=(expertise or "").strip()[:300],
                            is_voting_representative=bool(is_voting_representative) and role == "member")
    _check_representative(committee, membership)
    db.session.add(membership)
    if notify:
        membership.invited_at = utcnow()
        title = committee.planning_model.title
        if role == "member":
            body = _("You have been invited to the technical committee of the %(model)s, which validates ILPES's "
                     "Planbarómetro. The committee works in consultation rounds: you answer on the platform, "
                     "and the other members never see who said what.\n\n%(link)s",
                     model=title.get("es") or title.get("en"), link=committee_link or "")
        else:
            body = _("You now facilitate the technical committee of the %(model)s.\n\n%(link)s",
                     model=title.get("es") or title.get("en"), link=committee_link or "")
        mail.queue(user.email, _("Technical committee of the Planbarómetro"), body)
    db.session.flush()
    audit.record(actor, "committee.membership.add", membership, after=_membership_snapshot(membership))
    return membership


def invite_to_committee(actor: User, committee: Committee, *, email: str, name: str = "",
                        country_iso3: str | None = None, role: str = "member", expertise: str = "",
                        is_voting_representative: bool = False, committee_link: str | None = None,
                        invitation_link_for: Callable[[str], str] | None = None) -> Membership:
    """Adds a person to the committee; someone without an account gets one, with an invitation to set a password."""
    user = accounts.user_by_email(email)
    if user is None:
        if role != "member":
            raise InvalidInput(_("A facilitator needs an account first; an administrator creates it."))
        user = accounts.create_user(actor, email, roles={"member"}, name=name, country_iso3=country_iso3)
        if invitation_link_for is not None:
            accounts.invite(actor, user, invitation_link_for)
    return add_membership(actor, committee, user, role=role, country_iso3=country_iso3, expertise=expertise,
                          is_voting_representative=is_voting_representative, committee_link=committee_link)


def update_membership(actor: User, membership: Membership, *, country_iso3: str | None, expertise: str,
                      is_voting_representative: bool) -> Membership:
    before = _membership_snapshot(membership)
    if membership.role == "member":
        country = _country(country_iso3)
        if country is None:
            raise InvalidInput(_("A committee member represents a country: choose one."))
        membership.country = country
    membership.expertise = (expertise or "").strip()[:300]
    membership.is_voting_representative = bool(is_voting_representative) and membership.role == "member"
    _check_representative(membership.committee, membership)
    db.session.flush()
    after = _membership_snapshot(membership)
    if after != before:
        audit.record(actor, "committee.membership.update", membership, before=before, after=after)
    return membership


def remove_membership(actor: User, membership: Membership) -> None:
    answered = db.session.scalar(select(func.count()).select_from(Response)
                                 .where(Response.membership_id == membership.id))
    if answered:
        raise Conflict(_("This person has already answered a round; their answers must stay with the committee."))
    audit.record(actor, "committee.membership.remove", membership, before=_membership_snapshot(membership))
    membership.committee.memberships.remove(membership)
    db.session.flush()


# --- rounds ------------------------------------------------------------------------------------------

# How the first round's three questions name the planning process, per model (section IV.D of the seed, vii).
PROCESS_WORDING: dict[str, dict[str, str]] = {
    "national": {"es": "un buen proceso de planificación nacional del desarrollo",
                 "en": "a good national development planning process"},
    "subnational": {"es": "un buen proceso de planificación del desarrollo en los gobiernos subnacionales "
                          "(intermedios y locales)",
                    "en": "a good development planning process in subnational (intermediate and local) "
                          "governments"},
    "sectoral": {"es": "un buen proceso de planificación sectorial (salud, educación, energía, agricultura u "
                       "otro sector)",
                 "en": "a good sectoral planning process (health, education, energy, agriculture or another "
                       "sector)"},
    "vision": {"es": "un buen proceso de construcción de una visión de desarrollo de largo plazo",
               "en": "a good process for building a long-term development vision"},
}


def round_one_questions(model_key: str, dimensions: list[Any]) -> list[dict[str, Any]]:
    """The three questions of the seed (IV.D, vii), worded for one planning model, in Spanish and English."""
    p = PROCESS_WORDING[model_key]
    return [
        {"kind": "open_text", "allow_dont_know": False, "options": [], "comment_prompt": None,
         "text": {"es": f"¿Cuáles son las características de {p['es']}? Describa las que considere esenciales "
                        "y, si puede, por qué.",
                  "en": f"What are the characteristics of {p['en']}? Describe those you consider essential and, "
                        "if you can, why."}},
        {"kind": "open_text", "allow_dont_know": False, "options": [], "comment_prompt": None,
         "text": {"es": f"¿Qué obstáculos enfrenta su país para desarrollar {p['es']}?",
                  "en": f"What obstacles does your country face in developing {p['en']}?"}},
        {"kind": "ranking", "allow_dont_know": False,
         "options": [{"key": d.key, "label": dict(d.title)} for d in dimensions],
         "comment_prompt": {"es": "¿Por qué eligió ese orden? Explique en especial la dimensión que puso primero.",
                            "en": "Why did you choose this order? Explain above all the dimension you put first."},
         "text": {"es": f"¿Cuál de las cinco dimensiones es la más importante para comprender {p['es']}? "
                        "Ordénelas de la más importante (1) a la menos importante (5).",
                  "en": f"Which of the five dimensions is the most important for understanding {p['en']}? "
                        "Rank them from the most important (1) to the least important (5)."}},
    ]


def _next_number(committee: Committee) -> int:
    current = db.session.scalar(select(func.max(Round.number)).where(Round.committee_id == committee.id))
    return (current or 0) + 1


def _round_snapshot(r: Round) -> dict[str, Any]:
    return {"status": r.status, "kind": r.kind, "number": r.number, "scale": r.scale, "rule": r.rule,
            "band": list(r.band) if r.band else None,
            "closes_at": r.closes_at.isoformat() if r.closes_at else None}


def _check_settings(scale: int, rule: str, band: tuple[int, int] | None) -> None:
    if scale not in SCALES:
        raise InvalidInput(_("The agreement scale has 5 or 9 points."))
    if rule not in CONSENSUS_RULES:
        raise InvalidInput(_("Choose one of the consensus rules."))
    try:
        stats.check_rule(rule, scale)
        if band is not None:
            stats.check_band(band, scale)
    except ValueError:
        if stats.RULE_SCALES[rule] != scale:
            raise InvalidInput(_("The %(rule)s rule needs a %(points)d-point scale.", rule=rule_label(rule),
                                 points=stats.RULE_SCALES[rule])) from None
        raise InvalidInput(_("The agreement band must lie within the scale.")) from None


def rule_label(rule: str) -> str:
    return {"default": _("default (75 % agreement and IQR ≤ 1)"), "70_15": _("70/15"),
            "rand_ucla": _("RAND/UCLA")}.get(rule, rule)


def create_open_round(actor: User, committee: Committee, *, closes_at: datetime | None = None) -> Round:
    """A draft open round with the three questions of the seed, ready to open."""
    version = catalogue_queries.version_tree(committee.catalogue_version_id)
    round_ = Round(committee=committee, number=_next_number(committee), kind="open", status="draft",
                   scale=5, rule="default", closes_at=closes_at)
    db.session.add(round_)
    for position, question in enumerate(round_one_questions(committee.planning_model.key, version.dimensions)):
        db.session.add(Item(round=round_, position=position, **question))
    db.session.flush()
    audit.record(actor, "delphi_round.create", round_, after=_round_snapshot(round_))
    return round_


def create_closed_round(actor: User, committee: Committee, *, scale: int = 5, rule: str = "default",
                        band: tuple[int, int] | None = None, closes_at: datetime | None = None) -> Round:
    _check_settings(scale, rule, band)
    round_ = Round(committee=committee, number=_next_number(committee), kind="closed", status="draft",
                   scale=scale, rule=rule, band_low=band[0] if band else None, band_high=band[1] if band else None,
                   closes_at=closes_at)
    db.session.add(round_)
    db.session.flush()
    audit.record(actor, "delphi_round.create", round_, after=_round_snapshot(round_))
    return round_


def update_round_settings(actor: User, round_: Round, *, scale: int, rule: str, band: tuple[int, int] | None,
                          closes_at: datetime | None) -> Round:
    """Scale, rule and band change only while the round is a draft; the closing date while it is still open."""
    before = _round_snapshot(round_)
    if (scale, rule, band) != (round_.scale, round_.rule, round_.band):
        if not round_.is_editable:
            raise InvalidTransition(_("The scale, the consensus rule and the agreement band are locked once "
                                      "the round has opened."))
        _check_settings(scale, rule, band)
        round_.band_low, round_.band_high = (None, None)
        round_.scale, round_.rule = scale, rule
        if band is not None:
            round_.band_low, round_.band_high = band
    if closes_at != round_.closes_at:
        if round_.status not in ("draft", "open"):
            raise InvalidTransition(_("The closing date can change only until the round closes."))
        round_.closes_at = closes_at
    db.session.flush()
    after = _round_snapshot(round_)
    if after != before:
        audit.record(actor, "delphi_round.settings", round_, before=before, after=after)
    return round_


def _item_count(round_: Round) -> int:
    return db.session.scalar(select(func.count()).select_from(Item).where(Item.round_id == round_.id)) or 0


def assign_pseudonyms(round_: Round, memberships: Iterable[Membership]) -> None:
    """Labels P-01, P-02, … in random order, for the members who do not have one in this round yet."""
    taken = {p.membership_id: p.label for p in db.session.scalars(select(Pseudonym)
                                                                   .where(Pseudonym.round_id == round_.id))}
    newcomers = [m for m in memberships if m.role == "member" and m.id not in taken]
    random.SystemRandom().shuffle(newcomers)
    start = len(taken) + 1
    for offset, membership in enumerate(newcomers):
        db.session.add(Pseudonym(round_id=round_.id, membership_id=membership.id, label=f"P-{start + offset:02d}"))
    db.session.flush()


def open_round(actor: User, round_: Round, *, now: datetime | None = None, round_link: str | None = None) -> None:
    now = now or utcnow()
    if _item_count(round_) == 0:
        raise InvalidInput(_("Add at least one question before opening the round."))
    if round_.closes_at is not None and round_.closes_at <= now:
        raise InvalidInput(_("The closing date has already passed: set a later one."))
    before = _round_snapshot(round_)
    round_.open(now)
    assign_pseudonyms(round_, round_.committee.memberships)
    for membership in round_.committee.members:
        mail.queue(membership.user.email, _("A consultation round is open"),
                   _("Round %(number)d of the technical committee is open. Your answers are anonymous to the other "
                     "members; you can save a draft and change your answers until the round closes.\n\n%(link)s",
                     number=round_.number, link=round_link or ""))
    audit.record(actor, "delphi_round.open", round_, before=before, after=_round_snapshot(round_))


def close_round(actor: User, round_: Round, *, now: datetime | None = None) -> None:
    before = _round_snapshot(round_)
    round_.close(now or utcnow())
    audit.record(actor, "delphi_round.close", round_, before=before, after=_round_snapshot(round_))


def publish_round(actor: User, round_: Round, *, now: datetime | None = None, round_link: str | None = None) -> None:
    """Makes the feedback visible. An open round is published only when every open answer is systemized."""
    from . import queries
    if round_.kind == "open":
        uncoded = queries.uncoded_count(round_)
        if uncoded:
            raise Conflict(_("%(n)d open answers are still uncoded: code them or mark them not codable first.",
                             n=uncoded))
    before = _round_snapshot(round_)
    round_.publish(now or utcnow())
    for membership in round_.committee.members:
        mail.queue(membership.user.email, _("The feedback of a consultation round is ready"),
                   _("The group's answers to round %(number)d are published, in aggregate. You can compare them "
                     "with your own previous answers.\n\n%(link)s", number=round_.number, link=round_link or ""))
    audit.record(actor, "delphi_round.publish", round_, before=before, after=_round_snapshot(round_))


def send_reminders(actor: User, round_: Round, *, round_link: str | None = None) -> int:
    """One mail to each member who has not submitted; returns how many were queued."""
    if round_.status != "open":
        raise InvalidTransition(_("Reminders can be sent only while the round is open."))
    submitted = set(db.session.scalars(select(Response.membership_id).where(
        Response.round_id == round_.id, Response.status == "submitted")))
    pending = [m for m in round_.committee.members if m.id not in submitted]
    for membership in pending:
        when = round_.closes_at.strftime("%Y-%m-%d %H:%M UTC") if round_.closes_at else "—"
        mail.queue(membership.user.email, _("Reminder: a consultation round is waiting for your answers"),
                   _("Round %(number)d of the technical committee is still waiting for your answers (it closes: "
                     "%(when)s). A draft you saved is kept; remember to submit it.\n\n%(link)s",
                     number=round_.number, when=when, link=round_link or ""))
    audit.record(actor, "delphi_round.remind", round_, after={"reminded": len(pending)})
    return len(pending)


# --- answers -----------------------------------------------------------------------------------------


@dataclass
class AnswerInput:
    """What a member typed for one item; every field optional in a draft."""
    text: str | None = None
    rating: int | None = None
    dont_know: bool = False
    ranking: dict[str, int] | None = None
    comment: str | None = None


def _clean_text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(_("An answer may have at most %(n)d characters.", n=limit))
    return value or None


def _validate(item: Item, scale: int, given: AnswerInput) -> AnswerInput:
    """Checks one item's input against the item and the round's scale; returns it cleaned."""
    out = AnswerInput(comment=_clean_text(given.comment))
    if item.kind == "open_text":
        out.text = _clean_text(given.text)
    elif item.kind == "agreement":
        if given.dont_know:
            if not item.allow_dont_know:
                raise InvalidInput(_("“Don't know” is not an option for this statement."))
            out.dont_know = True
        elif given.rating is not None:
            if not 1 <= given.rating <= scale:
                raise InvalidInput(_("Ratings go from 1 to %(m)d.", m=scale))
            out.rating = given.rating
    else:
        ranking = {k: v for k, v in (given.ranking or {}).items() if v is not None}
        keys = item.option_keys
        unknown = set(ranking) - set(keys)
        if unknown:
            raise InvalidInput(_("That option is not part of the ranking."))
        if any(not 1 <= rank <= len(keys) for rank in ranking.values()):
            raise InvalidInput(_("Ranks go from 1 to %(c)d.", c=len(keys)))
        out.ranking = ranking or None
    return out


def _is_complete(item: Item, value: AnswerInput) -> bool:
    if item.kind == "open_text":
        return bool(value.text)
    if item.kind == "agreement":
        return value.dont_know or value.rating is not None
    return value.ranking is not None and set(value.ranking) == set(item.option_keys)


def _same(answer: Answer, value: AnswerInput) -> bool:
    return (answer.text, answer.rating, bool(answer.dont_know), answer.ranking or None, answer.comment) == \
        (value.text, value.rating, value.dont_know, value.ranking, value.comment)


def save_response(actor: User, round_: Round, inputs: dict[int, AnswerInput], *, submit: bool,
                  now: datetime | None = None) -> Response:
    """Saves a member's answers as a draft, or submits them. A submitted response stays submitted: later
    changes must be complete too. Refused once the round has closed."""
    now = now or utcnow()
    membership = round_.committee.membership_of(actor, "member")
    if membership is None:
        raise NotAllowed(_("Only the members of this committee answer its rounds."))
    if round_.status == "draft":
        raise Conflict(_("This round has not opened yet."))
    if not round_.accepts_answers(now):
        raise Conflict(_("This round is closed: answers can no longer be given or changed."))
    items = list(db.session.scalars(select(Item).where(Item.round_id == round_.id).order_by(Item.position)))
    by_id = {item.id: item for item in items}
    if set(inputs) - set(by_id):
        raise InvalidInput(_("Some answers are not for this round's questions."))
    response = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                        Response.membership_id == membership.id))
    existing: dict[int, Answer] = {}
    if response is None:
        response = Response(round=round_, membership=membership, status="draft", created_at=now)
        db.session.add(response)
        db.session.flush()
        assign_pseudonyms(round_, [membership])
    else:
        existing = {a.item_id: a for a in db.session.scalars(select(Answer)
                                                             .where(Answer.response_id == response.id))}
    cleaned = {item_id: _validate(by_id[item_id], round_.scale, value) for item_id, value in inputs.items()}
    final = submit or response.status == "submitted"
    if final:
        state = {item.id: cleaned.get(item.id) or _as_input(existing.get(item.id)) for item in items}
        missing = [item.position + 1 for item in items if not _is_complete(item, state[item.id])]
        if missing:
            raise InvalidInput(_("Answer every question before submitting (missing: %(items)s).",
                                 items=", ".join(str(n) for n in missing)))
    changed = 0
    for item_id, value in cleaned.items():
        answer = existing.get(item_id)
        if answer is not None and _same(answer, value):
            continue
        if answer is None:
            if value == AnswerInput():
                continue
            answer = Answer(response_id=response.id, item_id=item_id)
            db.session.add(answer)
        else:
            _drop_stale_fragments(answer, value.text)
        answer.text, answer.rating, answer.dont_know = value.text, value.rating, value.dont_know
        answer.ranking, answer.comment, answer.updated_at = value.ranking, value.comment, now
        changed += 1
    was = response.status
    if final:
        response.status = "submitted"
        response.submitted_at = response.submitted_at if was == "submitted" else now
    if changed or was != response.status:
        response.updated_at = now
        action = ("delphi_response.submit" if was != "submitted" and final
                  else "delphi_response.change" if was == "submitted" else "delphi_response.save")
        audit.record(actor, action, response, before={"status": was},
                     after={"round": round_.id, "status": response.status, "items_changed": changed})
    db.session.flush()
    return response


def _as_input(answer: Answer | None) -> AnswerInput:
    if answer is None:
        return AnswerInput()
    return AnswerInput(text=answer.text, rating=answer.rating, dont_know=bool(answer.dont_know),
                       ranking=answer.ranking or None, comment=answer.comment)


def _drop_stale_fragments(answer: Answer, new_text: str | None) -> None:
    """Fragment codings that the changed answer no longer contains go; whole-answer codings stay."""
    if answer.text == new_text:
        return
    for coding in db.session.scalars(select(Coding).where(Coding.answer_id == answer.id,
                                                          Coding.fragment.is_not(None))):
        if not new_text or coding.fragment not in new_text:
            db.session.delete(coding)


# --- the codebook ------------------------------------------------------------------------------------


def _require_systemizing(round_: Round) -> None:
    if round_.kind != "open":
        raise InvalidInput(_("Only the answers of open rounds are coded."))
    if round_.status not in ("open", "closed"):
        raise InvalidTransition(_("The codebook can change only while the round is open or closed, before its "
                                  "feedback is published."))


def codebook_for(round_: Round) -> Codebook:
    codebook = db.session.scalar(select(Codebook).where(Codebook.round_id == round_.id))
    if codebook is None:
        codebook = Codebook(round_id=round_.id)
        db.session.add(codebook)
        db.session.flush()
    return codebook


def _bilingual(es: str | None, en: str | None, limit: int = 300) -> dict[str, str]:
    out = {"es": (es or "").strip()[:limit], "en": (en or "").strip()[:limit]}
    return out


def add_code(actor: User, round_: Round, *, label_es: str, label_en: str = "", definition_es: str = "",
             definition_en: str = "") -> Code:
    _require_systemizing(round_)
    label = _bilingual(label_es, label_en, 200)
    if not (label["es"] or label["en"]):
        raise InvalidInput(_("Give the code a label, in Spanish or in English."))
    codebook = codebook_for(round_)
    position = db.session.scalar(select(func.max(Code.position)).where(Code.codebook_id == codebook.id))
    code = Code(codebook_id=codebook.id, position=(position or 0) + 1, label=label,
                definition=_bilingual(definition_es, definition_en, 1000))
    db.session.add(code)
    db.session.flush()
    audit.record(actor, "delphi_code.create", code, after={"round": round_.id, "label": code.label})
    return code


def edit_code(actor: User, code: Code, *, label_es: str, label_en: str = "", definition_es: str = "",
              definition_en: str = "") -> Code:
    _require_systemizing(code.codebook.round)
    label = _bilingual(label_es, label_en, 200)
    if not (label["es"] or label["en"]):
        raise InvalidInput(_("Give the code a label, in Spanish or in English."))
    before = {"label": dict(code.label), "definition": dict(code.definition or {})}
    code.label, code.definition = label, _bilingual(definition_es, definition_en, 1000)
    db.session.flush()
    after = {"label": code.label, "definition": code.definition}
    if after != before:
        audit.record(actor, "delphi_code.edit", code, before=before, after=after)
    return code


def _move_codings(codings: Iterable[Coding], target: Code) -> int:
    """Moves codings to another code, dropping those that would repeat one the target already has."""
    have = {(c.answer_id, c.fragment) for c in db.session.scalars(select(Coding).where(Coding.code_id == target.id))}
    moved = 0
    for coding in list(codings):
        if (coding.answer_id, coding.fragment) in have:
            db.session.delete(coding)
            continue
        coding.code_id = target.id
        have.add((coding.answer_id, coding.fragment))
        moved += 1
    return moved


def merge_codes(actor: User, source: Code, target: Code) -> Code:
    """Everything coded `source` becomes `target`; `source` stays, marked as merged, for traceability."""
    _require_systemizing(source.codebook.round)
    if source.id == target.id or source.codebook_id != target.codebook_id:
        raise InvalidInput(_("Choose another code of the same codebook to merge into."))
    if not source.is_active or not target.is_active:
        raise Conflict(_("That code has already been merged."))
    moved = _move_codings(db.session.scalars(select(Coding).where(Coding.code_id == source.id)).all(), target)
    for link in db.session.scalars(select(ItemSource).where(ItemSource.code_id == source.id)).all():
        if db.session.get(ItemSource, (link.item_id, target.id)) is None:
            db.session.add(ItemSource(item_id=link.item_id, code_id=target.id))
    source.merged_into_id = target.id
    db.session.flush()
    audit.record(actor, "delphi_code.merge", source, after={"into": target.id, "codings_moved": moved})
    return target


def split_code(actor: User, code: Code, *, label_es: str, label_en: str = "", definition_es: str = "",
               definition_en: str = "", coding_ids: Iterable[int] = ()) -> Code:
    """A new code taking the chosen codings of `code` (the rest stay where they were)."""
    new = add_code(actor, code.codebook.round, label_es=label_es, label_en=label_en, definition_es=definition_es,
                   definition_en=definition_en)
    new.split_from_id = code.id
    ids = set(coding_ids)
    chosen = [c for c in db.session.scalars(select(Coding).where(Coding.code_id == code.id)) if c.id in ids]
    if len(chosen) != len(ids):
        raise InvalidInput(_("Choose codings of the code being split."))
    moved = _move_codings(chosen, new)
    db.session.flush()
    audit.record(actor, "delphi_code.split", code, after={"new_code": new.id, "codings_moved": moved})
    return new


def _codable_answer(answer: Answer, round_: Round) -> None:
    item = answer.item
    response = answer.response
    if item.round_id != round_.id or item.kind != "open_text" or response.status != "submitted" or not answer.text:
        raise InvalidInput(_("Only submitted answers to the open questions of this round can be coded."))


def assign_code(actor: User, answer: Answer, code: Code, fragment: str | None = None) -> Coding:
    round_ = code.codebook.round
    _require_systemizing(round_)
    _codable_answer(answer, round_)
    if not code.is_active:
        raise Conflict(_("That code has been merged into another one: use that one."))
    fragment = (fragment or "").strip() or None
    if fragment is not None:
        if len(fragment) > MAX_FRAGMENT:
            raise InvalidInput(_("A fragment may have at most %(n)d characters.", n=MAX_FRAGMENT))
        if fragment not in answer.text:
            raise InvalidInput(_("The fragment must be copied exactly from the answer."))
        if fragment == answer.text.strip():
            fragment = None
    duplicate = db.session.scalar(select(Coding).where(
        Coding.answer_id == answer.id, Coding.code_id == code.id,
        Coding.fragment.is_(None) if fragment is None else Coding.fragment == fragment))
    if duplicate is not None:
        return duplicate
    coding = Coding(answer_id=answer.id, code_id=code.id, fragment=fragment, created_by_id=actor.id)
    db.session.add(coding)
    db.session.execute(delete(UncodableMark).where(UncodableMark.answer_id == answer.id))
    db.session.flush()
    # The fragment is answer content: the trail keeps only whether one was chosen.
    audit.record(actor, "delphi_coding.add", coding,
                 after={"answer": answer.id, "code": code.id, "fragment": fragment is not None})
    return coding


def remove_coding(actor: User, coding: Coding) -> None:
    _require_systemizing(coding.code.codebook.round)
    audit.record(actor, "delphi_coding.remove", coding,
                 before={"answer": coding.answer_id, "code": coding.code_id, "fragment": coding.fragment is not None})
    db.session.delete(coding)
    db.session.flush()


def mark_not_codable(actor: User, answer: Answer, round_: Round, not_codable: bool = True) -> None:
    _require_systemizing(round_)
    _codable_answer(answer, round_)
    mark = db.session.get(UncodableMark, answer.id)
    if not_codable:
        coded = db.session.scalar(select(func.count()).select_from(Coding).where(Coding.answer_id == answer.id))
        if coded:
            raise Conflict(_("This answer has codes: remove them before marking it not codable."))
        if mark is None:
            db.session.add(UncodableMark(answer_id=answer.id, marked_by_id=actor.id))
            audit.record(actor, "delphi_answer.not_codable", answer, after={"not_codable": True})
    elif mark is not None:
        db.session.delete(mark)
        audit.record(actor, "delphi_answer.not_codable", answer, after={"not_codable": False})
    db.session.flush()


def reveal_pseudonym(actor: User, pseudonym: Pseudonym) -> User:
    """Who is behind a pseudonym: an admin-only, deliberate act, written to the audit trail."""
    from .. import permissions
    if not permissions.can_reveal_pseudonym(actor):
        raise NotAllowed(_("Only an administrator can reveal who is behind a pseudonym."))
    user = pseudonym.membership.user
    audit.record(actor, "delphi_pseudonym.reveal", pseudonym,
                 after={"round": pseudonym.round_id, "label": pseudonym.label, "user": user.id})
    return user


# --- items of closed rounds --------------------------------------------------------------------------


def _require_draft(round_: Round) -> None:
    if not round_.is_editable:
        raise InvalidTransition(_("Questions can be changed only while the round is a draft."))


def _next_position(round_: Round) -> int:
    current = db.session.scalar(select(func.max(Item.position)).where(Item.round_id == round_.id))
    return 0 if current is None else current + 1


def _committee_codes(round_: Round, code_ids: Iterable[int]) -> list[Code]:
    """Codes of earlier rounds of the same committee, in the order asked."""
    ids = list(dict.fromkeys(code_ids))
    if not ids:
        return []
    codes = {c.id: c for c in db.session.scalars(
        select(Code).join(Codebook).join(Round, Round.id == Codebook.round_id)
        .where(Code.id.in_(ids), Round.committee_id == round_.committee_id, Round.number < round_.number))}
    if len(codes) != len(ids):
        raise InvalidInput(_("Choose codes from the earlier rounds of this committee."))
    return [codes[i] for i in ids]


def draft_statement(code: Code) -> dict[str, str]:
    """An agreement statement drafted from a code, for the facilitator to edit."""
    out = {}
    for lang in ("es", "en"):
        label = code.label.get(lang) or ""
        definition = (code.definition or {}).get(lang) or ""
        if not label:
            continue
        text = label.rstrip(".")
        if definition:
            text += ": " + definition[0].lower() + definition[1:]
        out[lang] = text if text.endswith(".") else text + "."
    return out


def _check_text(text: dict[str, str]) -> dict[str, str]:
    text = {"es": (text.get("es") or "").strip()[:MAX_TEXT], "en": (text.get("en") or "").strip()[:MAX_TEXT]}
    if not (text["es"] or text["en"]):
        raise InvalidInput(_("Write the question or statement, in Spanish or in English."))
    return text


def add_agreement_item(actor: User, round_: Round, text: dict[str, str], *, allow_dont_know: bool = True,
                       code_ids: Iterable[int] = ()) -> Item:
    _require_draft(round_)
    codes = _committee_codes(round_, code_ids)
    item = Item(round=round_, position=_next_position(round_), kind="agreement", text=_check_text(text),
                options=[], allow_dont_know=allow_dont_know,
                comment_prompt={"es": "Comentario (opcional, anónimo)", "en": "Comment (optional, anonymous)"},
                sources=[ItemSource(code_id=c.id) for c in codes])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "delphi_item.create", item, after={"round": round_.id, "kind": "agreement",
                                                           "codes": [c.id for c in codes]})
    return item


def add_items_from_codes(actor: User, round_: Round, code_ids: Iterable[int]) -> list[Item]:
    """One agreement item per code, its statement drafted from the code (editable afterwards)."""
    codes = _committee_codes(round_, code_ids)
    if not codes:
        raise InvalidInput(_("Choose at least one code."))
    return [add_agreement_item(actor, round_, draft_statement(code), code_ids=[code.id]) for code in codes]


def add_ranking_item(actor: User, round_: Round, text: dict[str, str], *, code_ids: Iterable[int] = (),
                     dimensions: bool = False) -> Item:
    """A ranking of the chosen codes (or of the five dimensions of the consulted version)."""
    _require_draft(round_)
    if dimensions:
        version = catalogue_queries.version_tree(round_.committee.catalogue_version_id)
        options = [{"key": d.key, "label": dict(d.title)} for d in version.dimensions]
        codes: list[Code] = []
    else:
        codes = _committee_codes(round_, code_ids)
        options = [{"key": f"code-{c.id}", "label": dict(c.label)} for c in codes]
    if len(options) < 2:
        raise InvalidInput(_("A ranking needs at least two options."))
    item = Item(round=round_, position=_next_position(round_), kind="ranking", text=_check_text(text),
                options=options, allow_dont_know=False,
                comment_prompt={"es": "¿Por qué eligió ese orden? (opcional)",
                                "en": "Why did you choose this order? (optional)"},
                sources=[ItemSource(code_id=c.id) for c in codes])
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "delphi_item.create", item, after={"round": round_.id, "kind": "ranking",
                                                           "codes": [c.id for c in codes]})
    return item


def carry_over(actor: User, round_: Round, previous: Round, carried_item_ids: Iterable[int] | None = None) -> list[Item]:
    """Copies agreement items of an earlier closed round into this draft, keeping the link and their codes.

    By default, the items that did not reach consensus (METHODS.md section 2)."""
    from . import queries
    _require_draft(round_)
    if previous.committee_id != round_.committee_id or previous.number >= round_.number or previous.kind != "closed":
        raise InvalidInput(_("Items are carried over from an earlier closed round of the same committee."))
    if previous.status not in ("closed", "published"):
        raise InvalidTransition(_("Items are carried over once their round has closed."))
    results = queries.round_results(previous)
    if carried_item_ids is None:
        chosen = [r.item for r in results.items if r.item.kind == "agreement" and not r.agreement.consensus]
    else:
        ids = set(carried_item_ids)
        chosen = [r.item for r in results.items if r.item.id in ids and r.item.kind == "agreement"]
    already = set(db.session.scalars(select(Item.carried_from_item_id).where(Item.round_id == round_.id)))
    out = []
    for item in chosen:
        if item.id in already:
            continue
        copy = Item(round=round_, position=_next_position(round_), kind="agreement", text=dict(item.text),
                    options=[], allow_dont_know=item.allow_dont_know, comment_prompt=item.comment_prompt,
                    carried_from_item_id=item.id,
                    sources=[ItemSource(code_id=s.code_id) for s in item.sources])
        db.session.add(copy)
        db.session.flush()
        out.append(copy)
    audit.record(actor, "delphi_item.carry_over", round_, after={"from_round": previous.id,
                                                                "items": [i.carried_from_item_id for i in out]})
    return out


def update_item(actor: User, item: Item, text: dict[str, str], *, allow_dont_know: bool) -> Item:
    _require_draft(item.round)
    before = {"text": dict(item.text), "allow_dont_know": item.allow_dont_know}
    item.text = _check_text(text)
    item.allow_dont_know = allow_dont_know if item.kind == "agreement" else item.allow_dont_know
    db.session.flush()
    after = {"text": item.text, "allow_dont_know": item.allow_dont_know}
    if after != before:
        audit.record(actor, "delphi_item.edit", item, before=before, after=after)
    return item


def delete_item(actor: User, item: Item) -> None:
    _require_draft(item.round)
    audit.record(actor, "delphi_item.delete", item, before={"round": item.round_id, "kind": item.kind,
                                                            "text": item.text})
    db.session.delete(item)
    db.session.flush()


def move_item(actor: User, item: Item, step: int) -> None:
    _require_draft(item.round)
    siblings = list(db.session.scalars(select(Item).where(Item.round_id == item.round_id).order_by(Item.position,
                                                                                                   Item.id)))
    index = next(i for i, s in enumerate(siblings) if s.id == item.id)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    db.session.flush()
    audit.record(actor, "delphi_item.move", item, after={"position": item.position})
