"""The comparison of two versions of a planning model: what was added, removed and changed, criterion by
criterion, read from the page."""
from __future__ import annotations

import copy
import re

from whitepaper.catalogue import queries, services


def _section(html: str, heading: str) -> str:
    return html.split(f"<h2>{heading}", 1)[1].split("<h2>", 1)[0]


def _revised_sectoral(db):
    """A new draft of the sectoral model: one criterion removed, one retitled, one re-weighted, one added."""
    model = queries.model_by_key("sectoral")
    old = queries.version_tree(queries.current_version(model).id)
    content = copy.deepcopy(queries.version_content(old))
    design = next(d for d in content["dimensions"] if d["key"] == "design")
    removed = design["criteria"].pop()["code"]
    retitled = design["criteria"][0]
    retitled["title"] = {"es": retitled["title"]["es"] + " (revisado)", "en": retitled["title"]["en"] + " (revised)"}
    reweighted = content["dimensions"][0]["criteria"][0]
    reweighted["weight"] = reweighted["weight"] + 1
    added = copy.deepcopy(retitled)
    added["code"] = "SEC-2-99"
    design["criteria"].append(added)
    content["alerts"] = [dict(a, criteria=[c for c in a["criteria"] if c != removed]) for a in content["alerts"]]
    new = services.build_version(model, content, label="2027-test", status="draft", source="test",
                                 derived_from=old)
    db.session.commit()
    return old.label, new.label, removed, retitled["code"], reweighted["code"]


def test_the_comparison_lists_added_removed_and_changed_criteria(db, client, make_user, login_as):
    old, new, removed, retitled, reweighted = _revised_sectoral(db)
    login_as(make_user("admin"))
    client.post("/lang", data={"lang": "en"})
    html = client.get(f"/catalogue/sectoral/compare?a={old}&b={new}").get_data(as_text=True)
    assert re.findall(r"SEC-\d-\d+", _section(html, "Added")) == ["SEC-2-99"]
    assert re.findall(r"SEC-\d-\d+", _section(html, "Removed")) == [removed]
    changed = dict(re.findall(r"<tr><td>(SEC-\d-\d+)</td><td>([^<]*)</td></tr>", _section(html, "Changed")))
    assert changed == {retitled: "title", reweighted: "weight"}
    unchanged = int(re.search(r"(\d+) criteria unchanged", html).group(1))
    assert unchanged == 21 - 1 - 2  # the sectoral draft has 21 criteria: one removed, two changed


def test_the_comparison_of_a_version_with_itself_and_of_unknown_versions(db, client, make_user, login_as):
    login_as(make_user("admin"))
    client.post("/lang", data={"lang": "en"})
    same = client.get("/catalogue/sectoral/compare?a=2026-draft&b=2026-draft").get_data(as_text=True)
    assert "The two versions have the same criteria." in same
    unknown = client.get("/catalogue/sectoral/compare?a=nope&b=2026-draft")
    assert unknown.status_code == 200 and "Choose two versions to compare." in unknown.get_data(as_text=True)
    assert client.get("/catalogue/nomodel/compare").status_code == 404
