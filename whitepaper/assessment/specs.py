"""A catalogue version as scoring input: the pure types that assessment.queries builds from the database and
assessment.scorecard carries. No queries here, and nothing above the scoring module."""
from __future__ import annotations

from dataclasses import dataclass, field

from .scoring import AlertSpec, CriterionSpec


@dataclass(frozen=True)
class ElementInfo:
    id: int
    code: str
    polarity: str
    position: int = 0


@dataclass(frozen=True)
class VersionSpec:
    """What scoring needs from a catalogue version, keyed the way stored ratings refer to it."""
    specs: tuple[CriterionSpec, ...]
    alerts: tuple[AlertSpec, ...]
    dimension_keys: tuple[str, ...]
    code_of: dict[int, str]  # criterion id -> code
    scoring_of: dict[int, str]  # criterion id -> "levels" | "elements"
    elements_of: dict[int, tuple[ElementInfo, ...]]  # criterion id -> its elements in order
    version_id: int = 0
    levels_of: dict[int, int] = field(default_factory=dict)  # criterion id -> number of levels

    @property
    def total(self) -> int:
        return len(self.specs)
