"""Browsing the catalogue (public for approved versions) and its JSON API (docs/design.md §3.4)."""
from __future__ import annotations

import re

from whitepaper.models import DIMENSION_KEYS


def _texts(value, path="$"):
    """Every bilingual text object in a JSON document, with where it is."""
    if isinstance(value, dict):
        if set(value) == {"es", "en"}:
            yield path, value
        else:
            for key, item in value.items():
                yield from _texts(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{i}]")


def test_models_api_for_a_logged_in_user_lists_four_models_of_five_dimensions(client, make_user, login_as):
    login_as(make_user("observer"))
    models = client.get("/api/v1/models").get_json()["models"]
    assert [m["key"] for m in models] == ["national", "subnational", "sectoral", "vision"]
    for model in models:
        assert [d["key"] for d in model["dimensions"]] == list(DIMENSION_KEYS)
        assert model["criteria_count"] == sum(d["criteria_count"] for d in model["dimensions"])
    national = models[0]
    assert (national["version"], national["status"], national["criteria_count"]) == ("2017", "approved", 33)
    assert 100 <= sum(m["criteria_count"] for m in models) <= 120


def test_anonymous_api_shows_only_approved_models(client):
    models = client.get("/api/v1/models").get_json()["models"]
    assert {m["key"] for m in models} == {"national", "subnational"}
    assert client.get("/api/v1/models/vision").status_code == 401


def test_national_model_detail_has_the_source_titles_and_189_elements(client):
    data = client.get("/api/v1/models/national").get_json()
    assert data["key"] == "national" and data["version"] == "2017"
    criteria = [c for d in data["dimensions"] for c in d["criteria"]]
    assert len(criteria) == 33
    assert sum(len(c["elements"]) for c in criteria) == 189
    nac208 = next(c for c in criteria if c["code"] == "NAC-2-08")
    assert nac208["title"]["es"] == "Sistema de seguimiento y monitoreo"
    assert nac208["scoring"] == "elements" and nac208["levels"] == []
    assert nac208["elements"][0]["code"] == "NAC-2-08.1"
    assert {e["polarity"] for e in nac208["elements"]} == {"positive", "negative"}
    assert nac208["optimal"] == 12 and nac208["scope"] == "system" and nac208["weight"] == 1
    assert all(c["sdg_targets"] == [] for d in data["dimensions"][:4] for c in d["criteria"])
    assert any(c["sdg_targets"] for c in data["dimensions"][4]["criteria"])
    assert data["alerts"] and all(a["criteria"] for a in data["alerts"])


def test_level_scored_model_detail(client):
    data = client.get("/api/v1/models/subnational").get_json()
    first = data["dimensions"][0]["criteria"][0]
    assert first["scoring"] == "levels" and first["elements"] == []
    assert [lv["value"] for lv in first["levels"]] == list(range(1, len(first["levels"]) + 1))


def test_every_text_of_every_model_is_in_both_languages(client, make_user, login_as):
    login_as(make_user("observer"))
    for key in ("national", "subnational", "sectoral", "vision"):
        data = client.get(f"/api/v1/models/{key}").get_json()
        texts = list(_texts(data))
        assert len(texts) > 50
        for path, text in texts:
            assert text["es"].strip() and text["en"].strip(), (key, path)


def test_a_named_version_and_unknown_ones(client):
    assert client.get("/api/v1/models/national?version=2017").get_json()["version"] == "2017"
    response = client.get("/api/v1/models/national?version=1999")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/models/nope").status_code == 404


def test_public_can_browse_approved_versions_but_not_drafts(client):
    assert client.get("/catalogue/").status_code == 200
    html = client.get("/catalogue/national/").get_data(as_text=True)
    assert "Sistema de seguimiento y monitoreo" in html and "NAC-2-08.12" in html
    assert client.get("/catalogue/national/2017/criteria/NAC-2-08").status_code == 200
    assert client.get("/catalogue/sectoral/").status_code == 302


def _shown_codes(html: str) -> set[str]:
    return set(re.findall(r'<article class="criterion" id="([A-Z]+-\d-\d+)"', html))


def test_search_ignores_accents_and_case_in_both_languages(client):
    folded = client.get("/catalogue/national/?q=PARTICIPACION").get_data(as_text=True)
    accented = client.get("/catalogue/national/?q=participación").get_data(as_text=True)
    shown = _shown_codes(folded)
    assert "NAC-2-07" in shown and "NAC-1-01" not in shown
    assert shown == _shown_codes(accented)
    assert 0 < len(shown) < 33
    assert f"{len(shown)} " in folded.split('role="status">')[1].split("</p>")[0]
    english = _shown_codes(client.get("/catalogue/national/?q=monitoring").get_data(as_text=True))
    assert "NAC-2-08" in english and english != shown and len(english) < 33


def test_filters_by_dimension_and_scope(client):
    html = client.get("/catalogue/subnational/?dimension=outcomes&scope=system").get_data(as_text=True)
    assert "SUB-4-02" in html and "SUB-1-01" not in html and "SUB-4-01" not in html


def test_unknown_criterion_permalink_is_404(client):
    assert client.get("/catalogue/national/2017/criteria/NAC-9-99").status_code == 404


def test_browse_page_uses_a_constant_number_of_queries(client, count_queries, make_user, login_as):
    login_as(make_user("observer"))
    client.get("/catalogue/national/")   # warm up
    with count_queries() as small:
        client.get("/catalogue/vision/2026-draft/")
    with count_queries() as large:
        client.get("/catalogue/national/")
    with count_queries() as printable:
        client.get("/catalogue/subnational/2020/print")
    assert large.n == small.n == printable.n
    assert large.n <= 12


def test_compare_lists_added_removed_and_changed_criteria(db):
    from whitepaper.catalogue import compare, queries
    model = queries.model_by_key("national")
    content = queries.version_content(queries.version_tree(queries.current_version(model).id))
    import copy
    changed = copy.deepcopy(content)
    changed["dimensions"][0]["criteria"].pop(0)
    changed["dimensions"][1]["criteria"][0]["optimal"] = 5
    changed["dimensions"][4]["criteria"].append({**changed["dimensions"][4]["criteria"][0], "code": "NAC-5-34"})
    diff = compare.diff(content, changed)
    assert diff.removed == ["NAC-1-01"] and diff.added == ["NAC-5-34"]
    assert diff.changed == {"NAC-2-07": ["optimal"]}
    assert len(diff.unchanged) == 31


def test_compare_ignores_provenance_and_notes_but_not_the_texts(db):
    """Provenance and editorial notes are metadata: two versions with the same texts are the same."""
    import copy

    from whitepaper.catalogue import compare, queries
    content = queries.version_content(queries.version_tree(queries.current_version(
        queries.model_by_key("national")).id))
    relabelled = copy.deepcopy(content)
    criterion = relabelled["dimensions"][1]["criteria"][0]
    criterion["provenance"] = {"es": "composed"}
    criterion["editorial_note"] = {"es": "Otra lectura.", "en": "Another reading."}
    for item in criterion["levels"] + criterion["elements"]:
        item["provenance"] = {"es": "composed", "validated_by": "ballot 1 of committee 1"}
        item["editorial_note"] = {"es": "Nota.", "en": "Note."}
    assert compare.diff(content, relabelled).is_empty
    criterion["elements"][0]["text"] = {**criterion["elements"][0]["text"], "es": "Otro texto"}
    assert compare.diff(content, relabelled).changed == {criterion["code"]: ["elements"]}
