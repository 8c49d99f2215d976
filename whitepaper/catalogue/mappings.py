"""Mappings between the criteria of two planning models (criteria/mappings/*.yaml; criteria/README.md says the
same in words): which criteria of one model address the same matter as a criterion of another, for the
coherence of a country's assessments across levels of government.

Pure apart from reading the files: `validate` takes parsed YAML and the criterion codes of each model file
and returns every error at once, as the model checks do; `shipped` reads a mapping for pages, again only
when its file changed on disk."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from . import provenance
from .schema import MODEL_KEYS, Report, _text

FOLDER = "mappings"
KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                              "criteria", FOLDER)


@dataclass(frozen=True)
class Pair:
    source: str                     # a criterion code of the `from` model
    targets: tuple[str, ...]        # criterion codes of the `to` model, in the file's order
    matter: dict[str, str]          # what the pair addresses, {"es", "en"}


@dataclass
class Mapping:
    key: str
    source_model: str
    target_model: str
    title: dict[str, str]
    description: dict[str, str]
    provenance: dict[str, Any]      # resolved: es, source, translations, validated_by
    pairs: list[Pair] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return provenance.is_pending(self.provenance)

    def links(self) -> list[tuple[Pair, str]]:
        """Every (pair, target code) in the file's order: one row per related pair of criteria."""
        return [(pair, target) for pair in self.pairs for target in pair.targets]


def model_codes(data: Any) -> set[str]:
    """The criterion codes a model file declares (read even when the file fails its own check)."""
    codes: set[str] = set()
    for dim in (data.get("dimensions") or []) if isinstance(data, dict) else []:
        for criterion in (dim.get("criteria") or []) if isinstance(dim, dict) else []:
            if isinstance(criterion, dict) and isinstance(criterion.get("code"), str):
                codes.add(criterion["code"])
    return codes


def _model(report: Report, file: str, data: dict, side: str, codes: Optional[dict[str, set[str]]]) -> Optional[str]:
    key = data.get(side)
    if key not in MODEL_KEYS:
        report.add(file, side, f"must be one of {', '.join(MODEL_KEYS)}")
        return None
    if codes is not None and key not in codes:
        report.add(file, side, f"{key}.yaml could not be read, so its criteria cannot be checked")
        return None
    return key


def _pairs(report: Report, file: str, pairs: list, source: Optional[str], target: Optional[str],
           codes: Optional[dict[str, set[str]]]) -> None:
    seen: set[str] = set()
    for p, pair in enumerate(pairs):
        path = f"pairs[{p}]"
        if not isinstance(pair, dict):
            report.add(file, path, "must be a mapping with from, to and matter")
            continue
        code = pair.get("from")
        if not isinstance(code, str):
            report.add(file, f"{path}.from", "missing")
        elif code in seen:
            report.add(file, f"{path}.from", f"duplicate: {code} is already paired; list all its criteria in one to")
        else:
            seen.add(code)
            if codes is not None and source is not None and code not in codes[source]:
                report.add(file, f"{path}.from", f"no criterion {code} in {source}.yaml")
        targets = pair.get("to")
        if not isinstance(targets, list) or not targets:
            report.add(file, f"{path}.to", "list at least one criterion")
            targets = []
        listed: set[Any] = set()
        for t, other in enumerate(targets):
            if other in listed:
                report.add(file, f"{path}.to[{t}]", f"duplicate: {other} is listed twice")
            elif codes is not None and target is not None and other not in codes[target]:
                report.add(file, f"{path}.to[{t}]", f"no criterion {other} in {target}.yaml")
            listed.add(other)
        _text(report, file, f"{path}.matter", pair.get("matter"))


def validate(data: Any, file: str, codes: Optional[dict[str, set[str]]] = None) -> Report:
    """Every fault of a mapping file. `codes` gives each readable model file's criterion codes; None leaves the
    codes unchecked (the pages check them against the assessed catalogue versions instead)."""
    report = Report()
    if not isinstance(data, dict):
        report.add(file, "(file)", "must be a mapping")
        return report
    key = data.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        report.add(file, "key", "use lowercase letters, digits and hyphens, such as national-subnational")
    elif file != f"{FOLDER}/{key}.yaml":
        report.add(file, "key", f"{key} belongs in {FOLDER}/{key}.yaml")
    source = _model(report, file, data, "from", codes)
    target = _model(report, file, data, "to", codes)
    if source is not None and source == target:
        report.add(file, "to", "a mapping relates two different models")
    _text(report, file, "title", data.get("title"))
    _text(report, file, "description", data.get("description"))
    for path, message in provenance.validate_single(data.get("provenance")):
        report.add(file, path, message)
    pairs = data.get("pairs")
    if not isinstance(pairs, list) or not pairs:
        report.add(file, "pairs", "a mapping needs at least one pair")
    else:
        _pairs(report, file, pairs, source, target, codes)
    return report


def build(data: dict) -> Mapping:
    """A mapping that passed `validate`, as the pages use it."""
    return Mapping(key=data["key"], source_model=data["from"], target_model=data["to"], title=data["title"],
                   description=data["description"],
                   provenance=provenance.complete(provenance.merge(None, data["provenance"])),
                   pairs=[Pair(p["from"], tuple(p["to"]), p["matter"]) for p in data["pairs"]])


def _names(path: str) -> list[str]:
    return sorted(name for name in os.listdir(path) if name.endswith(".yaml")) if os.path.isdir(path) else []


def files(folder: str) -> list[str]:
    """The mapping files of a catalogue folder's mappings/ subfolder, sorted; none when it has no such folder."""
    return _names(os.path.join(folder, FOLDER))


_KEPT: dict[str, tuple[tuple[int, int], Optional[Mapping]]] = {}


def shipped(source: str, target: str, folder: str = DEFAULT_FOLDER) -> Optional[Mapping]:
    """The mapping from one model to another as the pages read it (None when there is none, or when its file
    fails its check). Parsed again only when the file changed on disk."""
    import yaml  # here rather than at start-up, like the catalogue files
    for name in _names(folder):
        path = os.path.join(folder, name)
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
        kept = _KEPT.get(path)
        if kept is None or kept[0] != stamp:
            try:
                with open(path, encoding="utf-8") as handle:
                    data = yaml.safe_load(handle)
            except yaml.YAMLError:
                data = None
            valid = data is not None and not validate(data, f"{FOLDER}/{name}").errors
            kept = (stamp, build(data) if valid else None)
            _KEPT[path] = kept
        mapping = kept[1]
        if mapping is not None and (mapping.source_model, mapping.target_model) == (source, target):
            return mapping
    return None
