"""Reads criteria/, validates it whole, and loads it as catalogue versions (idempotently)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import DomainError
from ..extensions import db
from ..models import User
from . import mappings, provenance, queries, services
from .schema import DIMENSION_KEYS, MODEL_KEYS, validate_model, validate_sdg

DEFAULT_FOLDER = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                              "criteria")


class CatalogueInvalid(DomainError):
    status, code = 400, "catalogue_invalid"

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Catalogue:
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    sdg: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)  # mappings/<key>.yaml, by key

    def counts(self) -> dict[str, dict[str, int]]:
        return {key: {d["key"]: len(d["criteria"]) for d in data["dimensions"]} for key, data in self.models.items()}


def _read_yaml(path: str, name: str, errors: list[str]) -> Any:
    import yaml  # here rather than at start-up, which reads no catalogue file
    # libyaml's parser when PyYAML was built with it (its wheels are): the same documents, about 9 times faster
    # on sdg.yaml, which a cold scorecard reads.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, encoding="utf-8") as handle:
            return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        errors.append(f"{name}: (file): missing")
    except yaml.YAMLError as error:
        errors.append(f"{name}: (file): not valid YAML: {error}".replace("\n", " "))
    return None


def read(folder: str = DEFAULT_FOLDER) -> Catalogue:
    """Parses and validates every file; every error is collected, none stops the others."""
    catalogue = Catalogue()
    sdg = _read_yaml(os.path.join(folder, "sdg.yaml"), "sdg.yaml", catalogue.errors)
    targets: set[str] = set()
    if sdg is not None:
        targets, report = validate_sdg(sdg)
        catalogue.errors.extend(report.errors)
        _sdg_complete(sdg, catalogue.errors)
        catalogue.sdg = sdg
    codes: dict[str, set[str]] = {}
    for key in MODEL_KEYS:
        name = f"{key}.yaml"
        data = _read_yaml(os.path.join(folder, name), name, catalogue.errors)
        if data is None:
            continue
        codes[key] = mappings.model_codes(data)
        report = validate_model(data, name, targets)
        catalogue.errors.extend(report.errors)
        if not report.errors:
            catalogue.models[key] = data
    for name in mappings.files(folder):
        label = f"{mappings.FOLDER}/{name}"
        data = _read_yaml(os.path.join(folder, mappings.FOLDER, name), label, catalogue.errors)
        if data is None:
            continue
        report = mappings.validate(data, label, codes)
        catalogue.errors.extend(report.errors)
        if not report.errors:
            catalogue.mappings[data["key"]] = data
    return catalogue


@dataclass
class LoadResult:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    annotated: list[str] = field(default_factory=list)   # loaded versions whose provenance or notes were updated


def load(folder: str = DEFAULT_FOLDER, actor: Optional[User] = None) -> LoadResult:
    """Loads every model file. Refuses the whole catalogue, touching nothing, when anything is wrong:
    a validation error, or a file whose content changed under a label already loaded."""
    catalogue = read(folder)
    if catalogue.errors:
        raise CatalogueInvalid(catalogue.errors)
    plan: list[tuple[str, dict[str, Any], bool]] = []
    conflicts: list[str] = []
    for key, data in catalogue.models.items():
        model = queries.model_by_key(key)
        existing = queries.version_by_label(model, data["version"]) if model else None
        if existing is None:
            plan.append((key, data, model is None or not model.versions))
        elif existing.content_hash != services.content_hash(data):
            conflicts.append(f"{key}.yaml: version: the content changed but the label {data['version']!r} is "
                             f"already loaded; give the file a new version label")
    if conflicts:
        raise CatalogueInvalid(conflicts)
    result = LoadResult()
    for key, data in catalogue.models.items():
        if not any(p[0] == key for p in plan):
            result.unchanged.append(f"{key} {data['version']}")
            # Same content, same label: its provenance and editorial notes (metadata, outside the content
            # hash) are brought up to date, so that an install loaded before they existed gets them.
            existing = queries.version_by_label(queries.model_by_key(key), data["version"])
            if services.annotate_version(queries.version_tree(existing.id), data, actor=actor):
                result.annotated.append(f"{key} {data['version']}")
    for key, data, first in plan:
        model = services.ensure_planning_model(key, data["title"], provenance.model_block(data))
        # The first version of a model starts as its file says; a later one is a new draft.
        status = data["status"] if first else "draft"
        services.build_version(model, data, label=data["version"], status=status, source=f"criteria/{key}.yaml",
                               actor=actor)
        result.created.append(f"{key} {data['version']} ({status})")
    db.session.flush()
    return result


SDG_TARGET_COUNT = 169


@dataclass
class SdgReference:
    """The goals and targets of sdg.yaml: goal titles and texts by goal number (a string), target texts by code,
    each text a mapping {"es", "en", "fr"}."""
    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    goal_texts: dict[str, dict[str, str]] = field(default_factory=dict)
    targets: dict[str, dict[str, str]] = field(default_factory=dict)

    def goal_of(self, code: str) -> str:
        return str(code).split(".")[0]

    def target(self, code: str) -> dict[str, str]:
        return self.targets.get(str(code)) or {}


_SDG: dict[str, tuple[tuple[int, int], SdgReference]] = {}


def sdg_reference(folder: str = DEFAULT_FOLDER) -> SdgReference:
    """sdg.yaml as read for pages. The file is parsed again only when it changed on disk (its modification time
    or size), not on every catalogue page."""
    path = os.path.join(folder, "sdg.yaml")
    try:
        stat = os.stat(path)
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (-1, -1)
    kept = _SDG.get(path)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    data = _read_yaml(path, "sdg.yaml", [])
    reference = SdgReference()
    for goal in (data or {}).get("goals", []):
        number = str(goal["number"])
        reference.titles[number] = goal["title"]
        reference.goal_texts[number] = goal.get("text") or {}
        for target in goal.get("targets") or []:
            if isinstance(target, dict):
                reference.targets[str(target["code"])] = target.get("text") or {}
            else:
                reference.targets[str(target)] = {}
    _SDG[path] = (stamp, reference)
    return reference


def _sdg_complete(sdg: Any, errors: list[str]) -> None:
    """The shipped file must hold the whole 2030 Agenda: 169 targets, each with its text."""
    goals = sdg.get("goals") if isinstance(sdg, dict) else None
    if not isinstance(goals, list):
        return
    targets = [t for g in goals if isinstance(g, dict) for t in (g.get("targets") or [])]
    if len(targets) != SDG_TARGET_COUNT:
        errors.append(f"sdg.yaml: goals: {len(targets)} targets; the 2030 Agenda has {SDG_TARGET_COUNT}")
    for g, goal in enumerate(goals):
        if isinstance(goal, dict) and "text" not in goal:
            errors.append(f"sdg.yaml: goals[{g}].text: missing")
        for t, target in enumerate(goal.get("targets") or [] if isinstance(goal, dict) else []):
            if not isinstance(target, dict) or "text" not in target:
                errors.append(f"sdg.yaml: goals[{g}].targets[{t}].text: missing")


__all__ = ["CatalogueInvalid", "DIMENSION_KEYS", "SdgReference", "load", "read", "sdg_reference"]
