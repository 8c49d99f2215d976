"""Comparison of two catalogue versions by criterion code (pure: works on version_content data)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class VersionDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)   # code -> the fields that differ
    unchanged: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


COMPARED_FIELDS = ("title", "description", "scope", "weight", "scoring", "levels", "elements", "optimal",
                   "sdg_targets")


# Where a text comes from and the notes on it are metadata, outside a version's content (and its hash): two
# versions whose texts are equal are equal, whatever their provenance.
METADATA = ("provenance", "editorial_note")


def _without_metadata(value: Any) -> Any:
    if isinstance(value, list):
        return [{k: v for k, v in item.items() if k not in METADATA} if isinstance(item, dict) else item
                for item in value]
    return value


def _criteria(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]: {**{k: _without_metadata(v) for k, v in c.items()}, "dimension": d["key"]}
            for d in content["dimensions"] for c in d["criteria"]}


def diff(old: dict[str, Any], new: dict[str, Any]) -> VersionDiff:
    a, b = _criteria(old), _criteria(new)
    result = VersionDiff(added=sorted(set(b) - set(a)), removed=sorted(set(a) - set(b)))
    for code in sorted(set(a) & set(b)):
        fields = [f for f in ("dimension",) + COMPARED_FIELDS if a[code].get(f) != b[code].get(f)]
        if fields:
            result.changed[code] = fields
        else:
            result.unchanged.append(code)
    return result
