"""The catalogue schema (whitepaper/catalogue/schema.py) names every fault in a model file, each at its path.

Each case starts from a valid model and breaks one thing; the report must hold exactly the expected message."""
from __future__ import annotations

import copy

import pytest

from whitepaper.catalogue import schema

SDG = {"goals": [{"number": 1, "title": {"es": "Fin de la pobreza", "en": "No poverty"}, "targets": ["1.1", "1.a"]},
                 {"number": 2, "title": {"es": "Hambre cero", "en": "Zero hunger"}, "targets": ["2.1"]}]}


def _text(word: str) -> dict:
    return {"es": f"{word} (es)", "en": f"{word} (en)"}


def _levels_criterion(code: str) -> dict:
    return {"code": code, "title": _text("t"), "description": _text("d"), "scope": "instrument", "scoring": "levels",
            "levels": [{"value": i, "descriptor": _text(f"level {i}")} for i in (1, 2, 3)]}


def _elements_criterion(code: str) -> dict:
    return {"code": code, "title": _text("t"), "description": _text("d"), "scope": "process", "scoring": "elements",
            "elements": [{"code": f"{code}.{i}", "text": _text(f"e{i}")} for i in (1, 2)]}


def valid_model() -> dict:
    dims = []
    for d, key in enumerate(schema.DIMENSION_KEYS):
        dims.append({"key": key, "title": _text(key), "description": _text(key),
                     "criteria": [_levels_criterion(f"NAC-{d + 1}-01"), _elements_criterion(f"NAC-{d + 1}-02")]})
    dims[4]["criteria"][0]["sdg_targets"] = ["1.1"]
    return {"key": "national", "version": "2017", "status": "approved", "title": _text("model"),
            "description": _text("model"), "dimensions": dims,
            "provenance": {"es": "ilpes", "source": "national form", "translations": {"en": "project"}},
            "alerts": [{"key": "no_budget", "title": _text("a"), "description": _text("a"),
                        "criteria": ["NAC-1-01"]}]}


def _errors(model: dict, file: str = "national.yaml") -> list[str]:
    targets, sdg_report = schema.validate_sdg(SDG)
    assert sdg_report.errors == []
    return schema.validate_model(model, file, targets).errors


def test_the_valid_model_has_no_errors():
    assert _errors(valid_model()) == []


def _crit(m: dict, d: int = 0, c: int = 0) -> dict:
    return m["dimensions"][d]["criteria"][c]


CASES = [
    # (what is broken, how, the one message expected)
    ("title not a mapping", lambda m: m.update(title="Plan"), "title: must be a mapping with es and en"),
    ("title missing", lambda m: m.pop("title"), "title: missing"),
    ("english title missing", lambda m: m["title"].pop("en"), "title.en: missing"),
    ("spanish title blank", lambda m: m["title"].update(es="  "), "title.es: empty"),
    ("unknown language", lambda m: m["title"].update(pt="Plano"), "title.pt: unknown language"),
    ("version not text", lambda m: m.update(version=2017), 'version: missing (quote it, e.g. "2017")'),
    ("bad status", lambda m: m.update(status="in_force"), "status: must be draft or approved"),
    ("four dimensions", lambda m: m["dimensions"].pop(), "dimensions: must list the 5 dimensions"),
    ("dimension not a mapping", lambda m: m["dimensions"].__setitem__(1, "design"),
     "dimensions[1]: must be a mapping"),
    ("dimension out of order", lambda m: m["dimensions"][0].update(key="design"),
     "dimensions[0].key: expected institutional"),
    ("dimension without criteria", lambda m: m["dimensions"][2].update(criteria=[]),
     "dimensions[2].criteria: a dimension needs at least one criterion"),
    ("criterion not a mapping", lambda m: m["dimensions"][3]["criteria"].append("x"),
     "dimensions[3].criteria[2]: must be a mapping"),
    ("bad code", lambda m: _crit(m, 1).update(code="NAC-1-05"),
     "dimensions[1].criteria[0].code: 'NAC-1-05' must look like NAC-2-01"),
    ("duplicate code", lambda m: m["dimensions"][0]["criteria"].append(copy.deepcopy(_crit(m))),
     "dimensions[0].criteria[2].code: duplicate code NAC-1-01"),
    ("bad scope", lambda m: _crit(m).update(scope="everything"),
     "dimensions[0].criteria[0].scope: must be one of instrument, process, system"),
    ("zero weight", lambda m: _crit(m).update(weight=0),
     "dimensions[0].criteria[0].weight: must be a positive whole number"),
    ("boolean weight", lambda m: _crit(m).update(weight=True),
     "dimensions[0].criteria[0].weight: must be a positive whole number"),
    ("two levels", lambda m: _crit(m)["levels"].pop(),
     "dimensions[0].criteria[0].levels: a criterion scored by levels needs 3 to 5 levels"),
    ("level not a mapping", lambda m: _crit(m)["levels"].__setitem__(2, "high"),
     "dimensions[0].criteria[0].levels[2]: must be a mapping"),
    ("levels not contiguous", lambda m: _crit(m)["levels"][1].update(value=3),
     "dimensions[0].criteria[0].levels[1].value: levels must be contiguous: expected 2"),
    ("levels and elements", lambda m: _crit(m).update(elements=[{"code": "x"}]),
     "dimensions[0].criteria[0].elements: a criterion scored by levels has no elements"),
    ("one element", lambda m: _crit(m, 0, 1)["elements"].pop(),
     "dimensions[0].criteria[1].elements: a criterion scored by elements needs at least 2 elements"),
    ("element not a mapping", lambda m: _crit(m, 0, 1)["elements"].__setitem__(0, "budget"),
     "dimensions[0].criteria[1].elements[0]: must be a mapping"),
    ("element code", lambda m: _crit(m, 0, 1)["elements"][1].update(code="NAC-1-02.3"),
     "dimensions[0].criteria[1].elements[1].code: expected NAC-1-02.2"),
    ("element polarity", lambda m: _crit(m, 0, 1)["elements"][0].update(polarity="neutral"),
     "dimensions[0].criteria[1].elements[0].polarity: must be positive or negative"),
    ("elements and levels", lambda m: _crit(m, 0, 1).update(levels=[{"value": 1}]),
     "dimensions[0].criteria[1].levels: a criterion scored by elements has no levels"),
    ("unknown scoring", lambda m: _crit(m).update(scoring="stars"),
     "dimensions[0].criteria[0].scoring: must be levels or elements"),
    ("optimal above top", lambda m: _crit(m).update(optimal=4),
     "dimensions[0].criteria[0].optimal: 4 is above the top value 3"),
    ("optimal not a number", lambda m: _crit(m).update(optimal="3"),
     "dimensions[0].criteria[0].optimal: must be a positive whole number"),
    ("targets not a list", lambda m: _crit(m, 4).update(sdg_targets="1.1"),
     "dimensions[4].criteria[0].sdg_targets: must be a list"),
    ("targets outside the agenda", lambda m: _crit(m, 1).update(sdg_targets=["1.1"]),
     "dimensions[1].criteria[0].sdg_targets: only criteria of sustainable_agenda link to SDG targets"),
    ("unknown target", lambda m: _crit(m, 4)["sdg_targets"].append("2.9"),
     "dimensions[4].criteria[0].sdg_targets[1]: unknown SDG target 2.9"),
    ("alert not a mapping", lambda m: m["alerts"].append("late"), "alerts[1]: must be a mapping"),
    ("alert key", lambda m: m["alerts"][0].update(key="No Budget"),
     "alerts[0].key: use lowercase letters, digits and underscores"),
    ("duplicate alert", lambda m: m["alerts"].append(copy.deepcopy(m["alerts"][0])),
     "alerts[1].key: duplicate alert no_budget"),
    ("alert without criteria", lambda m: m["alerts"][0].update(criteria=[]),
     "alerts[0].criteria: an alert needs at least one criterion"),
    ("alert names an unknown criterion", lambda m: m["alerts"][0]["criteria"].append("NAC-9-01"),
     "alerts[0].criteria[1]: no criterion NAC-9-01 in this file"),
]


@pytest.mark.parametrize("label, breaking, message", CASES, ids=[c[0] for c in CASES])
def test_one_fault_gives_one_message_at_its_path(label, breaking, message):
    model = valid_model()
    breaking(model)
    assert _errors(model) == [f"national.yaml: {message}"]


def test_a_file_that_is_not_a_mapping_or_has_an_unknown_key_stops_early():
    assert _errors(["national"]) == ["national.yaml: (file): must be a mapping"]
    model = valid_model()
    model["key"] = "municipal"
    assert _errors(model) == ["national.yaml: key: must be one of national, subnational, sectoral, vision"]


def test_a_model_belongs_in_the_file_named_after_its_key():
    assert _errors(valid_model(), "vision.yaml") == ["vision.yaml: key: national belongs in national.yaml"]


def test_sdg_file_faults():
    assert schema.validate_sdg([])[1].errors == ["sdg.yaml: goals: missing"]
    data = {"goals": ["one", {"number": 3, "title": _text("g"), "targets": ["2.1", "3.1", "3.1"]}]}
    targets, report = schema.validate_sdg(data)
    assert report.errors == ["sdg.yaml: goals[0]: must be a mapping",
                             "sdg.yaml: goals[1].number: must be 2",
                             "sdg.yaml: goals[1].targets[0]: '2.1' is not a target of goal 3",
                             "sdg.yaml: goals[1].targets[2]: duplicate target 3.1"]
    assert targets == {"2.1", "3.1"}  # faulty codes are reported, and still collected
