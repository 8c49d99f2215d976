"""Delphi statistics (docs/methods.md §3): agreement items (with the cv in percent and 100 − cv) and their
consensus rules, stability between rounds (the share who changed, Cohen's weighted kappa), Kendall's W for
rankings, and the small-cell rule for breakdowns. Pure; every comparison is made on exact rationals.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational, Real
from typing import Literal, TypeVar

Rule = Literal["default", "70_15", "rand_ucla", "iqr1_sd15"]
Outcome = Literal["in", "out", "none", "appropriate", "inappropriate", "uncertain"]

RULE_SCALES: dict[str, int] = {"default": 5, "70_15": 9, "rand_ucla": 9, "iqr1_sd15": 5}
DEFAULT_BANDS: dict[int, tuple[int, int]] = {5: (4, 5), 9: (7, 9)}
SMALL_NUMBER_LIMIT = 3  # below this many valid ratings, members and observers see only n
MIN_CELL_SIZE = 3  # the smallest minimum cell size a committee may set for breakdowns
STABLE_SHARE = Fraction(15, 100)
IQR1_SD15_IQR = 1  # iqr1_sd15: consensus when iqr ≤ 1 or sd ≤ 3/2, i.e. variance ≤ 9/4 (compared exactly)
IQR1_SD15_VARIANCE = Fraction(9, 4)

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


def _integer_quantile(sorted_values: Sequence[int], p: Fraction) -> Fraction:
    """quantile_linear of integers, in integer arithmetic: with (n − 1)·p = below + rest/d, the value is
    (v[below]·d + rest·(v[below + 1] − v[below])) / d, one exact rational (the same one)."""
    below, rest = divmod((len(sorted_values) - 1) * p.numerator, p.denominator)
    low = sorted_values[below]
    if not rest:
        return Fraction(low)
    return Fraction(low * p.denominator + rest * (sorted_values[below + 1] - low), p.denominator)


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
    variance: Fraction | None = None  # exact sample variance (n − 1); None for n < 2
    cv_percent: float | None = None  # 100 · sd / mean, from the exact variance and mean; None whenever cv is
    cv_stability: float | None = None  # Surveylet's group stability, 100 − cv_percent; None whenever cv is


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


def iqr1_sd15_outcome(iqr: Fraction, variance: Fraction | None) -> Outcome:
    """`in` when iqr ≤ 1 or sd ≤ 1.5; sd ≤ 3/2 is decided on the exact variance (≤ 9/4), never on a float.
    With one rating the sd is undefined and only the iqr (0) decides."""
    if iqr <= IQR1_SD15_IQR or (variance is not None and variance <= IQR1_SD15_VARIANCE):
        return "in"
    return "none"


def cv_percent(variance: Fraction | None, mean: Fraction | None) -> float | None:
    """100 · sd / mean as one square root of the exact ratio 10000 · variance / mean² (None when undefined)."""
    if variance is None or mean is None or mean == 0:
        return None
    return math.sqrt(10000 * variance / (mean * mean))


def seventy_fifteen_detail(counts: Sequence[int], n: int) -> SeventyFifteenDetail:
    # mutation: equivalent — counts[7:11] for [7:10]: counts has exactly 10 slots (0..9) on the 9-point scale.
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
    # mutation: equivalent — a longer list (scale + 2): the extra slot stays 0 and nothing reads past the scale.
    counts = [0] * (scale + 1)
    for rating in valid_ratings(ratings, scale):
        counts[rating] += 1
    return _agreement_from_counts(counts, scale, rule, band)


def agreement_stats_from_counts(
    counts: Mapping[int, int],
    scale: int = 5,
    rule: str = "default",
    band: tuple[int, int] | None = None,
) -> AgreementResult:
    """The same statistics as :func:`agreement_stats`, from the number of valid ratings per scale point
    ({point: count}; points without ratings may be left out). Identical results, without a list of ratings."""
    check_rule(rule, scale)
    band = check_band(band if band is not None else DEFAULT_BANDS[scale], scale)
    # mutation: equivalent — a longer list (scale + 2): the extra slot stays 0 and nothing reads past the scale.
    points = [0] * (scale + 1)
    for point, count in counts.items():
        if isinstance(point, bool) or not isinstance(point, int) or not 1 <= point <= scale:
            raise ValueError(f"rating {point!r} is outside the scale 1..{scale}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"the count of rating {point} must be a whole number, not {count!r}")
        points[point] += count  # mutation: equivalent — `=` for `+=`: keys are unique, each slot starts at 0
    return _agreement_from_counts(points, scale, rule, band)


def _agreement_from_counts(counts: list[int], scale: int, rule: str, band: tuple[int, int]) -> AgreementResult:
    """counts[point] valid ratings per point 1..scale (counts[0] unused), rule and band already checked."""
    n = sum(counts)
    distribution = {point: counts[point] for point in range(1, scale + 1)}
    if n == 0:
        return empty_result(scale, rule, band, distribution)  # type: ignore[arg-type]

    ordered: list[int] = []
    # mutation: equivalent — range(scale + 1) for range(1, scale + 1), here and in the two sums below: counts[0]
    # is always 0 (both callers fill points 1..scale only), so point 0 adds nothing.
    for point in range(1, scale + 1):
        ordered.extend([point] * counts[point])
    median = _integer_quantile(ordered, HALF)
    q1 = _integer_quantile(ordered, QUARTER)
    q3 = _integer_quantile(ordered, THREE_QUARTERS)
    total = sum(point * counts[point] for point in range(1, scale + 1))
    mean = Fraction(total, n)
    # the sample standard deviation of sample_sd, from the same integer sums
    variance = None if n < 2 else Fraction(
        n * sum(point * point * counts[point] for point in range(1, scale + 1)) - total * total, n * (n - 1))
    sd = None if variance is None else math.sqrt(variance)
    percent_agreement = percent(sum(counts[band[0] : band[1] + 1]), n)

    rand_ucla = seventy_fifteen = None
    if rule == "default":
        outcome = default_outcome(percent_agreement, q3 - q1)
    elif rule == "iqr1_sd15":
        outcome = iqr1_sd15_outcome(q3 - q1, variance)
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
        variance=variance,
        cv_percent=(percent_cv := cv_percent(variance, mean)),
        cv_stability=None if percent_cv is None else 100 - percent_cv,
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
    kappa: Fraction | None = None  # Cohen's weighted kappa (quadratic weights) over the same members


def stability(
    previous: Mapping[Member, int | None], current: Mapping[Member, int | None]
) -> Stability:
    """Share of the members who rated the item in both rounds whose rating changed (stable at ≤ 15 %), and
    Cohen's weighted kappa between their two ratings."""
    both = [
        member
        for member, rating in current.items()
        if rating is not None and previous.get(member) is not None
    ]
    if not both:
        return Stability(0, 0, None, None)
    changed = sum(1 for member in both if previous[member] != current[member])
    share = Fraction(changed, len(both))
    kappa = weighted_kappa([previous[m] for m in both], [current[m] for m in both])  # type: ignore[misc]
    return Stability(len(both), changed, share, share <= STABLE_SHARE, kappa)


def weighted_kappa(first: Sequence[int], second: Sequence[int]) -> Fraction | None:
    """Cohen's kappa with quadratic weights between two ratings of the same n members, exact.

    With weights (i − j)² (the usual (i − j)² / (k − 1)² up to a factor that cancels), observed disagreement
    Σ (xₚ − yₚ)² and chance disagreement (1/n)·Σₚ Σ_q (xₚ − y_q)² = Σx² + Σy² − 2·Σx·Σy / n:
    κ = 1 − observed / chance. None for fewer than two members, and when chance disagreement is 0 (every
    rating the same in both rounds: nothing to agree beyond chance)."""
    if len(first) != len(second):
        raise ValueError("both rounds must give one rating per member")
    n = len(first)
    if n < 2:
        return None
    observed = sum((x - y) ** 2 for x, y in zip(first, second))
    sum_x, sum_y = sum(first), sum(second)
    # n times the chance disagreement, in integers
    chance = n * sum(x * x for x in first) + n * sum(y * y for y in second) - 2 * sum_x * sum_y
    if chance == 0:
        return None
    return 1 - Fraction(n * observed, chance)


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
    doubled, ties = _doubled_mid_ranks(ranking)
    return {option: Fraction(rank, 2) for option, rank in doubled.items()}, ties


def _doubled_mid_ranks(ranking: Mapping[Option, Real]) -> tuple[dict[Option, int], int]:
    """mid_ranks times two, which is always a whole number (a tie spanning ranks i..j shares (i + j) / 2)."""
    # whole ranks (the usual case) are compared as they are, any other number as its exact rational
    # (mutation: equivalent — mutants that skip this fast path send ints through as_exact: same order, slower)
    ordered = sorted(((rank if type(rank) is int else as_exact(rank), option) for option, rank in ranking.items()),
                     key=lambda x: x[0])
    result: dict[Option, int] = {}
    ties = 0
    start = 0
    # mutation: equivalent — `start <= len(ordered)`: one more pass over an empty slice, adding 0 to the ties.
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][0] == ordered[start][0]:
            end += 1
        size = end - start + 1
        shared = start + 1 + end + 1
        # mutation: equivalent — `end + 2` also gives the next group's first option this group's rank, but the
        # next pass overwrites it with its own.
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
    # Sums of doubled mid-ranks are whole numbers: the arithmetic stays in integers until the end.
    doubled_sums: dict[Option, int] = {option: 0 for option in rankings[0]}
    ties = 0
    for ranking in rankings:
        ranks, rater_ties = _doubled_mid_ranks(ranking)
        ties += rater_ties
        for option, rank in ranks.items():
            doubled_sums[option] += rank
    # S = Σ (R − r(c + 1)/2)² = Σ (2R − r(c + 1))² / 4
    s = Fraction(sum((total - r * (c + 1)) ** 2 for total in doubled_sums.values()), 4)
    denominator = r * r * (c**3 - c) - r * ties
    order = sorted(doubled_sums, key=lambda option: (doubled_sums[option], str(option)))
    return RankingResult(
        r=r,
        c=c,
        mean_ranks={option: Fraction(doubled_sums[option], 2 * r) for option in order},
        rank_sums={option: Fraction(doubled_sums[option], 2) for option in order},
        s=s,
        ties=ties,
        w=None if denominator == 0 else 12 * s / denominator,
    )
