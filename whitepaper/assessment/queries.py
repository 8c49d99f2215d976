"""Reads of the self-evaluation for pages, the API and the PDF, each in a constant number of queries whatever
the number of criteria and ratings. The scorecard has ONE entry point, `scorecard_for`, so that the page, the
API and the PDF show the same numbers."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import permissions
from ..catalogue.queries import version_tree
from ..extensions import db
from ..models import (Alert, Assessment, AssessmentParticipant, AssessmentReview, CatalogueVersion, Country,
                      Criterion, Dimension, Element, ElementMark, GroupRating, ImprovementAction,
                      Level, PlanningModel, Rating, User, WorkshopGroup)
from . import comparability, scoring
from .fingerprint import LeftOut, Reference
from .scoring import AlertSpec, CriterionSpec, RatingInput
from .specs import ElementInfo, VersionSpec


# --- a catalogue version as scoring input ---------------------------------------------------------------

def spec_from_tree(tree: CatalogueVersion) -> VersionSpec:
    """From a version loaded by catalogue.queries.version_tree (no query)."""
    specs, code_of, scoring_of, elements_of, levels_of = [], {}, {}, {}, {}
    for dimension in tree.dimensions:
        for criterion in dimension.criteria:
            specs.append(CriterionSpec(criterion.code, dimension.key, criterion.weight, criterion.k,
                                       criterion.optimal, criterion.scoring))
            code_of[criterion.id] = criterion.code
            scoring_of[criterion.id] = criterion.scoring
            elements_of[criterion.id] = tuple(ElementInfo(e.id, e.code, e.polarity, e.position)
                                              for e in criterion.elements)
            levels_of[criterion.id] = len(criterion.levels)
    return VersionSpec(tuple(specs), tuple(AlertSpec(a.key, tuple(a.criteria_codes)) for a in tree.alerts),
                       tuple(d.key for d in tree.dimensions), code_of, scoring_of, elements_of, tree.id, levels_of)


def version_spec(version_id: int, *, with_alerts: bool = True) -> VersionSpec:
    """The same as spec_from_tree without loading the texts, in two light queries (three with the alerts,
    which progress does not need)."""
    level_count = select(func.count()).where(Level.criterion_id == Criterion.id).correlate(Criterion) \
        .scalar_subquery()
    elements_of: dict[int, list[ElementInfo]] = {}
    for criterion_id, element_id, code, polarity, position in db.session.execute(
            select(Element.criterion_id, Element.id, Element.code, Element.polarity, Element.position)
            .join(Criterion, Criterion.id == Element.criterion_id).where(Criterion.version_id == version_id)
            .order_by(Element.criterion_id, Element.position)):
        elements_of.setdefault(criterion_id, []).append(ElementInfo(element_id, code, polarity, position))
    dimension_keys: list[str] = []
    specs, code_of, scoring_of, levels_of = [], {}, {}, {}
    # An outer join, so that a dimension without criteria still counts as a dimension.
    for key, cid, code, weight, scoring_method, optimal, n_levels in db.session.execute(
            select(Dimension.key, Criterion.id, Criterion.code, Criterion.weight, Criterion.scoring,
                   Criterion.optimal, level_count)
            .select_from(Dimension).outerjoin(Criterion, Criterion.dimension_id == Dimension.id)
            .where(Dimension.version_id == version_id).order_by(Dimension.position, Criterion.position)):
        if key not in dimension_keys:
            dimension_keys.append(key)
        if cid is None:
            continue
        k = n_levels if scoring_method == "levels" else len(elements_of.get(cid, ()))
        specs.append(CriterionSpec(code, key, weight, k, optimal, scoring_method))
        code_of[cid], scoring_of[cid], levels_of[cid] = code, scoring_method, n_levels
    alerts = tuple(AlertSpec(key, tuple(codes)) for key, codes in db.session.execute(
        select(Alert.key, Alert.criteria_codes).where(Alert.version_id == version_id).order_by(Alert.position))
    ) if with_alerts else ()
    return VersionSpec(tuple(specs), alerts, tuple(dimension_keys), code_of, scoring_of,
                       {cid: tuple(elements_of.get(cid, ())) for cid in code_of}, version_id, levels_of)


@dataclass(frozen=True)
class LevelShape:
    value: int


@dataclass(frozen=True)
class CriterionShape:
    """What saving a rating needs to know about its criterion (no texts), from a VersionSpec: it stands in for
    the Criterion object in forms.parse_rating and services.save_rating."""
    id: int
    code: str
    version_id: int
    scoring: str
    levels: tuple[LevelShape, ...]
    elements: tuple[ElementInfo, ...]


def criterion_shape(spec: VersionSpec, code: str) -> Optional[CriterionShape]:
    cid = next((cid for cid, c in spec.code_of.items() if c == code), None)
    if cid is None:
        return None
    return CriterionShape(cid, code, spec.version_id, spec.scoring_of[cid],
                          tuple(LevelShape(v) for v in range(1, spec.levels_of.get(cid, 0) + 1)),
                          spec.elements_of[cid])


# --- stored ratings as scoring input --------------------------------------------------------------------

def rating_value(spec: VersionSpec, criterion_id: int, kind: str | None, level: int | None,
                 marks: dict[int, bool]) -> int | None:
    """The level, or the number of favourable elements once every element is answered (polarity applied)."""
    if kind != "value":
        return None
    if spec.scoring_of[criterion_id] == "levels":
        return level
    elements = spec.elements_of[criterion_id]
    return scoring.element_value([e.polarity for e in elements], [marks.get(e.id) for e in elements])


def rating_input(spec: VersionSpec, rating: Rating | GroupRating, marks: dict[int, bool]) -> RatingInput | None:
    value = rating_value(spec, rating.criterion_id, rating.kind, rating.level, marks)
    return scoring.stored_rating_input(rating.kind, value, rating.justification, rating.means_of_verification)


def stored_inputs(spec: VersionSpec, assessment_ids: list[int]) -> dict[int, dict[str, RatingInput]]:
    """{assessment id: {criterion code: RatingInput}} for assessments on `spec`'s version, in two queries."""
    out: dict[int, dict[str, RatingInput]] = {aid: {} for aid in assessment_ids}
    if not assessment_ids:
        return out
    marks: dict[int, dict[int, bool]] = {}
    for rating_id, element_id, present in db.session.execute(
            select(ElementMark.rating_id, ElementMark.element_id, ElementMark.is_present)
            .join(Rating, Rating.id == ElementMark.rating_id).where(Rating.assessment_id.in_(assessment_ids))):
        marks.setdefault(rating_id, {})[element_id] = present
    for rid, aid, cid, kind, level, justification, means in db.session.execute(
            select(Rating.id, Rating.assessment_id, Rating.criterion_id, Rating.kind, Rating.level,
                   Rating.justification, Rating.means_of_verification)
            .where(Rating.assessment_id.in_(assessment_ids))):
        if cid not in spec.code_of:
            continue
        value = rating_value(spec, cid, kind, level, marks.get(rid, {}))
        entry = scoring.stored_rating_input(kind, value, justification, means)
        if entry is not None:
            out[aid][spec.code_of[cid]] = entry
    return out


# --- progress -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DimensionProgress:
    key: str
    complete: int
    rated: int  # with a value, not applicable or no information (complete or not)
    total: int


@dataclass(frozen=True)
class Progress:
    dimensions: tuple[DimensionProgress, ...]
    complete: int
    rated: int
    total: int

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.complete, self.total) if self.total else Fraction(0)

    @property
    def is_complete(self) -> bool:
        return self.total > 0 and self.complete == self.total

    def dimension(self, key: str) -> DimensionProgress:
        return next(d for d in self.dimensions if d.key == key)

    def as_json(self) -> dict[str, Any]:
        return {"complete": self.complete, "rated": self.rated, "total": self.total,
                "completeness": float(self.fraction),
                "dimensions": {d.key: {"complete": d.complete, "rated": d.rated, "total": d.total}
                               for d in self.dimensions}}


def progress_of(spec: VersionSpec, inputs: dict[str, RatingInput]) -> Progress:
    """Completeness as docs/methods.md §2.8 defines it, per dimension and overall (pure)."""
    rows = []
    for key in spec.dimension_keys:
        codes = [s.code for s in spec.specs if s.dimension == key]
        rated = [inputs[c] for c in codes if c in inputs]
        rows.append(DimensionProgress(key, sum(1 for r in rated if r.complete), len(rated), len(codes)))
    return Progress(tuple(rows), sum(r.complete for r in rows), sum(r.rated for r in rows),
                    sum(r.total for r in rows))


def progress_for(assessment: Assessment, spec: VersionSpec | None = None) -> Progress:
    spec = spec or version_spec(assessment.version_id, with_alerts=False)
    return progress_of(spec, stored_inputs(spec, [assessment.id])[assessment.id])


# --- lists ----------------------------------------------------------------------------------------------

@dataclass
class Filters:
    country: str = ""
    model: str = ""
    status: str = ""
    year: int | None = None

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in (("country", self.country), ("model", self.model), ("status", self.status),
                                  ("year", self.year)) if v}


def visible_assessments(user: Any, filters: Filters | None = None):
    """A Select of the assessments `user` may see, filtered, newest period first."""
    query = select(Assessment).where(permissions.assessment_visibility(user))
    if filters:
        if filters.country:
            query = query.where(Assessment.country_id.in_(select(Country.id).where(Country.iso3 == filters.country)))
        if filters.model:
            query = query.where(Assessment.planning_model_id.in_(
                select(PlanningModel.id).where(PlanningModel.key == filters.model)))
        if filters.status:
            query = query.where(Assessment.status == filters.status)
        if filters.year:
            query = query.where(Assessment.period_start <= filters.year, Assessment.period_end >= filters.year)
    return query.order_by(Assessment.period_end.desc(), Assessment.id.desc())


def list_page(user: Any, filters: Filters, page: int, per_page: int):
    return db.paginate(visible_assessments(user, filters), page=page, per_page=per_page, error_out=False)


def countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.iso3)))


def usable_versions() -> list[CatalogueVersion]:
    """Approved versions, and drafts an admin opened for piloting, in model order."""
    return list(db.session.scalars(
        select(CatalogueVersion).join(PlanningModel, PlanningModel.id == CatalogueVersion.planning_model_id)
        .where(or_(CatalogueVersion.status == "approved",
                   and_(CatalogueVersion.status == "draft", CatalogueVersion.is_open_for_piloting.is_(True))))
        .order_by(PlanningModel.position, CatalogueVersion.id)))


# --- one assessment -------------------------------------------------------------------------------------

@dataclass
class Detail:
    assessment: Assessment
    participants: list[AssessmentParticipant]
    groups: list[WorkshopGroup]
    reviews: list[AssessmentReview]
    created_by: Optional[User]
    revises: Optional[Assessment]
    corrections: list[Assessment]
    progress: Progress
    dimensions: list[Dimension]


def detail(assessment: Assessment) -> Detail:
    participants = list(db.session.scalars(
        select(AssessmentParticipant).where(AssessmentParticipant.assessment_id == assessment.id)
        .options(selectinload(AssessmentParticipant.group)).order_by(AssessmentParticipant.position)))
    groups = list(db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)
                                     .order_by(WorkshopGroup.position)))
    reviews = list(db.session.scalars(select(AssessmentReview).where(AssessmentReview.assessment_id == assessment.id)
                                      .order_by(AssessmentReview.id)))
    created_by = db.session.get(User, assessment.created_by_id) if assessment.created_by_id else None
    revises = db.session.get(Assessment, assessment.revises_id) if assessment.revises_id else None
    corrections = list(db.session.scalars(select(Assessment).where(Assessment.revises_id == assessment.id)
                                          .order_by(Assessment.id)))
    dimensions = list(db.session.scalars(select(Dimension).where(Dimension.version_id == assessment.version_id)
                                         .order_by(Dimension.position)))
    return Detail(assessment, participants, groups, reviews, created_by, revises, corrections,
                  progress_for(assessment), dimensions)


# --- the rating form ------------------------------------------------------------------------------------

@dataclass
class GroupCell:
    group: WorkshopGroup
    rating: Optional[GroupRating]
    value: int | None
    status: str  # "value" | "not_applicable" | "no_information" | "unrated"


@dataclass
class CriterionRow:
    criterion: Criterion
    dimension: Dimension
    rating: Optional[Rating]  # the consolidated rating
    marks: dict[int, bool]
    value: int | None
    entry: Optional[RatingInput]
    groups: list[GroupCell] = field(default_factory=list)
    divergent: bool = False
    # What this page edits: the consolidated rating, or the chosen group's rating.
    editing: Optional[Rating | GroupRating] = None
    editing_marks: dict[int, bool] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.editing.version if self.editing is not None else 0

    @property
    def status(self) -> str:
        return scoring.status_of(self.entry)


@dataclass
class RatingPage:
    assessment: Assessment
    dimensions: list[Dimension]  # every dimension of the version, for the navigation
    dimension: Dimension  # the one shown (the first one when the page shows them all)
    sections: list[tuple[Dimension, list[CriterionRow]]]  # what the page shows
    rows: list[CriterionRow]  # the shown dimension's criteria
    all_rows: dict[str, CriterionRow]  # every shown criterion, by code
    groups: list[WorkshopGroup]
    group: Optional[WorkshopGroup]
    progress: Progress  # over the whole version
    alerts_by_code: dict[str, list[Alert]]


def _status(kind: str | None, value: int | None) -> str:
    if kind is None or (kind == "value" and value is None):
        return "unrated"
    return kind


def rating_page(assessment: Assessment, dimension_key: str | None = None, group: WorkshopGroup | None = None,
                *, all_dimensions: bool = False) -> Optional[RatingPage]:
    """Everything the rating form of one dimension (or, for the review, of all of them) shows, in a constant
    number of queries. Only the shown criteria are loaded as objects with their texts; the progress over the
    whole version comes from the light column queries. None if the dimension does not exist."""
    dimensions = list(db.session.scalars(select(Dimension).where(Dimension.version_id == assessment.version_id)
                                         .order_by(Dimension.position)))
    if not dimensions:
        return None
    dimension = next((d for d in dimensions if d.key == dimension_key), None) if dimension_key else dimensions[0]
    if dimension is None:
        return None
    shown = dimensions if all_dimensions else [dimension]
    position = {d.id: d.position for d in dimensions}
    criteria = sorted(db.session.scalars(
        select(Criterion).where(Criterion.dimension_id.in_([d.id for d in shown]))
        .options(selectinload(Criterion.levels), selectinload(Criterion.elements))),
        key=lambda c: (position[c.dimension_id], c.position))
    criterion_ids = [c.id for c in criteria]
    spec = version_spec(assessment.version_id, with_alerts=False)
    progress = progress_of(spec, stored_inputs(spec, [assessment.id])[assessment.id])
    alerts = db.session.scalars(select(Alert).where(Alert.version_id == assessment.version_id)
                                .order_by(Alert.position)).all()
    ratings = db.session.scalars(
        select(Rating).where(Rating.assessment_id == assessment.id, Rating.criterion_id.in_(criterion_ids))
        .options(selectinload(Rating.element_marks), selectinload(Rating.evidence),
                 selectinload(Rating.improvement_action), selectinload(Rating.updated_by))).all()
    by_criterion = {r.criterion_id: r for r in ratings}
    groups = list(db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)
                                     .order_by(WorkshopGroup.position)))
    group_ratings: dict[tuple[int, int], GroupRating] = {}
    if groups:
        for gr in db.session.scalars(
                select(GroupRating).where(GroupRating.group_id.in_([g.id for g in groups]),
                                          GroupRating.criterion_id.in_(criterion_ids))
                .options(selectinload(GroupRating.element_marks), selectinload(GroupRating.updated_by))):
            group_ratings[(gr.group_id, gr.criterion_id)] = gr

    by_dimension = {d.id: d for d in dimensions}
    rows: dict[str, CriterionRow] = {}
    for criterion in criteria:
        rating = by_criterion.get(criterion.id)
        marks = {m.element_id: m.is_present for m in rating.element_marks} if rating else {}
        value = rating_value(spec, criterion.id, rating.kind, rating.level, marks) if rating else None
        entry = rating_input(spec, rating, marks) if rating else None
        row = CriterionRow(criterion, by_dimension[criterion.dimension_id], rating, marks, value, entry,
                           editing=rating, editing_marks=marks)
        for g in groups:
            gr = group_ratings.get((g.id, criterion.id))
            g_marks = {m.element_id: m.is_present for m in gr.element_marks} if gr else {}
            g_value = rating_value(spec, criterion.id, gr.kind, gr.level, g_marks) if gr else None
            row.groups.append(GroupCell(g, gr, g_value, _status(gr.kind if gr else None, g_value)))
            if group is not None and g.id == group.id:
                row.editing, row.editing_marks = gr, g_marks
        row.divergent = scoring.divergent([cell.value for cell in row.groups])
        rows[criterion.code] = row
    sections = [(d, [r for r in rows.values() if r.dimension.id == d.id]) for d in shown]
    alerts_by_code: dict[str, list[Alert]] = {}
    for alert in alerts:
        for code in alert.criteria_codes:
            alerts_by_code.setdefault(code, []).append(alert)
    return RatingPage(assessment, dimensions, dimension, sections,
                      [r for r in rows.values() if r.dimension.id == dimension.id], rows, groups, group, progress,
                      alerts_by_code)


def rating_for_update(assessment: Assessment, criterion_id: int, *, with_author: bool = False) -> Optional[Rating]:
    """A consolidated rating as stored now (not as this session last saw it) with what a save changes (marks,
    improvement action) in one query, and its author if asked."""
    options = [joinedload(Rating.element_marks), joinedload(Rating.improvement_action)]
    if with_author:
        options.append(selectinload(Rating.updated_by))
    return db.session.scalars(select(Rating).where(Rating.assessment_id == assessment.id,
                                                   Rating.criterion_id == criterion_id).options(*options)
                              .execution_options(populate_existing=True)).unique().one_or_none()


def group_rating_for_update(group: WorkshopGroup, criterion_id: int, *, with_author: bool = False
                            ) -> Optional[GroupRating]:
    options = [joinedload(GroupRating.element_marks)]
    if with_author:
        options.append(selectinload(GroupRating.updated_by))
    return db.session.scalars(select(GroupRating).where(GroupRating.group_id == group.id,
                                                        GroupRating.criterion_id == criterion_id).options(*options)
                              .execution_options(populate_existing=True)).unique().one_or_none()


def criterion_in_version(assessment: Assessment, code: str) -> Optional[Criterion]:
    """One criterion with its levels and elements (three queries)."""
    return db.session.scalar(select(Criterion).where(Criterion.version_id == assessment.version_id,
                                                     Criterion.code == code)
                             .options(selectinload(Criterion.levels), selectinload(Criterion.elements)))


def dimension_of(criterion: Criterion) -> Dimension:
    return db.session.get(Dimension, criterion.dimension_id)


# --- previous assessment and regional comparison (docs/methods.md §2.12, §2.13) -------------------------

def previous_assessment(assessment: Assessment) -> Optional[Assessment]:
    """The latest published assessment of the same country, model and scope with an earlier end year that
    no other published assessment revises ("latest": greatest end year, then latest publication)."""
    reviser = aliased(Assessment)
    revised = exists().where(reviser.revises_id == Assessment.id, reviser.status == "published")
    return db.session.scalar(
        select(Assessment).where(Assessment.status == "published", Assessment.id != assessment.id,
                                 Assessment.country_id == assessment.country_id,
                                 Assessment.planning_model_id == assessment.planning_model_id,
                                 Assessment.scope_name == assessment.scope_name,
                                 Assessment.period_end < assessment.period_end, ~revised)
        .order_by(Assessment.period_end.desc(), Assessment.published_at.desc(), Assessment.id.desc()).limit(1))


def regional_members(version_id: int) -> list[Assessment]:
    """The latest published assessment of each (country, scope) on a version, public or not."""
    latest: dict[tuple[int, str], Assessment] = {}
    for a in db.session.scalars(
            select(Assessment).where(Assessment.version_id == version_id, Assessment.status == "published")
            .order_by(Assessment.period_end.desc(), Assessment.published_at.desc(), Assessment.id.desc())):
        latest.setdefault((a.country_id, a.scope_name), a)
    return list(latest.values())


def assessments_by_id(ids: tuple[int, ...] | list[int]) -> list[Assessment]:
    """Assessments (with their country, model and version) in the order of `ids`, in one query."""
    found = {a.id: a for a in db.session.scalars(select(Assessment).where(Assessment.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class RegionalFigures:
    """The regional comparison of a version and the scorecards it rests on (validated), for one published set."""
    key: tuple                             # published_set() when they were computed
    members: tuple[int, ...]               # assessment ids, in regional_members order
    cards: dict[int, scoring.Scorecard]    # assessment id -> its scorecard
    regional: Optional[scoring.Regional]   # None under three countries
    reference: Reference                   # what members' comparability fingerprints share
    left_out: tuple[LeftOut[int], ...] = ()  # published assessments (ids) left out for their fingerprints


def published_set(version_id: int) -> tuple:
    """One query whose answer changes whenever the published assessments of a version's planning model change
    (those on other versions are what a comparison leaves out): one published (count, sum and greatest id), or
    one of them changed (latest update; published ones cannot be edited)."""
    model = select(CatalogueVersion.planning_model_id).where(CatalogueVersion.id == version_id).scalar_subquery()
    return tuple(db.session.execute(
        select(func.count(), func.sum(Assessment.id), func.max(Assessment.id), func.max(Assessment.updated_at),
               func.max(Assessment.published_at))
        .where(Assessment.planning_model_id == model, Assessment.status == "published")).one())


def regional_figures(spec: VersionSpec) -> RegionalFigures:
    """The regional figures of `spec`'s version, computed once per published set and kept by the application
    (one query when they are kept; a few more and the scoring when the set changed). The set is read first:
    figures computed from newer rows than their key are recomputed at the next reading, never kept stale."""
    key = published_set(spec.version_id)
    kept = current_app.extensions.setdefault("whitepaper.regional_figures", {})
    figures = kept.get(spec.version_id)
    if figures is not None and figures.key == key:
        return figures
    version = db.session.get(CatalogueVersion, spec.version_id)
    reference = comparability.reference(version)
    selection = comparability.regional_selection(version, regional_members(spec.version_id), reference)
    members = list(selection.kept)   # compatible fingerprints only (docs/design.md, "Comparability fingerprint")
    inputs = stored_inputs(spec, [m.id for m in members])
    cards = {m.id: scoring.score_assessment(spec.specs, inputs[m.id], spec.alerts, spec.dimension_keys,
                                            validated=True) for m in members}
    regional = scoring.regional_comparison([(m.country.iso3, cards[m.id]) for m in members], spec.dimension_keys)
    left_out = tuple(LeftOut(item.key.id, item.reasons, item.fingerprint) for item in selection.left_out)
    figures = kept[spec.version_id] = RegionalFigures(key, tuple(m.id for m in members), cards, regional,
                                                      reference, left_out)
    return figures


def improvement_actions(assessment: Assessment) -> dict[int, ImprovementAction]:
    """{criterion id: action} in one query."""
    rows = db.session.execute(select(Rating.criterion_id, ImprovementAction)
                              .join(ImprovementAction, ImprovementAction.rating_id == Rating.id)
                              .where(Rating.assessment_id == assessment.id))
    return {cid: action for cid, action in rows}


TRUSTED = object()  # a caller that may see everything (the CLI, a PDF job run for an admin)


def scorecard_for(assessment: Assessment, viewer: Any = TRUSTED, *, with_regional: bool = True):
    """THE scorecard of an assessment (page, API, PDF): see assessment/scorecard.py for what it holds.

    `viewer` is the reader (None when anonymous): the change since the previous assessment is shown only
    to those who may read that previous assessment. The numbers themselves never depend on the reader."""
    from .scorecard import ScorecardView

    tree = version_tree(assessment.version_id)
    spec = spec_from_tree(tree)
    previous = previous_assessment(assessment)
    card = scoring.score_assessment(spec.specs, stored_inputs(spec, [assessment.id])[assessment.id], spec.alerts,
                                    spec.dimension_keys, validated=assessment.is_validated)

    previous_card = None
    if previous is not None:
        previous_spec = spec if previous.version_id == assessment.version_id else version_spec(previous.version_id)
        previous_inputs = stored_inputs(previous_spec, [previous.id])[previous.id]
        previous_card = scoring.score_assessment(previous_spec.specs, previous_inputs, previous_spec.alerts,
                                                 previous_spec.dimension_keys, validated=previous.is_validated)
    figures = regional_figures(spec) if with_regional else None
    return ScorecardView(
        assessment=assessment, version=tree, spec=spec, card=card, previous=previous, previous_card=previous_card,
        change=scoring.compare(previous_card, card) if previous_card is not None else None,
        regional=figures.regional if figures else None, actions=improvement_actions(assessment),
        regional_left_out=figures.left_out if figures else (),
        previous_visible=previous is not None and (viewer is TRUSTED
                                                   or permissions.can_view_assessment(viewer, previous)))


# --- the API's ratings ----------------------------------------------------------------------------------

def api_ratings(assessment: Assessment) -> list[dict[str, Any]]:
    """One entry per criterion that is not unrated (docs/design.md §3.4), in catalogue order."""
    spec = version_spec(assessment.version_id)
    ratings = db.session.scalars(select(Rating).where(Rating.assessment_id == assessment.id)
                                 .options(selectinload(Rating.element_marks), selectinload(Rating.evidence),
                                          selectinload(Rating.improvement_action))).all()
    by_code = {spec.code_of[r.criterion_id]: r for r in ratings if r.criterion_id in spec.code_of}
    criterion_ids = {code: cid for cid, code in spec.code_of.items()}
    out = []
    for s in spec.specs:
        rating = by_code.get(s.code)
        if rating is None:
            continue
        marks = {m.element_id: m.is_present for m in rating.element_marks}
        entry = rating_input(spec, rating, marks)
        if entry is None:
            continue
        elements = spec.elements_of[criterion_ids[s.code]]
        is_value = entry.kind == "value"
        action = rating.improvement_action
        out.append({
            "criterion": s.code,
            "value": entry.value,
            "not_applicable": entry.kind == "not_applicable",
            "no_information": entry.kind == "no_information",
            "elements_present": [e.code for e in elements if is_value and marks.get(e.id) is True],
            "elements_absent": [e.code for e in elements if is_value and marks.get(e.id) is False],
            "justification": rating.justification,
            "means_of_verification": rating.means_of_verification,
            "complete": entry.complete,
            "evidence": [{"id": e.id, "kind": e.kind, "label": e.display_name,
                          "url": e.url if e.kind == "link" else None,
                          "filename": e.filename if e.kind == "file" else None} for e in rating.evidence],
            "improvement_action": None if action is None else {
                "what": action.what, "who": action.who,
                "by": action.due_date.isoformat() if action.due_date else None},
        })
    return out
