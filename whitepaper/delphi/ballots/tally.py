"""Vote rules (docs/methods.md §5): the tally of a ballot item with exact integer comparisons, and whether
a committee's consultation can close. Pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

Unit = Literal["member", "country"]
Choice = Literal["approve", "reject", "abstain"]
ItemOutcome = Literal["approved", "rejected", "not_decided"]
Stage = Literal["dimensions_levels", "criteria", "optimal_levels"]
ObstacleReason = Literal["not_decided", "not_voted", "rejected"]

CHOICES: tuple[Choice, ...] = ("approve", "reject", "abstain")
OUTCOMES: tuple[ItemOutcome, ...] = ("approved", "rejected", "not_decided")
STAGES: tuple[Stage, ...] = ("dimensions_levels", "criteria", "optimal_levels")
UNITS: tuple[Unit, ...] = ("member", "country")


# --- fractions as stored and shown --------------------------------------------------------------------


def as_fraction(value: Fraction | int | str, name: str) -> Fraction:
    """An exact fraction from a Fraction, an int or a string such as "2/3"; floats are refused as inexact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name} must be exact (a Fraction, an int or a string like '2/3'), not {value!r}")
    try:
        return Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError) as error:
        raise ValueError(f"{name} is not a fraction: {value!r}") from error


def format_fraction(value: Fraction | int | None) -> str | None:
    """The API's form of a fraction, e.g. "2/3"; an integer prints as itself ("1"); None stays None."""
    return None if value is None else str(Fraction(value))


def parse_fraction(text: str) -> Fraction:
    return as_fraction(text, "fraction")


# --- the rule -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallotRule:
    """Stored with the ballot. Defaults: one vote per member, quorum 1/2, threshold 2/3, no cap, secret."""

    unit: Unit = "member"
    quorum: Fraction = Fraction(1, 2)
    threshold: Fraction = Fraction(2, 3)
    reject_cap: Fraction | None = None
    secret: bool = True

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"the voting unit is 'member' or 'country', not {self.unit!r}")
        quorum = as_fraction(self.quorum, "quorum")
        threshold = as_fraction(self.threshold, "threshold")
        if not 0 <= quorum <= 1:
            raise ValueError(f"the quorum must lie in 0..1, not {quorum}")
        if not 0 < threshold <= 1:
            raise ValueError(f"the threshold must lie in (0, 1], not {threshold}")
        object.__setattr__(self, "quorum", quorum)
        object.__setattr__(self, "threshold", threshold)
        if self.reject_cap is not None:
            cap = as_fraction(self.reject_cap, "reject_cap")
            if not 0 <= cap <= 1:
                raise ValueError(f"the cap on rejections must lie in 0..1, not {cap}")
            object.__setattr__(self, "reject_cap", cap)


# --- counting and tallying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteCount:
    approve: int = 0
    reject: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        return self.approve + self.reject + self.abstain


@dataclass(frozen=True)
class ItemResult:
    approve: int
    reject: int
    abstain: int
    eligible: int
    cast: int
    quorum_met: bool
    outcome: ItemOutcome


def count_votes(votes: Iterable[tuple[Hashable, str]]) -> VoteCount:
    """Counts from the final votes, one (voter, choice) per voter: a member, or a country (country unit)."""
    seen: set[Hashable] = set()
    counts = dict.fromkeys(CHOICES, 0)
    for voter, choice in votes:
        if voter in seen:
            raise ValueError(f"voter {voter!r} has more than one final vote")
        if choice not in counts:
            raise ValueError(f"unknown choice {choice!r}; use approve, reject or abstain")
        seen.add(voter)
        counts[choice] += 1
    return VoteCount(**counts)


def quorum_met(cast: int, eligible: int, quorum: Fraction) -> bool:
    """eligible > 0 and cast ≥ quorum·eligible, compared as integers."""
    return eligible > 0 and cast * quorum.denominator >= quorum.numerator * eligible


def approval_holds(approve: int, reject: int, threshold: Fraction) -> bool:
    """approve ≥ threshold·(approve + reject), compared as integers."""
    return approve * threshold.denominator >= threshold.numerator * (approve + reject)


def within_reject_cap(approve: int, reject: int, cap: Fraction | None) -> bool:
    """reject ≤ cap·(approve + reject), compared as integers; always true without a cap."""
    return cap is None or reject * cap.denominator <= cap.numerator * (approve + reject)


def tally_item(
    approve: int, reject: int, abstain: int, eligible: int, rule: BallotRule = BallotRule()
) -> ItemResult:
    """The outcome of one ballot item: not_decided, approved or rejected (docs/methods.md §5.4)."""
    numbers = {"approve": approve, "reject": reject, "abstain": abstain, "eligible": eligible}
    for name, number in numbers.items():
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise ValueError(f"{name} must be a non-negative integer, not {number!r}")
    cast = approve + reject + abstain
    if cast > eligible:
        raise ValueError(f"{cast} votes cast but only {eligible} eligible voters")
    has_quorum = quorum_met(cast, eligible, rule.quorum)
    if not has_quorum or approve + reject == 0:
        outcome: ItemOutcome = "not_decided"
    elif approval_holds(approve, reject, rule.threshold) and within_reject_cap(
        approve, reject, rule.reject_cap
    ):
        outcome = "approved"
    else:
        outcome = "rejected"
    return ItemResult(approve, reject, abstain, eligible, cast, has_quorum, outcome)


def tally_votes(
    votes: Iterable[tuple[Hashable, str]], eligible: int, rule: BallotRule = BallotRule()
) -> ItemResult:
    counts = count_votes(votes)
    return tally_item(counts.approve, counts.reject, counts.abstain, eligible, rule)


# --- what remains of a secret ballot ------------------------------------------------------------------


def choice_line(choice: str, proposed_value: int | None = None) -> str:
    """One final vote as the digest reads it: `approve`, `reject`, `reject:3` (with a value proposed)."""
    if choice not in CHOICES:
        raise ValueError(f"unknown choice {choice!r}; use approve, reject or abstain")
    return choice if proposed_value is None else f"{choice}:{proposed_value}"


def choices_digest(choices: Iterable[tuple[str, int | None]]) -> str:
    """SHA-256 (hex) of an item's final votes without their voters: one `choice_line` per vote, the lines
    sorted and joined by newlines (UTF-8). The tally and the values proposed determine it, so anyone can check
    it against the published result, but it names nobody (docs/methods.md §5.4)."""
    lines = sorted(choice_line(choice, value) for choice, value in choices)
    # mutation: equivalent — "UTF-8" for "utf-8": codec names are case-insensitive.
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


# --- closing the consultation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Obstacle:
    """Something that keeps the consultation open: a subject whose latest outcome does not allow closing."""

    stage: Stage
    subject: str
    reason: ObstacleReason


def check_latest(latest: Mapping[tuple[str, str], str]) -> None:
    for (stage, subject), outcome in latest.items():
        if stage not in STAGES:
            raise ValueError(f"unknown ballot stage {stage!r} for {subject}")
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r} for {stage} {subject}")


def required_approval(stage: Stage, subject: str, outcome: str | None) -> Obstacle | None:
    """A subject that must end approved: missing or rejected blocks (not_decided is reported on its own)."""
    if outcome is None:
        return Obstacle(stage, subject, "not_voted")
    if outcome == "rejected":
        return Obstacle(stage, subject, "rejected")
    return None


def closing_obstacles(
    dimensions: Sequence[str],
    criteria: Sequence[str],
    latest: Mapping[tuple[str, str], str],
) -> tuple[Obstacle, ...]:
    """What keeps a consultation open, given every proposed dimension key and criterion code and the
    latest outcome per (stage, subject) (the subject of stage optimal_levels is the criterion code).

    Closing needs: no latest outcome not_decided; every dimension approved; every retained criterion (one
    whose latest criteria outcome is not rejected) with an approved optimal value.
    """
    check_latest(latest)
    obstacles = [
        Obstacle(stage, subject, "not_decided")  # type: ignore[arg-type]
        for (stage, subject), outcome in latest.items()
        if outcome == "not_decided"
    ]
    for key in dimensions:
        obstacle = required_approval("dimensions_levels", key, latest.get(("dimensions_levels", key)))
        if obstacle:
            obstacles.append(obstacle)
    for code in criteria:
        criterion_outcome = latest.get(("criteria", code))
        # mutation: equivalent — with the "rejected" literal mutated, a rejected criterion falls through the
        # branches below, which add nothing for it either; this test only says so explicitly.
        if criterion_outcome == "rejected":
            continue  # a rejected criterion leaves the model
        if criterion_outcome is None:
            obstacles.append(Obstacle("criteria", code, "not_voted"))
        elif criterion_outcome == "approved":
            obstacle = required_approval("optimal_levels", code, latest.get(("optimal_levels", code)))
            if obstacle:
                obstacles.append(obstacle)
    return tuple(obstacles)


def consultation_can_close(
    dimensions: Sequence[str],
    criteria: Sequence[str],
    latest: Mapping[tuple[str, str], str],
) -> bool:
    """True when closing_obstacles finds nothing (see there for the inputs)."""
    return not closing_obstacles(dimensions, criteria, latest)
