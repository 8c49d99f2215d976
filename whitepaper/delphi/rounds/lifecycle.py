"""A round's life: the open round's three questions, closed rounds' settings, pseudonyms, opening,
closing, publishing, reminders and the admin-only reveal of a pseudonym. Writes flush; the caller commits once.

The audit trail records that something changed, never an answer's content (docs/methods.md §4)."""
from __future__ import annotations

import random
from datetime import datetime
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from ... import audit, mail
from ...catalogue import queries as catalogue_queries
from ...errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from ...extensions import db
from ...models import User
from ...models.base import utcnow
from ...models.delphi import (
    CONSENSUS_RULES,
    SCALES,
    Committee,
    Item,
    Membership,
    Pseudonym,
    Response,
    Round,
)
from .. import stats
from . import queries

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
            "rand_ucla": _("RAND/UCLA"), "iqr1_sd15": _("IQR ≤ 1 or SD ≤ 1.5")}.get(rule, rule)


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


def reveal_pseudonym(actor: User, pseudonym: Pseudonym) -> User:
    """Who is behind a pseudonym: an admin-only, deliberate act, written to the audit trail."""
    from ... import permissions
    if not permissions.can_reveal_pseudonym(actor):
        raise NotAllowed(_("Only an administrator can reveal who is behind a pseudonym."))
    user = pseudonym.membership.user
    audit.record(actor, "delphi_pseudonym.reveal", pseudonym,
                 after={"round": pseudonym.round_id, "label": pseudonym.label, "user": user.id})
    return user
