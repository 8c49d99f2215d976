"""Self-evaluation scoring (docs/methods.md §2): attainment, dimension and model scores, bands, alerts,
gaps, comparisons between assessments and the regional comparison. Pure and exact (fractions.Fraction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Scoring = Literal["levels", "elements"]
RatingKind = Literal["value", "not_applicable", "no_information"]
Status = Literal["value", "not_applicable", "no_information", "unrated"]
Band = Literal["incipient", "developing", "consolidated", "optimal"]
Severity = Literal["red", "orange", "yellow", "green"]

ONE_THIRD = Fraction(100, 3)
TWO_THIRDS = Fraction(200, 3)
HUNDRED = Fraction(100)
MIN_REGIONAL_COUNTRIES = 3
DIVERGENCE = 2
# The version of the scoring rules above (docs/methods.md §2), recorded in every submitted assessment's
# comparability fingerprint (docs/design.md, "Comparability fingerprint"). Change it whenever a change here
# could change a score, band or alert.
RULES_VERSION = "2026.1"


# --- inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionSpec:
    """A criterion of a catalogue version. `k` is the number of levels, or of elements."""

    code: str
    dimension: str
    weight: int
    k: int
    optimal: int
    scoring: Scoring = "levels"

    def __post_init__(self) -> None:
        if self.scoring not in ("levels", "elements"):
            raise ValueError(f"{self.code}: scoring must be 'levels' or 'elements', not {self.scoring!r}")
        if self.k < 1:
            raise ValueError(f"{self.code}: k must be at least 1, not {self.k}")
        if not 1 <= self.optimal <= self.k:
            raise ValueError(f"{self.code}: optimal value {self.optimal} is outside 1..{self.k}")
        if self.weight < 1:
            raise ValueError(f"{self.code}: weight must be a positive integer, not {self.weight}")

    @property
    def lowest_value(self) -> int:
        """Levels start at 1; an element-scored criterion may have no favourable element."""
        return 1 if self.scoring == "levels" else 0


@dataclass(frozen=True)
class RatingInput:
    """A consolidated rating. A criterion missing from the ratings mapping is unrated."""

    kind: RatingKind
    value: int | None = None
    complete: bool = False

    def __post_init__(self) -> None:
        if self.kind == "value":
            if not isinstance(self.value, int) or isinstance(self.value, bool):
                raise ValueError(f"a rating of kind 'value' needs an integer value, not {self.value!r}")
        elif self.kind in ("not_applicable", "no_information"):
            if self.value is not None:
                raise ValueError(f"a rating of kind {self.kind!r} carries no value")
        else:
            raise ValueError(f"unknown rating kind {self.kind!r}")

    @classmethod
    def of(cls, value: int, complete: bool = False) -> RatingInput:
        return cls("value", value, complete)

    @classmethod
    def not_applicable(cls, complete: bool = False) -> RatingInput:
        return cls("not_applicable", None, complete)

    @classmethod
    def no_information(cls, complete: bool = False) -> RatingInput:
        return cls("no_information", None, complete)


@dataclass(frozen=True)
class AlertSpec:
    """A named alert of the catalogue: a set of criteria that together signal a systemic risk."""

    key: str
    criteria: tuple[str, ...]


# --- outputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    code: str
    dimension: str
    status: Status
    value: int | None  # the level or number of favourable elements; None unless status is "value"
    optimal: int
    weight: int
    attainment: Fraction | None  # None when not applicable or unrated
    gap: int | None  # o - l (l = 0 for no information), 0 at or above the optimum
    above_optimal: bool
    flagged: bool  # 100·a below its dimension's score
    complete: bool

    @property
    def is_scored(self) -> bool:
        """Enters the averages: it has a value or no information."""
        return self.attainment is not None


@dataclass(frozen=True)
class DimensionResult:
    key: str
    score: Fraction | None  # None when no criterion has a value or no information; never 0 for that
    band: Band | None
    rated: int
    not_applicable: int
    no_information: int
    unrated: int
    rests_on_missing_information: bool
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class OverallResult:
    score: Fraction | None
    band: Band | None


@dataclass(frozen=True)
class AlertResult:
    key: str
    raised: bool
    value: Fraction | None
    severity: Severity | None
    criteria: tuple[str, ...]
    flagged_criteria: tuple[str, ...]


@dataclass(frozen=True)
class Scorecard:
    provisional: bool
    completeness: Fraction
    overall: OverallResult
    dimensions: tuple[DimensionResult, ...]
    criteria: tuple[CriterionResult, ...]
    gaps: tuple[CriterionResult, ...]  # gap > 0; largest 1 − a first, then code
    strengths: tuple[CriterionResult, ...]  # a = 1, by code
    alerts: tuple[AlertResult, ...]
    priorities: tuple[CriterionResult, ...]  # a < 1, lowest attainment first, then code

    def dimension(self, key: str) -> DimensionResult:
        for dimension in self.dimensions:
            if dimension.key == key:
                return dimension
        raise KeyError(key)

    def criterion(self, code: str) -> CriterionResult:
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        raise KeyError(code)


# --- bands and severities -----------------------------------------------------------------------------


def band(score: Fraction | int) -> Band:
    """The band of an exact score: incipient < 100/3 ≤ developing < 200/3 ≤ consolidated < 100 = optimal."""
    if not 0 <= score <= HUNDRED:
        raise ValueError(f"a score lies in 0..100, not {score}")
    if score < ONE_THIRD:
        return "incipient"
    if score < TWO_THIRDS:
        return "developing"
    if score < HUNDRED:
        return "consolidated"
    return "optimal"


def alert_severity(value: Fraction | int | None) -> Severity | None:
    """Red below 100/3, orange below 200/3, yellow below 100, green at 100; None for no value."""
    if value is None:
        return None
    return {"incipient": "red", "developing": "orange", "consolidated": "yellow", "optimal": "green"}[
        band(value)
    ]


def optional_band(score: Fraction | None) -> Band | None:
    return None if score is None else band(score)


# --- criterion level ----------------------------------------------------------------------------------


def check_value_in_range(spec: CriterionSpec, value: int) -> None:
    if not spec.lowest_value <= value <= spec.k:
        unit = "levels" if spec.scoring == "levels" else "favourable elements"
        raise ValueError(
            f"{spec.code}: value {value} is outside {spec.lowest_value}..{spec.k} ({unit})"
        )


def counted_value(rating: RatingInput | None) -> int | None:
    """The l that enters the averages: the value, 0 for no information, None when left out."""
    # mutation: equivalent — with the "not_applicable" literal mutated, that kind falls through to
    # `return rating.value`, which is None for it too (RatingInput refuses a value there).
    if rating is None or rating.kind == "not_applicable":
        return None
    if rating.kind == "no_information":
        return 0
    return rating.value


def attainment(value: int, optimal: int) -> Fraction:
    """a = min(l, o) / o: a value above the optimum gives no extra credit."""
    return Fraction(min(value, optimal), optimal)


def gap(value: int, optimal: int) -> int:
    return max(optimal - value, 0)


def status_of(rating: RatingInput | None) -> Status:
    return "unrated" if rating is None else rating.kind


def weighted_score(scored: Sequence[tuple[int, Fraction]]) -> Fraction | None:
    """100 × Σ w·a / Σ w over (weight, attainment) pairs; None when there is none."""
    total_weight = sum(weight for weight, _ in scored)
    if total_weight == 0:
        return None
    return HUNDRED * sum(weight * a for weight, a in scored) / total_weight


def mean(values: Sequence[Fraction]) -> Fraction | None:
    # mutation: equivalent — without the Fraction(0) start the sum starts at int 0; 0 + a Fraction is that Fraction.
    return sum(values, Fraction(0)) / len(values) if values else None


# --- the scorecard ------------------------------------------------------------------------------------


def score_assessment(
    criteria: Sequence[CriterionSpec],
    ratings: Mapping[str, RatingInput],
    alerts: Sequence[AlertSpec],
    dimension_keys: Sequence[str],
    validated: bool,
) -> Scorecard:
    """Score one assessment on its own catalogue version (criteria, alerts, dimensions in display order)."""
    specs = check_inputs(criteria, ratings, alerts, dimension_keys)

    dimension_scores = {
        key: weighted_score(
            [
                (spec.weight, attainment(counted, spec.optimal))
                for spec in specs.values()
                if spec.dimension == key
                and (counted := counted_value(ratings.get(spec.code))) is not None
            ]
        )
        for key in dimension_keys
    }
    results = tuple(
        criterion_result(spec, ratings.get(spec.code), dimension_scores[spec.dimension])
        for spec in criteria
    )
    dimensions = tuple(dimension_result(key, dimension_scores[key], results) for key in dimension_keys)
    existing_scores = [d.score for d in dimensions if d.score is not None]
    overall_score = mean(existing_scores)
    completeness = completeness_of(criteria, ratings)
    by_code = {result.code: result for result in results}
    gaps = tuple(sorted((r for r in results if r.gap), key=lambda r: (r.attainment, r.code)))
    return Scorecard(
        provisional=completeness < 1 or not validated,
        completeness=completeness,
        overall=OverallResult(overall_score, optional_band(overall_score)),
        dimensions=dimensions,
        criteria=results,
        gaps=gaps,
        strengths=tuple(sorted((r for r in results if r.attainment == 1), key=lambda r: r.code)),
        alerts=tuple(alert_result(alert, by_code) for alert in alerts),
        # Same set and order as the gaps (a < 1 exactly when l < o); kept as its own name for the plan.
        priorities=gaps,
    )


def check_inputs(
    criteria: Sequence[CriterionSpec],
    ratings: Mapping[str, RatingInput],
    alerts: Sequence[AlertSpec],
    dimension_keys: Sequence[str],
) -> dict[str, CriterionSpec]:
    specs: dict[str, CriterionSpec] = {}
    for spec in criteria:
        if spec.code in specs:
            raise ValueError(f"criterion {spec.code} appears twice")
        if spec.dimension not in dimension_keys:
            raise ValueError(f"criterion {spec.code} belongs to unknown dimension {spec.dimension!r}")
        specs[spec.code] = spec
    if len(set(dimension_keys)) != len(dimension_keys):
        raise ValueError("a dimension key appears twice")
    for code, rating in ratings.items():
        if code not in specs:
            raise ValueError(f"rating for unknown criterion {code}")
        if rating.kind == "value":
            check_value_in_range(specs[code], rating.value)  # type: ignore[arg-type]
    for alert in alerts:
        unknown = [code for code in alert.criteria if code not in specs]
        if unknown:
            raise ValueError(f"alert {alert.key} names unknown criteria: {', '.join(unknown)}")
    return specs


def criterion_result(
    spec: CriterionSpec, rating: RatingInput | None, dimension_score: Fraction | None
) -> CriterionResult:
    counted = counted_value(rating)
    a = None if counted is None else attainment(counted, spec.optimal)
    return CriterionResult(
        code=spec.code,
        dimension=spec.dimension,
        status=status_of(rating),
        value=rating.value if rating is not None else None,
        optimal=spec.optimal,
        weight=spec.weight,
        attainment=a,
        gap=None if counted is None else gap(counted, spec.optimal),
        above_optimal=counted is not None and counted > spec.optimal,
        flagged=a is not None and dimension_score is not None and HUNDRED * a < dimension_score,
        complete=rating is not None and rating.complete,
    )


def dimension_result(
    key: str, score: Fraction | None, results: Sequence[CriterionResult]
) -> DimensionResult:
    own = [r for r in results if r.dimension == key]

    def count(status: Status) -> int:
        return sum(1 for r in own if r.status == status)

    return DimensionResult(
        key=key,
        score=score,
        band=optional_band(score),
        rated=count("value"),
        not_applicable=count("not_applicable"),
        no_information=count("no_information"),
        unrated=count("unrated"),
        rests_on_missing_information=count("no_information") > 0,
        criteria=tuple(r.code for r in own),
    )


def completeness_of(criteria: Sequence[CriterionSpec], ratings: Mapping[str, RatingInput]) -> Fraction:
    """Complete ratings / criteria of the version; an empty version is never complete."""
    if not criteria:
        return Fraction(0)
    complete = sum(1 for spec in criteria if (r := ratings.get(spec.code)) is not None and r.complete)
    return Fraction(complete, len(criteria))


def alert_result(alert: AlertSpec, by_code: Mapping[str, CriterionResult]) -> AlertResult:
    members = [by_code[code] for code in alert.criteria]
    value = mean([r.attainment for r in members if r.attainment is not None])
    value = None if value is None else HUNDRED * value
    flagged = tuple(r.code for r in members if r.flagged)
    return AlertResult(
        key=alert.key,
        raised=bool(flagged),
        value=value,
        severity=alert_severity(value),
        criteria=tuple(alert.criteria),
        flagged_criteria=flagged,
    )


# --- workshop groups ----------------------------------------------------------------------------------


def divergent(group_values: Sequence[int | None]) -> bool:
    """Two groups' values (levels, or favourable elements) differ by two or more; None is ignored."""
    values = [v for v in group_values if v is not None]
    return bool(values) and max(values) - min(values) >= DIVERGENCE


# --- change since the previous assessment -------------------------------------------------------------


@dataclass(frozen=True)
class DimensionChange:
    key: str
    previous: Fraction | None
    current: Fraction | None
    difference: Fraction | None


@dataclass(frozen=True)
class CriterionChange:
    code: str
    previous: Fraction | None  # attainment
    current: Fraction | None
    difference: Fraction | None


@dataclass(frozen=True)
class Change:
    overall: DimensionChange
    dimensions: tuple[DimensionChange, ...]
    criteria: tuple[CriterionChange, ...]  # codes present in both versions
    only_in_previous: tuple[str, ...]
    only_in_current: tuple[str, ...]


def difference(previous: Fraction | None, current: Fraction | None) -> Fraction | None:
    return None if previous is None or current is None else current - previous


def compare(previous: Scorecard, current: Scorecard) -> Change:
    """Each score as its own assessment computed it; attainment change for codes in both versions."""
    previous_dimensions = {d.key: d.score for d in previous.dimensions}
    current_dimensions = {d.key: d.score for d in current.dimensions}
    keys = list(current_dimensions) + [k for k in previous_dimensions if k not in current_dimensions]
    previous_criteria = {c.code: c.attainment for c in previous.criteria}
    current_criteria = {c.code: c.attainment for c in current.criteria}
    return Change(
        overall=DimensionChange(
            "overall",
            previous.overall.score,
            current.overall.score,
            difference(previous.overall.score, current.overall.score),
        ),
        dimensions=tuple(
            DimensionChange(
                key,
                previous_dimensions.get(key),
                current_dimensions.get(key),
                difference(previous_dimensions.get(key), current_dimensions.get(key)),
            )
            for key in keys
        ),
        criteria=tuple(
            CriterionChange(
                code,
                previous_criteria[code],
                current_criteria[code],
                difference(previous_criteria[code], current_criteria[code]),
            )
            for code in current_criteria
            if code in previous_criteria
        ),
        only_in_previous=tuple(code for code in previous_criteria if code not in current_criteria),
        only_in_current=tuple(code for code in current_criteria if code not in previous_criteria),
    )


# --- regional comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionalStat:
    key: str
    n: int  # assessments whose score exists
    countries: int  # distinct countries among them
    mean: Fraction | None
    minimum: Fraction | None
    maximum: Fraction | None


@dataclass(frozen=True)
class Regional:
    countries: int
    assessments: int
    overall: RegionalStat
    dimensions: tuple[RegionalStat, ...]


def dimension_score(card: Scorecard, key: str) -> Fraction | None:
    return next((d.score for d in card.dimensions if d.key == key), None)


def regional_stat(key: str, scored: Sequence[tuple[str, Fraction | None]]) -> RegionalStat:
    present = [(country, score) for country, score in scored if score is not None]
    scores = [score for _, score in present]
    return RegionalStat(
        key=key,
        n=len(scores),
        countries=len({country for country, _ in present}),
        mean=mean(scores),
        minimum=min(scores) if scores else None,
        maximum=max(scores) if scores else None,
    )


def regional_comparison(
    cards: Mapping[str, Scorecard] | Iterable[tuple[str, Scorecard]],
    dimension_keys: Sequence[str],
) -> Regional | None:
    """Mean, minimum and maximum per dimension, or None when the cards come from fewer than 3 countries.

    The caller passes the latest published assessment of each (country, scope) on one catalogue version,
    either as {country: card} or as (country, card) pairs (several scopes of one country count once).
    """
    pairs = list(cards.items()) if isinstance(cards, Mapping) else list(cards)
    countries = {country for country, _ in pairs}
    if len(countries) < MIN_REGIONAL_COUNTRIES:
        return None
    return Regional(
        countries=len(countries),
        assessments=len(pairs),
        overall=regional_stat("overall", [(country, card.overall.score) for country, card in pairs]),
        dimensions=tuple(
            regional_stat(key, [(country, dimension_score(card, key)) for country, card in pairs])
            for key in dimension_keys
        ),
    )


# --- from stored ratings to scoring inputs ------------------------------------------------------------


def element_value(polarities: Sequence[str], marks: Sequence[bool | None]) -> int | None:
    """The number of favourable elements (present and positive, or absent and negative), or None while any
    element is unanswered (docs/methods.md §2.1: the criterion has a value only when every element is answered)."""
    if len(polarities) != len(marks):
        raise ValueError(f"{len(marks)} marks for {len(polarities)} elements")
    if any(mark is None for mark in marks):
        return None
    return sum(1 for polarity, present in zip(polarities, marks) if present == (polarity == "positive"))


def has_text(text: str | None) -> bool:
    return bool(text and text.strip())


def stored_rating_input(
    kind: str | None, value: int | None, justification: str | None, means_of_verification: str | None
) -> RatingInput | None:
    """A stored consolidated rating as scoring input, or None when it is unrated.

    `value` is the level, or the favourable elements from `element_value` (None while unanswered). Complete:
    a justification and, for a value, a means of verification; for not applicable and no information the
    reason is the justification."""
    if kind is None:
        return None
    if kind == "value":
        if value is None:
            return None
        return RatingInput.of(value, has_text(justification) and has_text(means_of_verification))
    if kind == "not_applicable":
        return RatingInput.not_applicable(has_text(justification))
    if kind == "no_information":
        return RatingInput.no_information(has_text(justification))
    raise ValueError(f"unknown rating kind {kind!r}")
