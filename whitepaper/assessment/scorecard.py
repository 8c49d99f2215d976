"""The scorecard view-model: one computed scorecard (from queries.scorecard_for) with what the page, the API
and the PDF need to show it: catalogue texts, charts, explanations of every number, and the API's JSON.
Numbers stay exact here; `formatting.number` rounds them (half up, one decimal) only for display."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional

from flask_babel import gettext as _
from markupsafe import Markup

from .. import charts, formatting
from ..models import Alert, Assessment, CatalogueVersion, Criterion, Dimension, ImprovementAction
from ..numbers import to_float
from . import scoring
from .comparability import left_out_summary
from .fingerprint import LeftOut, Partition
from .specs import VersionSpec


def band_labels() -> dict[str, str]:
    return {"incipient": _("Incipient"), "developing": _("Developing"), "consolidated": _("Consolidated"),
            "optimal": _("Optimal")}


def severity_labels() -> dict[str, str]:
    return {"red": _("red"), "orange": _("orange"), "yellow": _("yellow"), "green": _("green")}


def period_label(assessment: Assessment) -> str:
    return f"{assessment.period_start}–{assessment.period_end}"


def assessment_summary(assessment: Assessment) -> dict[str, Any]:
    """The fields every API answer about an assessment carries (docs/design.md §3.4)."""
    return {"id": assessment.id, "country": assessment.country.iso3, "model": assessment.planning_model.key,
            "version": assessment.version.label, "scope": assessment.scope_name,
            "period": [assessment.period_start, assessment.period_end], "status": assessment.status,
            "is_public": assessment.is_public, "revises": assessment.revises_id,
            "published_at": assessment.published_at.isoformat() + "Z" if assessment.published_at else None}


@dataclass
class PlanItem:
    criterion: Criterion
    result: scoring.CriterionResult
    action: Optional[ImprovementAction]


@dataclass
class ScorecardView:
    assessment: Assessment
    version: CatalogueVersion  # loaded with its tree
    spec: VersionSpec
    card: scoring.Scorecard
    previous: Optional[Assessment]
    previous_card: Optional[scoring.Scorecard]
    change: Optional[scoring.Change]
    regional: Optional[scoring.Regional]
    actions: dict[int, ImprovementAction]  # criterion id -> action
    # False when the reader may not see the previous assessment: its numbers are then not shown.
    previous_visible: bool = True
    # published assessments (ids) the regional comparison left out for their comparability fingerprints
    regional_left_out: tuple[LeftOut[int], ...] = ()
    criteria: dict[str, Criterion] = field(init=False)
    dimensions: dict[str, Dimension] = field(init=False)
    alerts: dict[str, Alert] = field(init=False)

    def __post_init__(self) -> None:
        self.dimensions = {d.key: d for d in self.version.dimensions}
        self.criteria = {c.code: c for d in self.version.dimensions for c in d.criteria}
        self.alerts = {a.key: a for a in self.version.alerts}

    # --- what the page lists ---------------------------------------------------------------------------
    @property
    def shows_change(self) -> bool:
        return self.change is not None and self.previous_visible

    def dimension_rows(self) -> list[tuple[Dimension, scoring.DimensionResult]]:
        return [(self.dimensions[d.key], d) for d in self.card.dimensions]

    def criteria_of(self, key: str) -> list[tuple[Criterion, scoring.CriterionResult]]:
        return [(self.criteria[r.code], r) for r in self.card.criteria if r.dimension == key]

    def gaps(self) -> list[tuple[Criterion, scoring.CriterionResult]]:
        return [(self.criteria[r.code], r) for r in self.card.gaps]

    def strengths(self) -> list[tuple[Criterion, scoring.CriterionResult]]:
        return [(self.criteria[r.code], r) for r in self.card.strengths]

    def alert_rows(self) -> list[tuple[Alert, scoring.AlertResult]]:
        return [(self.alerts[a.key], a) for a in self.card.alerts]

    def plan(self) -> list[PlanItem]:
        """Improvement priorities, lowest attainment first (docs/methods.md §2.10), each with its action if any; then
        actions recorded on criteria that are not priorities."""
        items = [PlanItem(self.criteria[r.code], r, self.actions.get(self.criteria[r.code].id))
                 for r in self.card.priorities]
        listed = {item.criterion.code for item in items}
        for r in self.card.criteria:
            criterion = self.criteria[r.code]
            if r.code not in listed and criterion.id in self.actions:
                items.append(PlanItem(criterion, r, self.actions[criterion.id]))
        return items

    def change_rows(self) -> list[tuple[Optional[Dimension], scoring.DimensionChange]]:
        if not self.shows_change:
            return []
        return [(self.dimensions.get(d.key), d) for d in self.change.dimensions]

    def criterion_changes(self) -> list[tuple[Criterion, scoring.CriterionChange]]:
        if not self.shows_change:
            return []
        return [(self.criteria[c.code], c) for c in self.change.criteria]

    def regional_rows(self) -> list[tuple[Dimension, scoring.RegionalStat, Optional[Fraction]]]:
        if self.regional is None:
            return []
        own = {d.key: d.score for d in self.card.dimensions}
        return [(self.dimensions[s.key], s, own.get(s.key)) for s in self.regional.dimensions]

    # --- explanations (every number says how it was computed) ------------------------------------------
    def explain_overall(self) -> str:
        n = sum(1 for d in self.card.dimensions if d.score is not None)
        return _("Unweighted mean of the %(n)d dimension scores that exist (a dimension without a score is left "
                 "out, never counted as 0).", n=n)

    def explain_dimension(self, d: scoring.DimensionResult) -> str:
        scored = d.rated + d.no_information
        if d.score is None:
            return _("No score: none of its %(n)d criteria has a value or no information.", n=len(d.criteria))
        weights = [r.weight for r in self.card.criteria if r.dimension == d.key and r.is_scored]
        total = sum(weights)
        weighted = sum(r.weight * r.attainment for r in self.card.criteria if r.dimension == d.key and r.is_scored)
        return _("100 × Σ weight × attainment ÷ Σ weight = 100 × %(num)s ÷ %(den)d over the %(n)d criteria "
                 "with a value or no information (no information counts as 0; %(na)d not applicable and %(unrated)d "
                 "unrated are left out).", num=formatting.number(weighted, 3), den=total, n=scored,
                 na=d.not_applicable, unrated=d.unrated)

    def explain_criterion(self, r: scoring.CriterionResult) -> str:
        if r.status == "not_applicable":
            return _("Not applicable: left out of every average.")
        if r.status == "unrated":
            return _("Unrated: left out of every average.")
        value = 0 if r.status == "no_information" else r.value
        text = _("Attainment = min(value, optimal) ÷ optimal = min(%(l)d, %(o)d) ÷ %(o)d; gap = %(gap)d.",
                 l=value, o=r.optimal, gap=r.gap)
        if r.status == "no_information":
            text = _("No information counts as 0.") + " " + text
        if r.above_optimal:
            text += " " + _("The value is above the optimal one and gives no extra credit.")
        if r.flagged:
            text += " " + _("Flagged: below its dimension's score.")
        return text

    def explain_alert(self, a: scoring.AlertResult) -> str:
        scored = sum(1 for code in a.criteria if self.card.criterion(code).is_scored)
        return _("100 × the mean attainment of its %(n)d criteria with a value or no information; raised when one "
                 "of its criteria is below its dimension's score. Red below 100/3, orange below 200/3, yellow below "
                 "100, green at 100.", n=scored)

    def explain_completeness(self) -> str:
        complete = sum(1 for r in self.card.criteria if r.complete)
        return _("%(done)d of %(total)d criteria have a complete rating: a rating, a justification and, for a value, "
                 "a means of verification.", done=complete, total=len(self.card.criteria))

    def explain_regional(self) -> str:
        if self.regional is None:
            return ""
        return _("Mean, minimum and maximum of the latest published assessment of each country and scope on "
                 "catalogue version %(version)s: %(n)d assessments from %(countries)d countries.",
                 version=self.version.label, n=self.regional.assessments, countries=self.regional.countries)

    def left_out_reasons(self) -> dict[str, int]:
        return Partition((), self.regional_left_out).reason_counts()

    def explain_left_out(self) -> str:
        """How many published assessments the regional comparison left out, and why (counts only: no names)."""
        if not self.regional_left_out:
            return ""
        return left_out_summary(len(self.regional_left_out), self.left_out_reasons())

    # --- charts (server-side SVG, the same for the page and the PDF) -----------------------------------
    def radar(self) -> Markup:
        lang = formatting.current_lang()
        axes = [(formatting.text(self.dimensions[d.key].title, lang), d.score) for d in self.card.dimensions]
        compare = []
        if self.shows_change:
            previous = {d.key: d.previous for d in self.change.dimensions}
            compare.append((_("Previous assessment (%(period)s)", period=period_label(self.previous)),
                            [previous.get(d.key) for d in self.card.dimensions]))
        if self.regional is not None:
            means = {s.key: s.mean for s in self.regional.dimensions}
            compare.append((_("Regional mean (%(n)d countries)", n=self.regional.countries),
                            [means.get(d.key) for d in self.card.dimensions]))
        return charts.radar(axes, series_label=_("This assessment (%(period)s)",
                                                  period=period_label(self.assessment)),
                            compare=compare, fmt=formatting.number, title=_("Profile by dimension (0–100)"),
                            none_label=_("no score"), band_labels=band_labels())

    def dimension_bars(self) -> Markup:
        lang = formatting.current_lang()
        rows = [(formatting.text(self.dimensions[d.key].title, lang), d.score) for d in self.card.dimensions]
        return charts.hbars(rows, fmt=formatting.number, title=_("Score by dimension (0–100)"),
                            none_label=_("no score"), band_labels=band_labels())

    def criterion_bars(self, key: str) -> Markup:
        lang = formatting.current_lang()
        rows = [(f"{c.code} {formatting.text(c.title, lang)}", None if r.attainment is None else 100 * r.attainment)
                for c, r in self.criteria_of(key)]
        return charts.hbars(rows, fmt=formatting.number,
                            title=_("Attainment by criterion, %(dimension)s (0–100)",
                                    dimension=formatting.text(self.dimensions[key].title, lang)),
                            none_label=_("not applicable or unrated"), band_labels=band_labels(), legend=False)

    # --- the API ---------------------------------------------------------------------------------------
    def as_api(self) -> dict[str, Any]:
        card = self.card
        out: dict[str, Any] = {
            "assessment": assessment_summary(self.assessment),
            "provisional": card.provisional,
            "validated": self.assessment.is_validated,
            "completeness": to_float(card.completeness),
            "overall": {"score": to_float(card.overall.score), "band": card.overall.band},
            "dimensions": [{
                "key": d.key, "score": to_float(d.score), "band": d.band, "rated": d.rated,
                "not_applicable": d.not_applicable, "no_information": d.no_information, "unrated": d.unrated,
                "rests_on_missing_information": d.rests_on_missing_information,
            } for d in card.dimensions],
            "criteria": [{
                "code": r.code, "dimension": r.dimension, "status": r.status, "value": r.value,
                "optimal": r.optimal, "weight": r.weight, "attainment": to_float(r.attainment), "gap": r.gap,
                "above_optimal": r.above_optimal, "flagged": r.flagged, "complete": r.complete,
            } for r in card.criteria],
            "gaps": [r.code for r in card.gaps],
            "strengths": [r.code for r in card.strengths],
            "alerts": [{
                "key": a.key, "title": self.alerts[a.key].title, "raised": a.raised, "value": to_float(a.value),
                "severity": a.severity, "criteria": list(a.criteria), "flagged_criteria": list(a.flagged_criteria),
            } for a in card.alerts],
            "improvement_plan": [{
                "criterion": item.criterion.code, "attainment": to_float(item.result.attainment),
                "gap": item.result.gap,
                "action": None if item.action is None else {
                    "what": item.action.what, "who": item.action.who,
                    "by": item.action.due_date.isoformat() if item.action.due_date else None},
            } for item in self.plan()],
            "previous": None,
            "change": None,
            "regional": None,
            "regional_left_out": {"count": len(self.regional_left_out), "reasons": self.left_out_reasons()},
        }
        if self.shows_change:
            change = self.change
            out["previous"] = assessment_summary(self.previous)

            def pair(c: Any) -> dict[str, Any]:
                return {"previous": to_float(c.previous), "current": to_float(c.current),
                        "difference": to_float(c.difference)}
            out["change"] = {
                "overall": pair(change.overall),
                "dimensions": [{"key": d.key, **pair(d)} for d in change.dimensions],
                "criteria": [{"code": c.code, **pair(c)} for c in change.criteria],
                "only_in_previous": list(change.only_in_previous),
                "only_in_current": list(change.only_in_current),
            }
        if self.regional is not None:
            def stat(s: scoring.RegionalStat) -> dict[str, Any]:
                return {"key": s.key, "n": s.n, "countries": s.countries, "mean": to_float(s.mean),
                        "min": to_float(s.minimum), "max": to_float(s.maximum)}
            out["regional"] = {"version": self.version.label, "countries": self.regional.countries,
                               "assessments": self.regional.assessments, "overall": stat(self.regional.overall),
                               "dimensions": [stat(s) for s in self.regional.dimensions]}
        return out
