"""`catalog check` and `catalog load`: the shipped files are valid; each kind of error is reported precisely;
loading is idempotent, versioned, and never changes an approved version."""
from __future__ import annotations

import os
import shutil

import pytest
import yaml
from sqlalchemy import func, select

from whitepaper.catalogue import loader
from whitepaper.models import CatalogueVersion, Criterion, Element

CRITERIA = loader.DEFAULT_FOLDER


def test_shipped_catalogue_passes_check_with_counts(runner):
    result = runner.invoke(args=["catalog", "check"])
    assert result.exit_code == 0, result.output
    assert "national: 33 criteria (institutional 6, design 11, implementation 7, outcomes 4, " \
           "sustainable_agenda 5)" in result.output
    assert "subnational: 35 criteria" in result.output
    assert "OK: 4 models" in result.output


def test_shipped_catalogue_has_about_110_criteria_and_the_national_elements():
    catalogue = loader.read()
    assert catalogue.errors == []
    counts = catalogue.counts()
    assert set(counts) == {"national", "subnational", "sectoral", "vision"}
    assert all(len(per) == 5 for per in counts.values())
    total = sum(sum(per.values()) for per in counts.values())
    assert 100 <= total <= 120
    national = catalogue.models["national"]
    elements = [e for d in national["dimensions"] for c in d["criteria"] for e in c["elements"]]
    assert len(elements) == 189
    assert national["dimensions"][1]["criteria"][1]["title"]["es"] == "Sistema de seguimiento y monitoreo"
    assert national["dimensions"][1]["criteria"][1]["code"] == "NAC-2-08"


def _copy(tmp_path) -> str:
    folder = tmp_path / "criteria"
    shutil.copytree(CRITERIA, folder)
    return str(folder)


def _edit(folder: str, name: str, change) -> None:
    path = os.path.join(folder, name)
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    change(data)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, allow_unicode=True, sort_keys=False)


BROKEN = [
    ("missing English descriptor",
     "subnational.yaml", lambda d: d["dimensions"][1]["criteria"][4]["levels"][2]["descriptor"].pop("en"),
     "subnational.yaml: dimensions[1].criteria[4].levels[2].descriptor.en: missing"),
    ("empty Spanish title",
     "sectoral.yaml", lambda d: d["dimensions"][0]["criteria"][0]["title"].update(es="  "),
     "sectoral.yaml: dimensions[0].criteria[0].title.es: empty"),
    ("duplicate code",
     "vision.yaml", lambda d: d["dimensions"][0]["criteria"][1].update(code=d["dimensions"][0]["criteria"][0]["code"]),
     "vision.yaml: dimensions[0].criteria[1].code: duplicate code VIS-1-01"),
    ("levels not contiguous",
     "subnational.yaml", lambda d: d["dimensions"][0]["criteria"][0]["levels"][1].update(value=3),
     "subnational.yaml: dimensions[0].criteria[0].levels[1].value: levels must be contiguous: expected 2"),
    ("optimal above the top level",
     "subnational.yaml", lambda d: d["dimensions"][0]["criteria"][0].update(optimal=9),
     "subnational.yaml: dimensions[0].criteria[0].optimal: 9 is above the top value 3"),
    ("alert naming a criterion that does not exist",
     "national.yaml", lambda d: d["alerts"][0]["criteria"].append("NAC-9-99"),
     "national.yaml: alerts[0].criteria[3]: no criterion NAC-9-99 in this file"),
    ("unknown SDG target",
     "national.yaml", lambda d: d["dimensions"][4]["criteria"][0].update(sdg_targets=["17.99"]),
     "national.yaml: dimensions[4].criteria[0].sdg_targets[0]: unknown SDG target 17.99"),
    ("SDG target outside the fifth dimension",
     "national.yaml", lambda d: d["dimensions"][0]["criteria"][0].update(sdg_targets=["16.6"]),
     "national.yaml: dimensions[0].criteria[0].sdg_targets: only criteria of sustainable_agenda link to SDG targets"),
    ("wrong element code",
     "national.yaml", lambda d: d["dimensions"][0]["criteria"][0]["elements"][2].update(code="NAC-1-01.9"),
     "national.yaml: dimensions[0].criteria[0].elements[2].code: expected NAC-1-01.3"),
    ("bad scope",
     "vision.yaml", lambda d: d["dimensions"][2]["criteria"][0].update(scope="galaxy"),
     "vision.yaml: dimensions[2].criteria[0].scope: must be one of instrument, process, system"),
    ("too few levels",
     "sectoral.yaml", lambda d: d["dimensions"][0]["criteria"][0].update(levels=d["dimensions"][0]["criteria"][0]["levels"][:2]),
     "sectoral.yaml: dimensions[0].criteria[0].levels: a criterion scored by levels needs 3 to 5 levels"),
    ("dimension out of order",
     "vision.yaml", lambda d: d["dimensions"][0].update(key="design"),
     "vision.yaml: dimensions[0].key: expected institutional"),
]


@pytest.mark.parametrize("name, file, change, message", BROKEN, ids=[b[0] for b in BROKEN])
def test_check_reports_each_kind_of_error_precisely(runner, tmp_path, name, file, change, message):
    folder = _copy(tmp_path)
    _edit(folder, file, change)
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert result.exit_code == 1
    assert message in result.output


def test_check_reports_every_error_at_once(runner, tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "vision.yaml", lambda d: d["dimensions"][0]["criteria"][0]["title"].pop("en"))
    _edit(folder, "sectoral.yaml", lambda d: d["dimensions"][0]["criteria"][0]["description"].pop("es"))
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert "vision.yaml: dimensions[0].criteria[0].title.en: missing" in result.output
    assert "sectoral.yaml: dimensions[0].criteria[0].description.es: missing" in result.output
    assert "2 error(s)." in result.output


def test_invalid_yaml_is_reported_with_its_file(runner, tmp_path):
    folder = _copy(tmp_path)
    with open(os.path.join(folder, "vision.yaml"), "a", encoding="utf-8") as handle:
        handle.write("\n  bad: [unclosed\n")
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert result.exit_code == 1 and "vision.yaml: (file): not valid YAML" in result.output


def test_a_yaml_tag_that_would_build_a_python_object_is_refused(runner, tmp_path):
    """The catalogue reader (libyaml's parser when present) is a safe loader: a tag naming Python code is an
    error of its file, and nothing runs."""
    folder = _copy(tmp_path)
    marker = tmp_path / "ran"
    with open(os.path.join(folder, "vision.yaml"), "a", encoding="utf-8") as handle:
        handle.write(f"\nextra: !!python/object/apply:os.system ['touch {marker}']\n")
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert result.exit_code == 1 and "vision.yaml: (file): not valid YAML" in result.output
    assert not marker.exists()


def _versions(db):
    return db.session.scalar(select(func.count()).select_from(CatalogueVersion))


def test_loading_twice_changes_nothing(runner, db):
    before = _versions(db)
    result = runner.invoke(args=["catalog", "load"])
    assert result.exit_code == 0 and "nothing changed" in result.output
    assert _versions(db) == before == 4


def test_a_changed_file_under_the_same_label_is_refused_and_nothing_is_loaded(runner, db, tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "national.yaml", lambda d: d["dimensions"][0]["criteria"][0]["title"].update(en="Changed"))
    _edit(folder, "vision.yaml", lambda d: d.update(version="2027-draft"))
    result = runner.invoke(args=["catalog", "load", "--folder", folder])
    assert result.exit_code == 1
    assert "national.yaml: version: the content changed but the label '2017' is already loaded" in result.output
    db.session.expire_all()
    assert _versions(db) == 4   # the vision file's new version was not loaded either


def test_a_changed_file_with_a_new_label_becomes_a_new_draft_and_the_approved_one_is_untouched(runner, db, tmp_path):
    approved = db.session.scalar(select(CatalogueVersion).where(CatalogueVersion.label == "2017"))
    elements_before = db.session.scalar(select(func.count()).select_from(Element).join(Criterion)
                                        .where(Criterion.version_id == approved.id))
    folder = _copy(tmp_path)

    def change(data):
        data["version"] = "2027"
        data["status"] = "approved"   # only the first version of a model starts as its file says
        data["dimensions"][0]["criteria"][0]["title"]["en"] = "Human capabilities"
    _edit(folder, "national.yaml", change)
    result = runner.invoke(args=["catalog", "load", "--folder", folder])
    assert result.exit_code == 0, result.output
    assert "loaded national 2027 (draft)" in result.output
    db.session.expire_all()
    new = db.session.scalar(select(CatalogueVersion).where(CatalogueVersion.label == "2027"))
    assert new.status == "draft"
    approved = db.session.get(CatalogueVersion, approved.id)
    assert approved.status == "approved"
    first = db.session.scalar(select(Criterion).where(Criterion.version_id == approved.id,
                                                      Criterion.code == "NAC-1-01"))
    assert first.title["en"] != "Human capabilities"
    assert db.session.scalar(select(func.count()).select_from(Element).join(Criterion)
                             .where(Criterion.version_id == approved.id)) == elements_before == 189


def test_a_broken_catalogue_is_refused_without_touching_the_database(runner, db, tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "vision.yaml", lambda d: d.update(version="2027-draft"))
    _edit(folder, "sectoral.yaml", lambda d: d["dimensions"][0]["criteria"][0]["title"].pop("en"))
    result = runner.invoke(args=["catalog", "load", "--folder", folder])
    assert result.exit_code == 1 and "Nothing was loaded." in result.output
    db.session.expire_all()
    assert _versions(db) == 4
