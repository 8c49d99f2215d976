"""Delphi statistics (docs/methods.md §3): agreement items and their consensus rules, stability between
rounds, Kendall's W for rankings, and the small-cell rule for breakdowns. Pure; every comparison is made on
exact rationals.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational, Real
from typing import Literal, TypeVar

Rule = Literal["default", "70_15", "rand_ucla"]
Outcome = Literal["in", "out", "none", "appropriate", "inappropriate", "uncertain"]

RULE_SCALES: dict[str, int] = {"default": 5, "70_15": 9, "rand_ucla": 9}
DEFAULT_BANDS: dict[int, tuple[int, int]] = {5: (4, 5), 9: (7, 9)}
SMALL_NUMBER_LIMIT = 3  # below this many valid ratings, members and observers see only n
MIN_CELL_SIZE = 3  # the smallest minimum cell size a committee may set for breakdowns
STABLE_SHARE = Fraction(15, 100)

HALF = Fraction(1, 2)
QUARTER = Fraction(1, 4)
THREE_QUARTERS = Fraction(3, 4)
P30 = Fraction(3, 10)
P70 = Fraction(7, 10)
RAND_CENTRE = 5
RAND_IPRAS_BASE = Fraction(235, 100)
RAND_IPRAS_SLOPE = Fraction(3, 2)

Option = TypeVar("Option", bound=Hashable)
Member = TypeVar("Member", bound=Hashable)
Group = TypeVar("Group", bound=Hashable)


# --- quantiles ----------------------------------------------------------------------------------------


def quantile_linear(sorted_values: Sequence[int | Fraction], p: Fraction | int | float) -> Fraction:
    """Quantile by linear interpolation between order statistics (numpy "linear", QUARTILE.INC).

    With h = (n − 1)·p: v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋ + 1] − v[⌊h⌋]), on values already sorted ascending.
    """
    if not sorted_values:
        raise ValueError("the quantile of no values is undefined")
    p = Fraction(repr(p)) if isinstance(p, float) else Fraction(p)
    if not 0 <= p <= 1:
        raise ValueError(f"p must lie in 0..1, not {p}")
    h = (len(sorted_values) - 1) * p
    below = math.floor(h)
    weight = h - below
    low = Fraction(sorted_values[below])
    if weight == 0:
        return low
    return low + weight * (sorted_values[below + 1] - low)


# --- agreement items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RandUclaDetail:
    p30: Fraction
    p70: Fraction
    ipr: Fraction
    iprcp: Fraction
    ai: Fraction
    ipras: Fraction
    disagreement: bool


@dataclass(frozen=True)
class SeventyFifteenDetail:
    percent_7_9: Fraction
    percent_1_3: Fraction


@dataclass(frozen=True)
class AgreementResult:
    """One agreement item's statistics. Undefined statistics are None, never 0."""

    scale: int
    rule: Rule
    band: tuple[int, int]
    n: int
    median: Fraction | None
    q1: Fraction | None
    q3: Fraction | None
    iqr: Fraction | None
    mean: Fraction | None
    sd: float | None  # sample standard deviation (n − 1); None for n < 2
    cv: float | None  # sd / mean
    percent_agreement: Fraction | None
    distribution: dict[int, int]  # every scale point 1..m, zeros included
    consensus: bool
    consensus_outcome: Outcome
    rand_ucla: RandUclaDetail | None = None
    seventy_fifteen: SeventyFifteenDetail | None = None


def check_rule(rule: str, scale: int) -> None:
    if scale not in DEFAULT_BANDS:
        raise ValueError(f"the agreement scale is 1..5 or 1..9, not 1..{scale}")
    if rule not in RULE_SCALES:
        raise ValueError(f"unknown consensus rule {rule!r}; use one of {', '.join(RULE_SCALES)}")
    if RULE_SCALES[rule] != scale:
        raise ValueError(f"the {rule!r} rule needs a {RULE_SCALES[rule]}-point scale, not {scale}")


def check_band(band: tuple[int, int], scale: int) -> tuple[int, int]:
    low, high = band
    if not 1 <= low <= high <= scale:
        raise ValueError(f"the agreement band {low}..{high} does not fit the scale 1..{scale}")
    return low, high


def valid_ratings(ratings: Sequence[int | None], scale: int) -> list[int]:
    """The ratings that count: "don't know" and abstentions (None) are excluded; others must be 1..m."""
    valid = []
    for rating in ratings:
        if rating is None:
            continue
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= scale:
            raise ValueError(f"rating {rating!r} is outside the scale 1..{scale}")
        valid.append(rating)
    return valid


def percent(count: int, n: int) -> Fraction:
    return Fraction(100 * count, n)


def sample_sd(values: Sequence[int]) -> float | None:
    """Exact variance from integer sums, then one float square root; None for fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    total = sum(values)
    variance = Fraction(n * sum(v * v for v in values) - total * total, n * (n - 1))
    return math.sqrt(variance)


def default_outcome(percent_agreement: Fraction, iqr: Fraction) -> Outcome:
    return "in" if percent_agreement >= 75 and iqr <= 1 else "none"


def seventy_fifteen_detail(counts: Sequence[int], n: int) -> SeventyFifteenDetail:
    return SeventyFifteenDetail(
        percent_7_9=percent(sum(counts[7:10]), n), percent_1_3=percent(sum(counts[1:4]), n)
    )


def seventy_fifteen_outcome(detail: SeventyFifteenDetail) -> Outcome:
    if detail.percent_7_9 >= 70 and detail.percent_1_3 < 15:
        return "in"
    if detail.percent_1_3 >= 70 and detail.percent_7_9 < 15:
        return "out"
    return "none"


def rand_ucla_detail(ordered: Sequence[int]) -> RandUclaDetail:
    p30 = quantile_linear(ordered, P30)
    p70 = quantile_linear(ordered, P70)
    ipr = p70 - p30
    iprcp = (p30 + p70) / 2
    ai = abs(RAND_CENTRE - iprcp)
    ipras = RAND_IPRAS_BASE + RAND_IPRAS_SLOPE * ai
    return RandUclaDetail(p30, p70, ipr, iprcp, ai, ipras, disagreement=ipr > ipras)


def rand_ucla_outcome(median: Fraction, detail: RandUclaDetail) -> Outcome:
    if detail.disagreement:
        return "uncertain"
    if median >= 7:
        return "appropriate"
    if median <= 3:
        return "inappropriate"
    return "uncertain"


def empty_result(
    scale: int, rule: Rule, band: tuple[int, int], distribution: dict[int, int]
) -> AgreementResult:
    """No valid rating: every statistic is undefined and there is no consensus."""
    return AgreementResult(
        scale=scale,
        rule=rule,
        band=band,
        n=0,
        median=None,
        q1=None,
        q3=None,
        iqr=None,
        mean=None,
        sd=None,
        cv=None,
        percent_agreement=None,
        distribution=distribution,
        consensus=False,
        consensus_outcome="none",
    )


def agreement_stats(
    ratings: Sequence[int | None],
    scale: int = 5,
    rule: str = "default",
    band: tuple[int, int] | None = None,
) -> AgreementResult:
    """Statistics and consensus of one agreement item; None in `ratings` is "don't know" or an abstention."""
    check_rule(rule, scale)
    band = check_band(band if band is not None else DEFAULT_BANDS[scale], scale)
    valid = valid_ratings(ratings, scale)
    n = len(valid)
    counts = [0] * (scale + 1)
    for rating in valid:
        counts[rating] += 1
    distribution = {point: counts[point] for point in range(1, scale + 1)}
    if n == 0:
        return empty_result(scale, rule, band, distribution)  # type: ignore[arg-type]

    ordered = sorted(valid)
    median = quantile_linear(ordered, HALF)
    q1 = quantile_linear(ordered, QUARTER)
    q3 = quantile_linear(ordered, THREE_QUARTERS)
    mean = Fraction(sum(valid), n)
    sd = sample_sd(valid)
    percent_agreement = percent(sum(counts[band[0] : band[1] + 1]), n)

    rand_ucla = seventy_fifteen = None
    if rule == "default":
        outcome = default_outcome(percent_agreement, q3 - q1)
    elif rule == "70_15":
        seventy_fifteen = seventy_fifteen_detail(counts, n)
        outcome = seventy_fifteen_outcome(seventy_fifteen)
    else:
        rand_ucla = rand_ucla_detail(ordered)
        outcome = rand_ucla_outcome(median, rand_ucla)

    return AgreementResult(
        scale=scale,
        rule=rule,  # type: ignore[arg-type]
        band=band,
        n=n,
        median=median,
        q1=q1,
        q3=q3,
        iqr=q3 - q1,
        mean=mean,
        sd=sd,
        cv=None if sd is None or mean == 0 else sd / float(mean),
        percent_agreement=percent_agreement,
        distribution=distribution,
        consensus=outcome not in ("none", "uncertain"),
        consensus_outcome=outcome,
        rand_ucla=rand_ucla,
        seventy_fifteen=seventy_fifteen,
    )


# --- breakdowns: the small-cell rule ------------------------------------------------------------------


def check_min_cell_size(size: int) -> int:
    """A committee's minimum cell size: an integer, never below MIN_CELL_SIZE."""
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_CELL_SIZE:
        raise ValueError(f"the minimum cell size is an integer of at least {MIN_CELL_SIZE}, not {size!r}")
    return size


def visible_groups(counts: Mapping[Group, int], min_cell_size: int, *, full: bool = False) -> frozenset[Group]:
    """The groups of one item's breakdown (by subregion, or any other grouping) whose statistics may be shown
    beside their n; every other group shows only its n (docs/methods.md §3.10).

    `counts` gives each group's valid ratings, every group that has any included (a group the display does not
    list too: it is what the others would be subtracted from). For members and observers the breakdown is all
    or nothing: it is shown only when every non-empty group has at least `min_cell_size` ratings, since with one
    group hidden and the others shown, the hidden one follows from the item's total by subtraction. With `full`
    (facilitators and admins, who read the answers themselves) each group is judged on its own.
    """
    minimum = check_min_cell_size(min_cell_size)
    for group, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"group {group!r} has an invalid count {n!r}")
    large = frozenset(group for group, n in counts.items() if n >= minimum)
    if full:
        return large
    if any(0 < n < minimum for n in counts.values()):
        return frozenset()
    return large


# --- stability between rounds -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stability:
    n_both: int  # members with a valid rating in both rounds
    changed: int
    changed_share: Fraction | None
    stable: bool | None


def stability(
    previous: Mapping[Member, int | None], current: Mapping[Member, int | None]
) -> Stability:
    """Share of the members who rated the item in both rounds whose rating changed; stable at ≤ 15 %."""
    both = [
        member
        for member, rating in current.items()
        if rating is not None and previous.get(member) is not None
    ]
    if not both:
        return Stability(0, 0, None, None)
    changed = sum(1 for member in both if previous[member] != current[member])
    share = Fraction(changed, len(both))
    return Stability(len(both), changed, share, share <= STABLE_SHARE)


def cv_change(previous: AgreementResult, current: AgreementResult) -> float | None:
    if previous.cv is None or current.cv is None:
        return None
    return current.cv - previous.cv


# --- rankings -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingResult:
    r: int  # raters
    c: int  # options
    mean_ranks: dict[Hashable, Fraction]  # lowest (best) mean rank first
    rank_sums: dict[Hashable, Fraction]
    s: Fraction | None
    ties: int  # Σ T over raters
    w: Fraction | None  # None when the denominator is 0


def as_exact(rank: Real) -> Fraction:
    if isinstance(rank, bool) or not isinstance(rank, Real):
        raise ValueError(f"a rank must be a number, not {rank!r}")
    if not isinstance(rank, Rational) and not math.isfinite(rank):  # type: ignore[arg-type]
        raise ValueError(f"a rank must be finite, not {rank!r}")
    return Fraction(rank)  # type: ignore[arg-type]


def mid_ranks(ranking: Mapping[Option, Real]) -> tuple[dict[Option, Fraction], int]:
    """Ranks 1..c in the order given, tied options sharing the mean of the ranks they span; and T = Σ(t³ − t).

    Accepts any ranks that order the options ({a: 1, b: 2, c: 2, d: 4} gives b and c 2.5 each).
    """
    ordered = sorted(((as_exact(rank), option) for option, rank in ranking.items()), key=lambda x: x[0])
    result: dict[Option, Fraction] = {}
    ties = 0
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][0] == ordered[start][0]:
            end += 1
        size = end - start + 1
        shared = Fraction(start + 1 + end + 1, 2)
        for _, option in ordered[start : end + 1]:
            result[option] = shared
        ties += size**3 - size
        start = end + 1
    return result, ties


def kendall_w(rankings: Sequence[Mapping[Option, Real]]) -> RankingResult:
    """Mean ranks and Kendall's W = 12·S / (r²·(c³ − c) − r·Σ T), corrected for ties.

    Every rater must rank the same options; W is None when its denominator is 0 (c < 2, all tied).
    """
    r = len(rankings)
    if r == 0:
        return RankingResult(0, 0, {}, {}, None, 0, None)
    options = set(rankings[0])
    for ranking in rankings[1:]:
        if set(ranking) != options:
            raise ValueError("every ranking must rank the same options")
    c = len(options)
    rank_sums: dict[Option, Fraction] = {option: Fraction(0) for option in rankings[0]}
    ties = 0
    for ranking in rankings:
        ranks, rater_ties = mid_ranks(ranking)
        ties += rater_ties
        for option, rank in ranks.items():
            rank_sums[option] += rank
    expected = Fraction(r * (c + 1), 2)
    s = sum(((total - expected) ** 2 for total in rank_sums.values()), Fraction(0))
    denominator = r * r * (c**3 - c) - r * ties
    order = sorted(rank_sums, key=lambda option: (rank_sums[option], str(option)))
    return RankingResult(
        r=r,
        c=c,
        mean_ranks={option: rank_sums[option] / r for option in order},
        rank_sums={option: rank_sums[option] for option in order},
        s=s,
        ties=ties,
        w=None if denominator == 0 else 12 * s / denominator,
    )
