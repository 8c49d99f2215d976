"""Coherence across levels of government: a country's published subnational assessment beside its published
national one, criterion pair by criterion pair, as the mapping in criteria/mappings/ relates them.

The two models score differently (the national one by verification elements, the subnational one by levels),
so each rating is read on the scale both share, the four bands of attainment (docs/methods.md §2: incipient,
developing, consolidated, optimal, on 100 × attainment). A pair is flagged when its two ratings lie two bands
or more apart. Every number comes from each assessment's own scorecard (queries.scorecard_for), so the page,
the PDF and the two scorecards always agree."""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Optional

from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from .. import permissions
from ..catalogue import display, mappings
from ..extensions import db
from ..models import Assessment, Criterion, PlanningModel
from . import queries, scoring
from .scorecard import ScorecardView

SOURCE, TARGET = "national", "subnational"
BANDS: tuple[scoring.Band, ...] = ("incipient", "developing", "consolidated", "optimal")
FLAG_AT = 2  # bands apart


def band_of(result: scoring.CriterionResult) -> Optional[scoring.Band]:
    """The band of a criterion's attainment; None when it has none (not applicable or unrated)."""
    return None if result.attainment is None else scoring.band(100 * result.attainment)


def bands_apart(first: Optional[str], second: Optional[str]) -> Optional[int]:
    if first is None or second is None:
        return None
    return abs(BANDS.index(first) - BANDS.index(second))


@dataclass(frozen=True)
class Side:
    criterion: Criterion
    result: scoring.CriterionResult

    @property
    def band(self) -> Optional[scoring.Band]:
        return band_of(self.result)

    @property
    def percent(self):
        return None if self.result.attainment is None else 100 * self.result.attainment

    def level_descriptor(self) -> Optional[dict[str, str]]:
        """The descriptor of the chosen level, for a criterion scored by levels that has a value."""
        if self.criterion.scoring != "levels" or self.result.value is None:
            return None
        return next((level.descriptor for level in self.criterion.levels if level.value == self.result.value), None)


@dataclass(frozen=True)
class Row:
    pair: mappings.Pair
    national: Side
    subnational: Side

    @property
    def gap(self) -> Optional[int]:
        return bands_apart(self.national.band, self.subnational.band)

    @property
    def flagged(self) -> bool:
        return self.gap is not None and self.gap >= FLAG_AT


@dataclass
class CoherenceView:
    national: Assessment
    subnational: Assessment
    mapping: mappings.Mapping
    national_card: ScorecardView
    subnational_card: ScorecardView
    rows: list[Row]
    missing: list[str]  # "NAC-x → SUB-y" links the mapping makes that one of the two versions lacks

    @property
    def flagged(self) -> list[Row]:
        return [row for row in self.rows if row.flagged]

    @property
    def compared(self) -> int:
        return sum(1 for row in self.rows if row.gap is not None)

    def badge(self) -> Markup:
        """The mapping's provenance badge, as the catalogue shows its texts' (composed, pending validation)."""
        p = self.mapping.provenance
        return display.badge(SimpleNamespace(provenance=p.get("es"), provenance_source=p.get("source"),
                                             validated_by=p.get("validated_by")))


def _published(country_id: int, model_key: str, viewer: Any) -> list[Assessment]:
    """The published assessments of a country on a model that no published revision replaces, latest first,
    limited to those the viewer may read (every one for a trusted caller)."""
    reviser = aliased(Assessment)
    revised = exists().where(reviser.revises_id == Assessment.id, reviser.status == "published")
    query = (select(Assessment).join(PlanningModel, PlanningModel.id == Assessment.planning_model_id)
             .where(Assessment.status == "published", Assessment.country_id == country_id,
                    PlanningModel.key == model_key, ~revised)
             .order_by(Assessment.period_end.desc(), Assessment.published_at.desc(), Assessment.id.desc()))
    if viewer is not queries.TRUSTED:
        query = query.where(permissions.assessment_visibility(viewer))
    return list(db.session.scalars(query))


def is_candidate(assessment: Assessment) -> bool:
    """Only a published assessment of one of the two models takes part (checked without a query)."""
    return assessment.status == "published" and assessment.planning_model.key in (SOURCE, TARGET)


def national_for(subnational: Assessment, viewer: Any = queries.TRUSTED,
                 national_id: Optional[int] = None) -> Optional[Assessment]:
    """The national assessment to set beside a subnational one: the one asked for, when it is one of the
    country's published national assessments the viewer may read; else the latest of them whose period
    overlaps the subnational one's, else the latest."""
    if not is_candidate(subnational) or subnational.planning_model.key != TARGET:
        return None
    candidates = _published(subnational.country_id, SOURCE, viewer)
    if national_id is not None:
        return next((a for a in candidates if a.id == national_id), None)
    overlapping = [a for a in candidates
                   if a.period_start <= subnational.period_end and subnational.period_start <= a.period_end]
    return (overlapping or candidates or [None])[0]


def partners(assessment: Assessment, viewer: Any) -> list[tuple[Assessment, Assessment]]:
    """The (national, subnational) pairs an assessment's scorecard page links to: for a published subnational
    assessment, its national counterpart; for a published national one, the country's published subnational
    assessments it is the counterpart of. Only what the viewer may read."""
    if not is_candidate(assessment) or mappings.shipped(SOURCE, TARGET) is None:
        return []
    if assessment.planning_model.key == TARGET:
        national = national_for(assessment, viewer)
        return [] if national is None else [(national, assessment)]
    return [(assessment, sub) for sub in _published(assessment.country_id, TARGET, viewer)
            if (national_for(sub, viewer) or sub).id == assessment.id]


def build(national: Assessment, subnational: Assessment) -> Optional[CoherenceView]:
    """The coherence view of two assessments (None when no mapping relates their models)."""
    mapping = mappings.shipped(SOURCE, TARGET)
    if mapping is None:
        return None
    national_card = queries.scorecard_for(national, with_regional=False)
    subnational_card = queries.scorecard_for(subnational, with_regional=False)
    rows, missing = [], []
    for pair, target in mapping.links():
        source_criterion = national_card.criteria.get(pair.source)
        target_criterion = subnational_card.criteria.get(target)
        if source_criterion is None or target_criterion is None:
            missing.append(f"{pair.source} → {target}")
            continue
        rows.append(Row(pair, Side(source_criterion, national_card.card.criterion(pair.source)),
                        Side(target_criterion, subnational_card.card.criterion(target))))
    return CoherenceView(national=national, subnational=subnational, mapping=mapping, national_card=national_card,
                         subnational_card=subnational_card, rows=rows, missing=missing)


def for_subnational(subnational: Assessment, viewer: Any = queries.TRUSTED) -> Optional[CoherenceView]:
    """The coherence section of a subnational assessment's scorecard PDF, when it has a national counterpart."""
    national = national_for(subnational, viewer)
    return None if national is None else build(national, subnational)
