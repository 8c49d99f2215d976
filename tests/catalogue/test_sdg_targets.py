"""SDG targets in their own words (issue 17, item 3): criteria/sdg.yaml holds the 169 targets with the UN texts;
every link in the catalogue resolves to one of them; wherever a code is shown its text is shown, equal to the
reference file (read here independently); each goal has a page listing the criteria linked to its targets."""
from __future__ import annotations

import html as html_lib
import os
import re
import shutil

import pytest
import yaml

from tests.assessment.conftest import make_assessment, tree  # noqa: F401  (shared factories)
from whitepaper.catalogue import loader

# an independent copy of the reference, kept with the tests
REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference",
                         "sdg-targets.yaml")
MODELS = ("national", "subnational", "sectoral", "vision")


@pytest.fixture(scope="module")
def reference() -> dict:
    with open(REFERENCE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _links() -> dict[str, dict[str, list[str]]]:
    """{model: {criterion code: [target codes]}} straight from the model files."""
    out: dict = {}
    for key in MODELS:
        with open(os.path.join(loader.DEFAULT_FOLDER, f"{key}.yaml"), encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        out[key] = {c["code"]: [str(t) for t in c["sdg_targets"]]
                    for d in data["dimensions"] for c in d["criteria"] if c.get("sdg_targets")}
    return out


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_sdg_file_holds_the_169_targets_with_the_reference_texts(reference):
    with open(os.path.join(loader.DEFAULT_FOLDER, "sdg.yaml"), encoding="utf-8") as handle:
        sdg = yaml.safe_load(handle)
    targets = {t["code"]: t["text"] for g in sdg["goals"] for t in g["targets"]}
    assert len(reference["targets"]) == len(targets) == 169
    assert targets == reference["targets"]
    assert {str(g["number"]): g["text"] for g in sdg["goals"]} == reference["goals"]


def test_every_sdg_code_in_the_catalogue_resolves_to_one_of_the_169_targets(reference):
    links = _links()
    codes = [code for per in links.values() for targets in per.values() for code in targets]
    assert len(codes) >= 40 and all(per for per in links.values())
    assert set(codes) <= set(reference["targets"])
    assert loader.read().errors == []


def test_check_refuses_an_incomplete_agenda_and_an_unknown_target(runner, tmp_path):
    folder = tmp_path / "criteria"
    shutil.copytree(loader.DEFAULT_FOLDER, folder)
    path = folder / "sdg.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    dropped = data["goals"][16]["targets"].pop()                    # 17.19, linked from several criteria
    data["goals"][0]["targets"][0].pop("text")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = runner.invoke(args=["catalog", "check", "--folder", str(folder)])
    assert result.exit_code == 1
    assert dropped["code"] == "17.19"
    assert "sdg.yaml: goals: 168 targets; the 2030 Agenda has 169" in result.output
    assert "sdg.yaml: goals[0].targets[0].text: missing" in result.output
    assert "national.yaml: dimensions[4].criteria[2].sdg_targets[2]: unknown SDG target 17.19" in result.output


def test_api_gives_each_linked_target_its_un_text(client, reference):
    data = client.get("/api/v1/models/national").get_json()
    seen = 0
    for dimension in data["dimensions"]:
        for criterion in dimension["criteria"]:
            details = criterion["sdg_target_details"]
            assert [d["code"] for d in details] == criterion["sdg_targets"]
            for detail in details:
                assert detail["text"] == reference["targets"][detail["code"]]
                assert detail["goal"] == detail["code"].split(".")[0]
                seen += 1
    assert seen == sum(len(t) for t in _links()["national"].values())


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_criterion_page_shows_the_target_texts(client, reference, lang):
    client.set_cookie("lang", lang, domain="localhost")
    for key, label, code in (("national", "2017", "NAC-5-32"), ("subnational", "2020", "SUB-5-03")):
        page = _text(client.get(f"/catalogue/{key}/{label}/criteria/{code}").get_data(as_text=True))
        for target in _links()[key][code]:
            assert reference["targets"][target][lang] in page, (code, target)


def test_the_rating_form_and_the_scorecard_show_the_target_texts(  # noqa: F811  (make_assessment)
        client, make_user, login_as, make_assessment, reference):
    from whitepaper.reports import documents
    assessment = make_assessment("CRI", rate="all")
    login_as(make_user("admin"))
    form = _text(client.get(f"/assessments/{assessment.id}/rate/sustainable_agenda").get_data(as_text=True))
    card = _text(documents.scorecard_html(assessment, "en"))
    for targets in _links()["national"].values():
        for target in targets:
            assert reference["targets"][target]["es"] in form, target   # the admin reads Spanish
            assert reference["targets"][target]["en"] in card, target


def test_a_goal_page_lists_the_criteria_linked_to_its_targets_across_approved_models(client, reference):
    client.set_cookie("lang", "en", domain="localhost")
    links = _links()
    for goal in ("17", "13", "5"):
        expected = sorted(code for key in ("national", "subnational")      # the approved models
                          for code, targets in links[key].items() if any(t.split(".")[0] == goal for t in targets))
        page = client.get(f"/catalogue/sdg/{goal}").get_data(as_text=True)
        assert sorted(re.findall(r'<tr data-criterion="([A-Z]+-\d-\d{2})">', page)) == expected, goal
        text = _text(page)
        assert reference["goals"][goal]["en"] in text
        for code, target in reference["targets"].items():
            if code.split(".")[0] == goal:
                assert target["en"] in text
    assert "SEC-5-02" not in client.get("/catalogue/sdg/13").get_data(as_text=True)   # a draft model
    empty = client.get("/catalogue/sdg/1").get_data(as_text=True)
    assert "data-criterion" not in empty and "No criterion of an approved version" in empty
    assert client.get("/catalogue/sdg/18").status_code == 404
    index = _text(client.get("/catalogue/sdg/").get_data(as_text=True))
    assert all(reference["goals"][str(n)]["en"] in index for n in range(1, 18))


def test_the_sdg_file_is_read_again_only_when_it_changes(tmp_path, monkeypatch):
    shutil.copy(os.path.join(loader.DEFAULT_FOLDER, "sdg.yaml"), tmp_path / "sdg.yaml")
    reads = []
    real = loader._read_yaml
    monkeypatch.setattr(loader, "_read_yaml", lambda *args: reads.append(args[0]) or real(*args))
    first = loader.sdg_reference(str(tmp_path))
    assert loader.sdg_reference(str(tmp_path)) is first and len(reads) == 1
    old = first.target("17.14")["en"]
    text = (tmp_path / "sdg.yaml").read_text(encoding="utf-8")
    (tmp_path / "sdg.yaml").write_text(text.replace(old, "Policy coherence, reworded"), encoding="utf-8")
    os.utime(tmp_path / "sdg.yaml", ns=(1, 1))
    assert loader.sdg_reference(str(tmp_path)).target("17.14")["en"] == "Policy coherence, reworded"
    assert len(reads) == 2
