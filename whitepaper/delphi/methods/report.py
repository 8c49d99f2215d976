"""The methods report of a committee: its facts, the reporting checklist with the facilitators' texts and the
participant flow, as one object for the page, the PDF and the API; and the facilitators' texts, saved with an
audit record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from ... import audit
from ...errors import InvalidInput
from ...extensions import db
from ...models import Committee, User
from ...models.base import utcnow
from ...models.methods import MethodsText
from . import checklist as checklist_module
from .checklist import KEYS, ChecklistEntry, checklist, round_name
from .facts import Breakdown, MethodsFacts, RoundFacts, gather
from .flow import FlowLabels, FlowStep, flow_svg

MAX_TEXT = 4000


@dataclass
class MethodsReport:
    facts: MethodsFacts
    checklist: list[ChecklistEntry]
    flow: Markup
    generated_at: datetime
    written: dict[str, dict[str, str]]    # the facilitators' texts by item key, both languages

    @property
    def committee(self) -> Committee:
        return self.facts.committee

    @property
    def rounds(self) -> list[RoundFacts]:
        return self.facts.rounds

    def round_name(self, r: RoundFacts) -> str:
        return round_name(r)


def template_helpers() -> dict[str, Any]:
    """What the report's templates format with (as `h`): days, minutes (UTC) and consensus rules."""
    return {"h": {"day": checklist_module.day, "minute": checklist_module.minute,
                  "rule_text": checklist_module.rule_text}}


def written_texts(committee: Committee) -> dict[str, dict[str, str]]:
    return {t.item_key: t.text for t in db.session.scalars(select(MethodsText)
                                                           .where(MethodsText.committee_id == committee.id))}


def flow(facts: MethodsFacts) -> Markup:
    labels = FlowLabels(invited=_("Invited members"), answered=_("Answered"), next=_("Answered the next round"),
                        description=_("Participant flow: for each round, the members invited, those who answered, "
                                      "and those of them who answered the next round."))
    return flow_svg([FlowStep(round_name(r), r.invited, r.answered, r.answered_next) for r in facts.rounds], labels)


def build(committee: Committee, viewer: Any, lang: str) -> MethodsReport:
    """The report as `viewer` may read it, in the current language (`lang` names countries)."""
    facts = gather(committee, viewer, lang)
    written = written_texts(committee)
    return MethodsReport(facts, checklist(facts, written), flow(facts), utcnow(), written)


def _breakdown_json(b: Breakdown) -> dict[str, Any]:
    return {"shown": [{"group": key, "members": n} for key, n in b.shown], "pooled_groups": b.pooled_groups,
            "pooled_members": b.pooled_members, "min_cell_size": b.minimum}


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value else None


def _round_json(r: RoundFacts) -> dict[str, Any]:
    rate = r.rate
    return {
        "id": r.round.id, "number": r.round.number, "kind": r.round.kind, "status": r.round.status,
        "invited": r.invited, "answered": r.answered, "answered_next_round": r.answered_next,
        "response_rate": round(float(rate), 1) if rate is not None else None,
        "items_total": r.items_total, "items_rated": r.items_rated, "items_consensus": r.items_consensus,
        "mean_cv_stability": r.cv_stability,
        "stability": (None if r.stability_assessed is None
                      else {"assessed": r.stability_assessed, "stable": r.stability_stable,
                            "mean_kappa": r.stability_kappa}),
        "coding": None if r.coding is None else vars(r.coding).copy(),
        "changes": None if r.changes is None else vars(r.changes).copy(),
        "suggested_codes": r.suggestions,
        "hidden_comments": r.hidden_comments, "flagged_comments": r.flagged_comments, "realtime": r.realtime,
        "rule": r.round.rule if r.round.kind == "closed" else None, "scale": r.round.scale,
        "rule_locked_at": _iso(r.round.opened_at) if r.round.kind == "closed" else None,
        "opened_at": _iso(r.round.opened_at), "closed_at": _iso(r.round.closed_at),
        "published_at": _iso(r.round.published_at)}


def report_json(report: MethodsReport) -> dict[str, Any]:
    p = report.facts.panel
    return {
        "committee": {"id": report.committee.id, "model": report.committee.planning_model.key},
        "generated_at": report.generated_at.isoformat(),
        "panel": {"members": p.members, "facilitators": p.facilitators, "countries": p.countries,
                  "subregions": [{"subregion": k or None, "members": n} for k, n in p.subregions],
                  "by_country": _breakdown_json(p.by_country), "by_expertise": _breakdown_json(p.by_expertise)},
        "rounds": [_round_json(r) for r in report.rounds],
        "checklist": [{"key": e.key, "guideline": e.guideline, "item": e.item, "text": e.text,
                       "generated": e.generated, "facilitator_text": e.facilitator_text or None}
                      for e in report.checklist]}


def save_text(actor: User, committee: Committee, key: str, *, es: str, en: str) -> Optional[MethodsText]:
    """Stores (or, when both are empty, removes) the facilitators' text of one checklist item; audited."""
    if key not in KEYS:
        raise InvalidInput(_("There is no such item in the reporting checklist."))
    text = {lang: value.strip() for lang, value in (("es", es or ""), ("en", en or "")) if value and value.strip()}
    if any(len(value) > MAX_TEXT for value in text.values()):
        raise InvalidInput(_("Each text may have at most %(n)d characters.", n=MAX_TEXT))
    row = db.session.scalar(select(MethodsText).where(MethodsText.committee_id == committee.id,
                                                      MethodsText.item_key == key))
    before = dict(row.text) if row is not None else None
    if not text:
        if row is not None:
            db.session.delete(row)
            audit.record(actor, "delphi_methods_text.delete", object_type="committees", object_id=committee.id,
                         before={"item": key, "text": before})
        return None
    if row is None:
        row = MethodsText(committee_id=committee.id, item_key=key)
        db.session.add(row)
    row.text = text
    row.updated_by_id = actor.id
    row.updated_at = utcnow()
    audit.record(actor, "delphi_methods_text.save", object_type="committees", object_id=committee.id,
                 before={"item": key, "text": before}, after={"item": key, "text": text})
    return row
