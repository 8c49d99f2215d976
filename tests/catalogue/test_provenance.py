"""Provenance on every catalogue text (issue 17, item 1): ILPES's words or composed for the platform, per item
and per language; shown by the API and the pages; required by `catalog check`; kept out of the content hash;
brought to installs loaded before it existed; set validated when a committee ballot adopts a composed text."""
from __future__ import annotations

import copy
import re

from sqlalchemy import select, update

from tests.assessment.conftest import make_assessment, tree  # noqa: F401  (shared factories)
from tests.ballots.conftest import committee_setup  # noqa: F401  (a fixture used below)
from tests.ballots.test_adoption import run_consultation
from tests.catalogue.test_check_and_load import _copy, _edit
from whitepaper.catalogue import loader, services
from whitepaper.catalogue import queries as catalogue_queries
from whitepaper.delphi.ballots import adoption as ballot_adoption
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.models import CatalogueVersion, Criterion, Element, Level


def _items(data):
    """(kind, item) for every criterion, level and element of an API model detail."""
    for dimension in data["dimensions"]:
        for criterion in dimension["criteria"]:
            yield "criterion", criterion
            for level in criterion["levels"]:
                yield "level", level
            for element in criterion["elements"]:
                yield "element", element


def test_api_national_criteria_and_elements_are_ilpes_with_their_source(client):
    data = client.get("/api/v1/models/national").get_json()
    items = list(_items(data))
    assert len(items) == 33 + 189
    for kind, item in items:
        assert (item["provenance"], item["source"]) == ("ilpes", "national form"), (kind, item.get("code"))
        assert item["translations"] == {"en": "project"}
        assert item["validated_by"] is None
    assert data["provenance"]["descriptions"] == "project"


def test_api_sectoral_and_vision_texts_are_all_composed(client, make_user, login_as):
    login_as(make_user("observer"))
    for key, criteria, levels in (("sectoral", 21, 83), ("vision", 20, 79)):
        data = client.get(f"/api/v1/models/{key}").get_json()
        items = list(_items(data))
        assert sum(1 for kind, _i in items if kind == "criterion") == criteria
        assert sum(1 for kind, _i in items if kind == "level") == levels
        assert {(i["provenance"], i["source"]) for _k, i in items} == {("composed", None)}


def test_api_subnational_marks_the_manuals_words_and_the_composed_descriptors(client):
    data = client.get("/api/v1/models/subnational").get_json()
    counts: dict = {}
    for kind, item in _items(data):
        counts[(kind, item["provenance"])] = counts.get((kind, item["provenance"]), 0) + 1
        # a composed text does not keep the model's ILPES source
        assert item["source"] == ("subnational manual" if item["provenance"] == "ilpes" else None)
    assert counts == {("criterion", "ilpes"): 28, ("criterion", "composed"): 7,
                      ("level", "ilpes"): 20, ("level", "composed"): 113}
    criteria = {c["code"]: c for d in data["dimensions"] for c in d["criteria"]}
    assert {lv["provenance"] for lv in criteria["SUB-1-04"]["levels"]} == {"ilpes"}
    assert {lv["provenance"] for lv in criteria["SUB-2-03"]["levels"]} == {"composed"}
    assert criteria["SUB-4-01"]["provenance"] == "composed"     # a title the project completed
    assert data["status"] == "approved"                          # the version keeps its status


def _badges(html: str) -> list[str]:
    return re.findall(r'class="badge prov [^"]*" data-provenance="([a-z]*)"', html)


def test_pages_show_a_badge_on_every_text_a_legend_and_the_pending_count(client, make_user, login_as):
    client.set_cookie("lang", "en", domain="localhost")
    html = client.get("/catalogue/national/2017/").get_data(as_text=True)
    assert _badges(html) == ["ilpes"] * (33 + 189)
    assert 'id="prov-legend-title"' in html
    assert 'data-pending="0"' in html
    html = client.get("/catalogue/subnational/2020/").get_data(as_text=True)
    assert sorted(set(_badges(html))) == ["composed", "ilpes"]
    assert _badges(html).count("composed") == 7 + 113 and _badges(html).count("ilpes") == 28 + 20
    assert 'data-pending="120"' in html and "120 of its 168 texts are composed" in html
    login_as(make_user("observer"))
    for key, label, n in (("sectoral", "2026-draft", 21 + 83), ("vision", "2026-draft", 20 + 79)):
        html = client.get(f"/catalogue/{key}/{label}/").get_data(as_text=True)
        assert _badges(html) == ["composed"] * n
        assert f'data-pending="{n}"' in html
    page = client.get("/catalogue/national/2017/criteria/NAC-1-02").get_data(as_text=True)
    assert _badges(page) == ["ilpes"] * (1 + 7) and "ILPES national paper form" in page


def test_pages_in_spanish_translate_the_badges(client):
    html = client.get("/catalogue/subnational/2020/").get_data(as_text=True)      # Spanish, the default
    assert "pendiente de validación" in html and "Origen de estos textos" in html
    assert "120 de sus 168 textos fueron redactados para la plataforma" in html


def test_check_fails_on_a_file_whose_items_lack_provenance(runner, tmp_path):
    folder = _copy(tmp_path)
    _edit(folder, "vision.yaml", lambda d: d.pop("provenance"))
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert result.exit_code == 1
    assert "vision.yaml: dimensions[0].criteria[0].provenance: missing" in result.output
    assert "vision.yaml: dimensions[4].criteria[0].levels[0].provenance: missing" in result.output
    assert f"{20 + 79} error(s)." in result.output       # each item without provenance, and nothing else


def test_check_fails_on_one_item_left_without_provenance_or_source(runner, tmp_path):
    folder = _copy(tmp_path)

    def only_criteria(data):          # the model's default now covers criteria and elements, not levels
        data["provenance"] = {"criteria": "composed", "elements": "composed", "translations": {"en": "project"}}
    _edit(folder, "sectoral.yaml", only_criteria)
    _edit(folder, "national.yaml", lambda d: d["provenance"].pop("source"))
    _edit(folder, "subnational.yaml",
          lambda d: d["dimensions"][0]["criteria"][0].update(provenance={"es": "borrowed"}))
    result = runner.invoke(args=["catalog", "check", "--folder", folder])
    assert result.exit_code == 1
    assert "sectoral.yaml: dimensions[0].criteria[0].levels[0].provenance: missing" in result.output
    assert "sectoral.yaml: dimensions[0].criteria[0].provenance: missing" not in result.output
    assert "national.yaml: dimensions[0].criteria[0].provenance: ilpes text without its source" in result.output
    assert "subnational.yaml: dimensions[0].criteria[0].provenance.es: must be one of ilpes, composed" \
        in result.output


def test_provenance_and_notes_stay_out_of_the_content_hash():
    data = loader.read().models["national"]
    bare = copy.deepcopy(data)
    bare.pop("provenance")
    for dimension in bare["dimensions"]:
        for criterion in dimension["criteria"]:
            for element in criterion["elements"]:
                element.pop("editorial_note", None)
    assert services.content_hash(bare) == services.content_hash(data)
    bare["dimensions"][0]["criteria"][0]["title"]["es"] += "."
    assert services.content_hash(bare) != services.content_hash(data)


def test_an_install_loaded_before_provenance_gets_it_from_catalog_load_without_a_new_version(runner, db):
    versions = db.session.scalar(select(CatalogueVersion.id).order_by(CatalogueVersion.id.desc()).limit(1))
    for table in (Criterion, Level, Element):
        db.session.execute(update(table).values(provenance=None, provenance_source=None, translations=None))
    db.session.execute(update(Element).values(editorial_note=None))
    db.session.execute(update(CatalogueVersion).values(provenance=None))
    db.session.commit()
    page_before = catalogue_queries.provenance_counts(catalogue_queries.version_tree(versions))
    assert page_before["unknown"] == page_before["total"]
    result = runner.invoke(args=["catalog", "load"])
    assert result.exit_code == 0, result.output
    assert "provenance and editorial notes updated: national 2017" in result.output
    assert "loaded" not in result.output
    db.session.expire_all()
    assert db.session.scalar(select(CatalogueVersion.id).order_by(CatalogueVersion.id.desc()).limit(1)) == versions
    element = db.session.scalar(select(Element).where(Element.code == "NAC-1-02.6"))
    assert (element.provenance, element.provenance_source) == ("ilpes", "national form")
    assert element.editorial_note and "«No»" in element.editorial_note["es"]
    again = runner.invoke(args=["catalog", "load"])
    assert "nothing changed" in again.output


def test_adoption_by_a_ballot_sets_validated_by_on_the_composed_texts(db, committee_setup):  # noqa: F811
    setup = committee_setup()
    run_consultation(db, setup)
    latest = ballot_queries.latest_items(setup.committee.id)
    result = ballot_adoption.close_consultation(setup.facilitator, setup.committee)
    db.session.commit()
    tree = catalogue_queries.version_tree(result.id)
    criteria = [c for d in tree.dimensions for c in d.criteria]
    assert criteria
    for criterion in criteria:
        item = latest[("criteria", criterion.code)]
        expected = f"ballot {item.ballot.number} of committee {setup.committee.id}"
        assert criterion.validated_by == expected
        assert {lv.validated_by for lv in criterion.levels} == {expected}
        assert criterion.provenance == "composed" and not criterion.is_pending_validation
    # two criteria ballots ran: the outcomes criteria were adopted by the later one
    assert len({c.validated_by for c in criteria}) == 2
    counts = catalogue_queries.provenance_counts(tree)
    assert counts["pending"] == 0 and counts["validated"] == counts["total"]
    # the consulted version keeps its texts pending: only the adopted version's rows are validated
    consulted = catalogue_queries.version_tree(setup.committee.catalogue_version.id)
    assert catalogue_queries.provenance_counts(consulted)["validated"] == 0


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_scorecard_ends_with_which_texts_of_its_model_are_composed(app, make_assessment):  # noqa: F811
    from whitepaper.reports import documents
    national = _plain(documents.scorecard_html(make_assessment("CRI", rate="all"), "en"))
    tail = national.split("About the texts of this model")[-1]
    assert "is ILPES's own text (ILPES national paper form); none was composed" in tail
    chile = make_assessment("CHL", model="subnational", scope="Región de Valparaíso", rate="all")
    subnational = documents.scorecard_html(chile, "en")
    last = subnational.rsplit('<section class="page"', 1)[1]          # the document's last section
    assert 'id="texts"' in last
    tail = _plain(last)
    titles = re.search(r"criterion titles: ([A-Z0-9, -]+)", tail).group(1).split(", ")
    assert sorted(t.strip() for t in titles) == sorted(["SUB-2-05", "SUB-3-03", "SUB-4-01", "SUB-4-02", "SUB-4-03",
                                                       "SUB-4-04", "SUB-5-01"])
    levels = re.search(r"level descriptors: ([A-Z0-9, -]+)", tail).group(1).split(", ")
    assert len(levels) == 35 - 6 and "SUB-1-01" not in [x.strip() for x in levels]
    assert "120 of them await validation by the technical committee" in tail
    peru = make_assessment("PER", model="subnational", scope="Región Cusco", rate="all")
    spanish = _plain(documents.scorecard_html(peru, "es"))
    assert "Sobre los textos de este modelo" in spanish and "120 de ellos esperan la validación" in spanish
