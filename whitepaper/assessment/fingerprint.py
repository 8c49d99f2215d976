"""The comparability fingerprint of a submitted assessment (docs/design.md, "Comparability fingerprint"): the
catalogue version, the scoring mode, the version of the scoring rules, the counts of "not applicable" and
"no information" per dimension, the number of workshop groups, and a short hash of these. Two assessments are
compared side by side only when their fingerprints are compatible: the same catalogue version and the same
scoring mode.

Pure: no Flask, no database. `assessment.comparability` reads and stores fingerprints."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

HASH_LENGTH = 12  # hexadecimal digits of SHA-256 kept: 48 bits, plenty to tell fingerprints apart by eye
FIELDS = ("catalogue_version", "scoring_mode", "rules", "not_applicable", "no_information", "groups")
# What makes two fingerprints incompatible, in the order reasons are given.
COMPATIBILITY_FIELDS = ("catalogue_version", "scoring_mode")

K = TypeVar("K")


def scoring_mode(methods: Iterable[str]) -> str:
    """The scoring mode of a catalogue version from its criteria's methods: "levels" or "elements" when every
    criterion is scored that way, "mixed" when both occur, "none" for a version without criteria."""
    found = set(methods)
    unknown = found - {"levels", "elements"}
    if unknown:
        raise ValueError(f"unknown scoring method(s): {', '.join(sorted(unknown))}")
    if not found:
        return "none"
    return found.pop() if len(found) == 1 else "mixed"


def _counts(name: str, counts: Mapping[str, int]) -> dict[str, int]:
    out = {}
    for key, n in counts.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{name}: a dimension key is a non-empty string, not {key!r}")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{name}[{key}]: a count is a whole number ≥ 0, not {n!r}")
        out[key] = n
    return dict(sorted(out.items()))


def canonical(fields: Mapping[str, Any]) -> str:
    """The fields as one compact JSON text with sorted keys (at every level): what the hash is computed from.
    Anyone can recompute it from the API's `fingerprint` object without its `hash`."""
    return json.dumps({name: fields[name] for name in FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def digest(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()[:HASH_LENGTH]


@dataclass(frozen=True)
class Fingerprint:
    catalogue_version: str
    scoring_mode: str
    rules: str
    not_applicable: tuple[tuple[str, int], ...]   # (dimension key, count), sorted by key
    no_information: tuple[tuple[str, int], ...]
    groups: int
    hash: str

    def fields(self) -> dict[str, Any]:
        return {"catalogue_version": self.catalogue_version, "scoring_mode": self.scoring_mode,
                "rules": self.rules, "not_applicable": dict(self.not_applicable),
                "no_information": dict(self.no_information), "groups": self.groups}

    def as_api(self) -> dict[str, Any]:
        return {**self.fields(), "hash": self.hash}

    def total_not_applicable(self) -> int:
        return sum(n for _, n in self.not_applicable)

    def total_no_information(self) -> int:
        return sum(n for _, n in self.no_information)


def make(catalogue_version: str, scoring_mode: str, rules: str, not_applicable: Mapping[str, int],
         no_information: Mapping[str, int], groups: int) -> Fingerprint:
    """A fingerprint from its fields; the hash does not depend on the order of the dimensions."""
    for name, text in (("catalogue_version", catalogue_version), ("scoring_mode", scoring_mode),
                       ("rules", rules)):
        if not isinstance(text, str) or not text:
            raise ValueError(f"{name} is a non-empty text, not {text!r}")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 0:
        raise ValueError(f"groups is a whole number ≥ 0, not {groups!r}")
    na, ni = _counts("not_applicable", not_applicable), _counts("no_information", no_information)
    if set(na) != set(ni):
        raise ValueError("not_applicable and no_information must name the same dimensions")
    fields = {"catalogue_version": catalogue_version, "scoring_mode": scoring_mode, "rules": rules,
              "not_applicable": na, "no_information": ni, "groups": groups}
    return Fingerprint(catalogue_version, scoring_mode, rules, tuple(na.items()), tuple(ni.items()), groups,
                       digest(fields))


# --- compatibility ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """What a comparison asks of its members: a catalogue version (label) and a scoring mode."""
    catalogue_version: str
    scoring_mode: str


def incompatibilities(reference: Reference | Fingerprint, other: Fingerprint) -> tuple[str, ...]:
    """The fields (of COMPATIBILITY_FIELDS) in which `other` differs from `reference`; empty when compatible."""
    return tuple(name for name in COMPATIBILITY_FIELDS if getattr(reference, name) != getattr(other, name))


def compatible(a: Fingerprint, b: Fingerprint) -> bool:
    return not incompatibilities(a, b)


@dataclass(frozen=True)
class LeftOut(Generic[K]):
    key: K
    reasons: tuple[str, ...]        # fields of COMPATIBILITY_FIELDS, or ("no_fingerprint",)
    fingerprint: Fingerprint | None


@dataclass(frozen=True)
class Partition(Generic[K]):
    kept: tuple[K, ...]
    left_out: tuple[LeftOut[K], ...]

    def reason_counts(self) -> dict[str, int]:
        """How many were left out for each reason (one assessment may have several reasons)."""
        counts: dict[str, int] = {}
        for item in self.left_out:
            for reason in item.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        return counts


def partition(reference: Reference | Fingerprint, candidates: Iterable[tuple[K, Fingerprint | None]]) -> Partition[K]:
    """The candidates compatible with `reference` (in their order), and the others with the reasons."""
    kept: list[K] = []
    left_out: list[LeftOut[K]] = []
    for key, fingerprint in candidates:
        if fingerprint is None:
            left_out.append(LeftOut(key, ("no_fingerprint",), None))
            continue
        reasons = incompatibilities(reference, fingerprint)
        if reasons:
            left_out.append(LeftOut(key, reasons, fingerprint))
        else:
            kept.append(key)
    return Partition(tuple(kept), tuple(left_out))
