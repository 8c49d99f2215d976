"""The machine-checkable schema of the catalogue files (criteria/README.md says the same in words).

Pure: takes parsed YAML, returns every error at once as "file: path: message"."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import provenance

MODEL_KEYS = ("national", "subnational", "sectoral", "vision")
PREFIXES = {"national": "NAC", "subnational": "SUB", "sectoral": "SEC", "vision": "VIS"}
DIMENSION_KEYS = ("institutional", "design", "implementation", "outcomes", "sustainable_agenda")
SCOPES = ("instrument", "process", "system")
LANGS = ("es", "en")
INITIAL_STATUSES = ("draft", "approved")
ALERT_KEY = re.compile(r"^[a-z0-9_]+$")
SDG_TARGET = re.compile(r"^(\d{1,2})\.([0-9]{1,2}|[a-z])$")


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)

    def add(self, file: str, path: str, message: str) -> None:
        self.errors.append(f"{file}: {path}: {message}")


def _text(report: Report, file: str, path: str, value: Any) -> None:
    if not isinstance(value, dict):
        report.add(file, path, "missing" if value is None else "must be a mapping with es and en")
        return
    for lang in LANGS:
        text = value.get(lang)
        if text is None:
            report.add(file, f"{path}.{lang}", "missing")
        elif not isinstance(text, str) or not text.strip():
            report.add(file, f"{path}.{lang}", "empty")
    for extra in sorted(set(value) - set(LANGS)):
        report.add(file, f"{path}.{extra}", "unknown language")


def _positive_int(report: Report, file: str, path: str, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        report.add(file, path, "must be a positive whole number")
        return False
    return True


def _sdg_text(report: Report, file: str, path: str, value: Any) -> None:
    """A UN text: Spanish and English required, French kept when given."""
    if isinstance(value, dict) and "fr" in value:
        if not isinstance(value["fr"], str) or not value["fr"].strip():
            report.add(file, f"{path}.fr", "empty")
        value = {k: v for k, v in value.items() if k != "fr"}
    _text(report, file, path, value)


def validate_sdg(data: Any, file: str = "sdg.yaml") -> tuple[set[str], Report]:
    report = Report()
    targets: set[str] = set()
    goals = data.get("goals") if isinstance(data, dict) else None
    if not isinstance(goals, list) or not goals:
        report.add(file, "goals", "missing")
        return targets, report
    for g, goal in enumerate(goals):
        path = f"goals[{g}]"
        if not isinstance(goal, dict):
            report.add(file, path, "must be a mapping")
            continue
        number = goal.get("number")
        if number != g + 1:
            report.add(file, f"{path}.number", f"must be {g + 1}")
        _text(report, file, f"{path}.title", goal.get("title"))
        if "text" in goal:
            _sdg_text(report, file, f"{path}.text", goal["text"])
        for t, target in enumerate(goal.get("targets") or []):
            code = target.get("code") if isinstance(target, dict) else target
            if isinstance(target, dict):
                _sdg_text(report, file, f"{path}.targets[{t}].text", target.get("text"))
            match = SDG_TARGET.match(str(code))
            if not match or int(match.group(1)) != number:
                report.add(file, f"{path}.targets[{t}]", f"{code!r} is not a target of goal {number}")
            elif code in targets:
                report.add(file, f"{path}.targets[{t}]", f"duplicate target {code}")
            targets.add(str(code))
    return targets, report


def _criterion(report: Report, file: str, path: str, c: dict, dim_index: int, prefix: str,
               sdg_targets: set[str], codes: set[str]) -> None:
    code = c.get("code")
    pattern = rf"^{prefix}-{dim_index + 1}-\d{{2}}$"
    if not isinstance(code, str) or not re.match(pattern, code):
        report.add(file, f"{path}.code", f"{code!r} must look like {prefix}-{dim_index + 1}-01")
    elif code in codes:
        report.add(file, f"{path}.code", f"duplicate code {code}")
    else:
        codes.add(code)
    _text(report, file, f"{path}.title", c.get("title"))
    _text(report, file, f"{path}.description", c.get("description"))
    if "editorial_note" in c:
        _text(report, file, f"{path}.editorial_note", c["editorial_note"])
    if c.get("scope") not in SCOPES:
        report.add(file, f"{path}.scope", f"must be one of {', '.join(SCOPES)}")
    if "weight" in c:
        _positive_int(report, file, f"{path}.weight", c["weight"])
    scoring = c.get("scoring")
    k = 0
    if scoring == "levels":
        levels = c.get("levels")
        if not isinstance(levels, list) or not 3 <= len(levels) <= 5:
            report.add(file, f"{path}.levels", "a criterion scored by levels needs 3 to 5 levels")
        else:
            k = len(levels)
            for i, level in enumerate(levels):
                lpath = f"{path}.levels[{i}]"
                if not isinstance(level, dict):
                    report.add(file, lpath, "must be a mapping")
                    continue
                if level.get("value") != i + 1:
                    report.add(file, f"{lpath}.value", f"levels must be contiguous: expected {i + 1}")
                _text(report, file, f"{lpath}.descriptor", level.get("descriptor"))
        if c.get("elements"):
            report.add(file, f"{path}.elements", "a criterion scored by levels has no elements")
    elif scoring == "elements":
        elements = c.get("elements")
        if not isinstance(elements, list) or len(elements) < 2:
            report.add(file, f"{path}.elements", "a criterion scored by elements needs at least 2 elements")
        else:
            k = len(elements)
            for i, element in enumerate(elements):
                epath = f"{path}.elements[{i}]"
                if not isinstance(element, dict):
                    report.add(file, epath, "must be a mapping")
                    continue
                if element.get("code") != f"{code}.{i + 1}":
                    report.add(file, f"{epath}.code", f"expected {code}.{i + 1}")
                _text(report, file, f"{epath}.text", element.get("text"))
                if "editorial_note" in element:
                    _text(report, file, f"{epath}.editorial_note", element["editorial_note"])
                if element.get("polarity", "positive") not in ("positive", "negative"):
                    report.add(file, f"{epath}.polarity", "must be positive or negative")
        if c.get("levels"):
            report.add(file, f"{path}.levels", "a criterion scored by elements has no levels")
    else:
        report.add(file, f"{path}.scoring", "must be levels or elements")
    optimal = c.get("optimal", k)
    if k and _positive_int(report, file, f"{path}.optimal", optimal) and optimal > k:
        report.add(file, f"{path}.optimal", f"{optimal} is above the top value {k}")
    targets = c.get("sdg_targets") or []
    if not isinstance(targets, list):
        report.add(file, f"{path}.sdg_targets", "must be a list")
        targets = []
    if targets and DIMENSION_KEYS[dim_index] != "sustainable_agenda":
        report.add(file, f"{path}.sdg_targets", "only criteria of sustainable_agenda link to SDG targets")
    for t, target in enumerate(targets):
        if str(target) not in sdg_targets:
            report.add(file, f"{path}.sdg_targets[{t}]", f"unknown SDG target {target}")


def validate_model(data: Any, file: str, sdg_targets: set[str]) -> Report:
    report = Report()
    if not isinstance(data, dict):
        report.add(file, "(file)", "must be a mapping")
        return report
    key = data.get("key")
    if key not in MODEL_KEYS:
        report.add(file, "key", f"must be one of {', '.join(MODEL_KEYS)}")
        return report
    if file != f"{key}.yaml":
        report.add(file, "key", f"{key} belongs in {key}.yaml")
    if not isinstance(data.get("version"), str) or not data["version"].strip():
        report.add(file, "version", "missing (quote it, e.g. \"2017\")")
    if data.get("status") not in INITIAL_STATUSES:
        report.add(file, "status", "must be draft or approved")
    _text(report, file, "title", data.get("title"))
    _text(report, file, "description", data.get("description"))
    dimensions = data.get("dimensions")
    codes: set[str] = set()
    if not isinstance(dimensions, list) or len(dimensions) != len(DIMENSION_KEYS):
        report.add(file, "dimensions", f"must list the {len(DIMENSION_KEYS)} dimensions")
        dimensions = dimensions if isinstance(dimensions, list) else []
    for d, dim in enumerate(dimensions[:len(DIMENSION_KEYS)]):
        path = f"dimensions[{d}]"
        if not isinstance(dim, dict):
            report.add(file, path, "must be a mapping")
            continue
        if dim.get("key") != DIMENSION_KEYS[d]:
            report.add(file, f"{path}.key", f"expected {DIMENSION_KEYS[d]}")
        _text(report, file, f"{path}.title", dim.get("title"))
        _text(report, file, f"{path}.description", dim.get("description"))
        criteria = dim.get("criteria")
        if not isinstance(criteria, list) or not criteria:
            report.add(file, f"{path}.criteria", "a dimension needs at least one criterion")
            continue
        for c, criterion in enumerate(criteria):
            cpath = f"{path}.criteria[{c}]"
            if not isinstance(criterion, dict):
                report.add(file, cpath, "must be a mapping")
                continue
            _criterion(report, file, cpath, criterion, d, PREFIXES[key], sdg_targets, codes)
    for path, message in provenance.validate(data):
        report.add(file, path, message)
    keys: set[str] = set()
    for a, alert in enumerate(data.get("alerts") or []):
        path = f"alerts[{a}]"
        if not isinstance(alert, dict):
            report.add(file, path, "must be a mapping")
            continue
        akey = alert.get("key")
        if not isinstance(akey, str) or not ALERT_KEY.match(akey):
            report.add(file, f"{path}.key", "use lowercase letters, digits and underscores")
        elif akey in keys:
            report.add(file, f"{path}.key", f"duplicate alert {akey}")
        else:
            keys.add(akey)
        _text(report, file, f"{path}.title", alert.get("title"))
        _text(report, file, f"{path}.description", alert.get("description"))
        members = alert.get("criteria")
        if not isinstance(members, list) or not members:
            report.add(file, f"{path}.criteria", "an alert needs at least one criterion")
            continue
        for m, code in enumerate(members):
            if code not in codes:
                report.add(file, f"{path}.criteria[{m}]", f"no criterion {code} in this file")
    return report
