"""`catalog check` validates the mappings in criteria/mappings/: every criterion code exists in the model it
names, nothing is paired twice, and the mapping says where it comes from (composed, pending validation)."""
from __future__ import annotations

import os
import shutil

import pytest
import yaml

from whitepaper.catalogue import loader, mappings

from .test_check_and_load import _copy, _edit

CRITERIA = loader.DEFAULT_FOLDER
NAME = "mappings/national-subnational.yaml"


def _shipped() -> dict:
    with open(os.path.join(CRITERIA, NAME), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_shipped_mapping_passes_and_catalog_check_reports_it(runner):
    data = _shipped()
    pairs = data["pairs"]
    links = sum(len(p["to"]) for p in pairs)
    assert 10 <= links <= 20 and data["from"] == "national" and data["to"] == "subnational"
    result = runner.invoke(args=["catalog", "check"])
    assert result.exit_code == 0, result.output
    assert f"mapping national-subnational: {len(pairs)} national criteria paired with {links} subnational " \
           f"criteria" in result.output
    catalogue = loader.read()
    assert list(catalogue.mappings) == ["national-subnational"]
    mapping = mappings.shipped("national", "subnational")
    assert mapping.pending and mapping.provenance["es"] == "composed"
    assert [(p.source, t) for p, t in mapping.links()] == [(p["from"], t) for p in pairs for t in p["to"]]
    assert mappings.shipped("subnational", "national") is None


def _add(target):
    return lambda d: d["pairs"][0]["to"].append(target)


BROKEN = [
    ("unknown national criterion", lambda d: d["pairs"][0].update({"from": "NAC-9-99"}),
     f"{NAME}: pairs[0].from: no criterion NAC-9-99 in national.yaml"),
    ("unknown subnational criterion", _add("SUB-9-99"),
     f"{NAME}: pairs[0].to[1]: no criterion SUB-9-99 in subnational.yaml"),
    ("a subnational criterion listed twice in a pair", lambda d: d["pairs"][0]["to"].append(d["pairs"][0]["to"][0]),
     f"{NAME}: pairs[0].to[1]: duplicate: SUB-1-01 is listed twice"),
    ("a national criterion paired twice", lambda d: d["pairs"][1].update({"from": d["pairs"][0]["from"]}),
     f"{NAME}: pairs[1].from: duplicate: NAC-1-01 is already paired; list all its criteria in one to"),
    ("no provenance", lambda d: d.pop("provenance"),
     f"{NAME}: provenance: missing (say where the texts come from, e.g. {{es: composed, translations: "
     f"{{en: project}}}})"),
    ("an ILPES origin without its source",
     lambda d: d.update(provenance={"es": "ilpes", "translations": {"en": "project"}}),
     f"{NAME}: provenance: ilpes text without its source"),
    ("no translator", lambda d: d.update(provenance="composed"),
     f"{NAME}: provenance: no provenance for the en translation"),
    ("an unknown origin", lambda d: d.update(provenance={"es": "invented"}),
     f"{NAME}: provenance.es: must be one of ilpes, composed"),
    ("an unknown model", lambda d: d.update({"to": "regional"}),
     f"{NAME}: to: must be one of national, subnational, sectoral, vision"),
    ("a model mapped to itself", lambda d: d.update({"to": "national"}),
     f"{NAME}: to: a mapping relates two different models"),
    ("a key that is not the file name", lambda d: d.update(key="nacional"),
     f"{NAME}: key: nacional belongs in mappings/nacional.yaml"),
    ("a key with capitals", lambda d: d.update(key="National"),
     f"{NAME}: key: use lowercase letters, digits and hyphens, such as national-subnational"),
    ("a matter without English", lambda d: d["pairs"][2]["matter"].pop("en"),
     f"{NAME}: pairs[2].matter.en: missing"),
    ("a pair without criteria", lambda d: d["pairs"][3].update(to=[]),
     f"{NAME}: pairs[3].to: list at least one criterion"),
    ("a pair without its national criterion", lambda d: d["pairs"][3].pop("from"),
     f"{NAME}: pairs[3].from: missing"),
    ("a pair that is not a mapping", lambda d: d["pairs"].append("NAC-1-01"),
     f"{NAME}: pairs[17]: must be a mapping with from, to and matter"),
    ("no pairs", lambda d: d.update(pairs=[]),
     f"{NAME}: pairs: a mapping needs at least one pair"),
]


@pytest.mark.parametrize("label, change, expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_fault_of_a_mapping_is_reported(tmp_path, runner, label, change, expected):
    folder = _copy(tmp_path)
    _edit(folder, NAME, change)
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert result.exit_code == 1
    assert expected in result.output, result.output
    # pages skip a faulty mapping; they check the codes against the assessed versions instead (listing any left out)
    kept = mappings.shipped("national", "subnational", os.path.join(folder, "mappings"))
    assert (kept is None) is not label.startswith("unknown")


def test_a_mapping_that_is_not_a_mapping_or_not_yaml(tmp_path):
    folder = _copy(tmp_path)
    with open(os.path.join(folder, NAME), "w", encoding="utf-8") as handle:
        handle.write("- just a list\n")
    assert f"{NAME}: (file): must be a mapping" in loader.read(folder).errors
    with open(os.path.join(folder, NAME), "w", encoding="utf-8") as handle:
        handle.write("key: [unclosed\n")
    assert any(e.startswith(f"{NAME}: (file): not valid YAML") for e in loader.read(folder).errors)
    assert mappings.shipped("national", "subnational", os.path.join(folder, "mappings")) is None


def test_codes_are_checked_even_when_a_model_file_fails_its_own_check(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "subnational.yaml", lambda d: d.update(status="final"))
    errors = loader.read(folder).errors
    assert "subnational.yaml: status: must be draft or approved" in errors
    assert not [e for e in errors if e.startswith(NAME)]
    os.remove(os.path.join(folder, "national.yaml"))
    errors = loader.read(folder).errors
    assert f"{NAME}: from: national.yaml could not be read, so its criteria cannot be checked" in errors


def test_a_catalogue_without_mappings_still_passes(tmp_path):
    folder = _copy(tmp_path)
    shutil.rmtree(os.path.join(folder, "mappings"))
    catalogue = loader.read(folder)
    assert catalogue.errors == [] and catalogue.mappings == {}
    assert mappings.shipped("national", "subnational", os.path.join(folder, "mappings")) is None


def test_pages_read_the_mapping_again_only_when_its_file_changes(tmp_path):
    folder = _copy(tmp_path)
    path = os.path.join(folder, "mappings")
    first = mappings.shipped("national", "subnational", path)
    assert mappings.shipped("national", "subnational", path) is first  # kept
    _edit(folder, NAME, lambda d: d.update(provenance={"es": "composed", "translations": {"en": "project"},
                                                       "validated_by": "Votación 4"}))
    again = mappings.shipped("national", "subnational", path)
    assert again is not first and not again.pending and again.provenance["validated_by"] == "Votación 4"
