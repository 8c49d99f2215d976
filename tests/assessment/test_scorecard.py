"""The scorecard: the page, the API and a recomputation from the stored ratings by docs/methods.md §2 give the same
numbers; the previous assessment and the regional comparison are chosen exactly as in docs/methods.md §2.12, §2.13."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from whitepaper.assessment.forms import RatingData

from .conftest import level_rating


def mixed(criterion) -> RatingData | None:
    """Varied ratings: values at every level, some not applicable, no information, unrated, incomplete."""
    n = int(criterion.code[-2:])
    if n % 11 == 0:
        return None  # unrated
    if n % 7 == 0:
        return RatingData(kind="not_applicable", justification="No corresponde.")
    if n % 5 == 0:
        return RatingData(kind="no_information", justification="Sin registros.")
    k = len(criterion.levels) if criterion.scoring == "levels" else len(criterion.elements)
    return level_rating(criterion, 1 + n % k if criterion.scoring == "levels" else n % (k + 1), complete=n % 4 != 0)


def recompute(tree, stored: dict[str, dict]) -> dict:
    """docs/methods.md §2, written out again independently of whitepaper.assessment.scoring."""
    attainment, status, dims = {}, {}, {}
    for d in tree.dimensions:
        num = den = 0
        for c in d.criteria:
            r = stored.get(c.code)
            if r is None:
                status[c.code] = "unrated"
                continue
            if r["not_applicable"]:
                status[c.code] = "not_applicable"
                continue
            value = 0 if r["no_information"] else r["value"]
            status[c.code] = "no_information" if r["no_information"] else "value"
            a = Fraction(min(value, c.optimal), c.optimal)
            attainment[c.code] = a
            num += c.weight * a
            den += c.weight
        dims[d.key] = 100 * Fraction(num) / den if den else None
    present = [s for s in dims.values() if s is not None]
    overall = sum(present, Fraction(0)) / len(present) if present else None
    alerts = {}
    for alert in tree.alerts:
        scored = [attainment[code] for code in alert.criteria_codes if code in attainment]
        alerts[alert.key] = 100 * sum(scored, Fraction(0)) / len(scored) if scored else None
    total = sum(len(d.criteria) for d in tree.dimensions)
    complete = sum(1 for r in stored.values() if r["complete"])
    return {"attainment": attainment, "status": status, "dimensions": dims, "overall": overall, "alerts": alerts,
            "completeness": Fraction(complete, total)}


def shown(x: Fraction | None) -> str:
    """One decimal, half up, Spanish locale."""
    if x is None:
        return "—"
    exact = Decimal(x.numerator) / Decimal(x.denominator)
    return str(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)).replace(".", ",")


def cell(page: str, attribute: str, key: str) -> str:
    match = re.search(rf'{attribute}="{re.escape(key)}">([^<]*)<', page)
    assert match, (attribute, key)
    return match.group(1).strip()


@pytest.mark.parametrize("model, scope", [("national", ""), ("subnational", "Jalisco")])
def test_page_api_and_recomputation_give_the_same_numbers(client, db, assigned_facilitator, login_as, make_assessment,
                                                          tree, model, scope):
    a = make_assessment(model=model, scope=scope, rate=mixed)
    login_as(assigned_facilitator("CRI"))
    detail = client.get(f"/api/v1/assessments/{a.id}").get_json()
    stored = {r["criterion"]: r for r in detail["ratings"]}
    expected = recompute(tree(model), stored)
    api = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    page = client.get(f"/assessments/{a.id}/scorecard").get_data(as_text=True)

    assert api["completeness"] == float(expected["completeness"])
    assert api["provisional"] is True and "id=\"provisional\"" in page
    assert api["overall"]["score"] == float(expected["overall"])
    assert cell(page, 'id', "overall-score") == shown(expected["overall"])
    for d in api["dimensions"]:
        assert d["score"] == (None if expected["dimensions"][d["key"]] is None
                              else float(expected["dimensions"][d["key"]]))
        assert cell(page, "data-dimension-score", d["key"]).rstrip("*") == shown(expected["dimensions"][d["key"]])
        assert d["rated"] + d["not_applicable"] + d["no_information"] + d["unrated"] == \
            sum(len(x.criteria) for x in tree(model).dimensions if x.key == d["key"])
    for c in api["criteria"]:
        assert c["status"] == expected["status"][c["code"]]
        a_exact = expected["attainment"].get(c["code"])
        assert c["attainment"] == (None if a_exact is None else float(a_exact))
        assert cell(page, "data-attainment", c["code"]) == shown(None if a_exact is None else 100 * a_exact)
    for alert in api["alerts"]:
        exact = expected["alerts"][alert["key"]]
        assert alert["value"] == (None if exact is None else float(exact))
        assert cell(page, "data-alert-value", alert["key"]) == shown(exact)


def test_a_complete_validated_assessment_is_not_provisional(client, assigned_facilitator, login_as, make_assessment):
    a = make_assessment(status="validated")
    login_as(assigned_facilitator("CRI"))
    api = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    assert api["provisional"] is False and api["completeness"] == 1.0
    assert api["overall"] == {"score": 100.0, "band": "optimal"}
    assert "id=\"provisional\"" not in client.get(f"/assessments/{a.id}/scorecard").get_data(as_text=True)
    # complete but only submitted: still provisional
    b = make_assessment(status="submitted")
    assert client.get(f"/api/v1/assessments/{b.id}/scorecard").get_json()["provisional"] is True


def test_api_fields_follow_the_design_contract(client, make_user, login_as, make_assessment):
    a = make_assessment(status="published", is_public=True)
    listing = client.get("/api/v1/assessments").get_json()["assessments"][0]
    assert listing == {**listing, "id": a.id, "country": "CRI", "model": "national", "version": "2017",
                       "scope": "Costa Rica", "period": [2019, 2022], "status": "published"}
    detail = client.get(f"/api/v1/assessments/{a.id}").get_json()
    rating = detail["ratings"][0]
    assert set(rating) >= {"criterion", "value", "not_applicable", "no_information", "elements_present",
                           "justification", "complete"}
    assert len(detail["ratings"]) == 33
    card = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    assert set(card) >= {"provisional", "completeness", "overall", "dimensions", "criteria", "alerts"}
    assert [d["key"] for d in card["dimensions"]] == ["institutional", "design", "implementation", "outcomes",
                                                      "sustainable_agenda"]
    assert set(card["dimensions"][0]) >= {"key", "score", "band", "rated", "not_applicable", "no_information",
                                          "unrated", "rests_on_missing_information"}
    assert set(card["criteria"][0]) >= {"code", "attainment", "gap", "flagged"}
    assert set(card["alerts"][0]) >= {"key", "raised", "value", "severity", "criteria"}


# --- previous assessment ---------------------------------------------------------------------------------

def _previous(client, a):
    card = client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()
    return card["previous"]["id"] if card["previous"] else None


def test_previous_is_the_latest_earlier_published_one_of_the_same_country_model_and_scope(
        client, db, assigned_facilitator, login_as, make_assessment):
    low = lambda c: level_rating(c, 1 if c.scoring == "levels" else 0)  # noqa: E731
    oldest = make_assessment(period=(2011, 2014), status="published", rate=low)
    older = make_assessment(period=(2015, 2018), status="published", rate=low)
    make_assessment(period=(2016, 2018), status="validated")  # not published
    make_assessment("CHL", period=(2015, 2018), status="published")  # other country
    make_assessment(model="subnational", scope="Costa Rica", period=(2015, 2018), status="published")  # model
    current = make_assessment(period=(2019, 2022))
    login_as(assigned_facilitator("CRI"))
    assert _previous(client, current) == older.id
    assert _previous(client, older) == oldest.id
    assert _previous(client, oldest) is None

    card = client.get(f"/api/v1/assessments/{current.id}/scorecard").get_json()
    assert card["change"]["overall"]["previous"] == 0.0 and card["change"]["overall"]["current"] is None
    page = client.get(f"/assessments/{current.id}/scorecard").get_data(as_text=True)
    assert "2015–2018" in page

    # a published correction replaces what it revises; a draft correction does not
    draft_fix = make_assessment(period=(2015, 2018), revises=older)
    assert _previous(client, current) == older.id
    fix = make_assessment(period=(2015, 2018), revises=older, status="published")
    assert _previous(client, current) == fix.id
    assert draft_fix.id != fix.id


def test_latest_means_greatest_end_year_then_latest_publication(client, db, assigned_facilitator, login_as,
                                                                make_assessment):
    first = make_assessment(period=(2014, 2018), status="published")
    second = make_assessment(period=(2016, 2018), status="published")
    make_assessment(period=(2012, 2017), status="published")
    current = make_assessment(period=(2019, 2022))
    login_as(assigned_facilitator("CRI"))
    assert _previous(client, current) == second.id != first.id


def test_the_change_is_hidden_from_readers_who_may_not_see_the_previous_assessment(client, make_assessment):
    make_assessment(period=(2015, 2018), status="published", is_public=False)
    current = make_assessment(period=(2019, 2022), status="published", is_public=True)
    card = client.get(f"/api/v1/assessments/{current.id}/scorecard").get_json()  # anonymous
    assert card["previous"] is None and card["change"] is None


# --- regional comparison ---------------------------------------------------------------------------------

def test_regional_comparison_needs_three_countries_and_uses_the_latest_per_country_and_scope(
        client, db, make_user, login_as, make_assessment):
    half = lambda c: level_rating(c, (len(c.elements) + 1) // 2 if c.scoring == "elements" else 1)  # noqa: E731
    make_assessment("CRI", period=(2015, 2018), status="published", rate=half)  # superseded by the next
    cri = make_assessment("CRI", period=(2019, 2022), status="published")
    make_assessment("CHL", period=(2019, 2022), status="published", is_public=False)
    make_assessment("COL", period=(2019, 2022), status="validated")  # not published: not counted
    login_as(make_user("facilitator"))
    assert client.get(f"/api/v1/assessments/{cri.id}/scorecard").get_json()["regional"] is None
    assert 'id="regional-none"' in client.get(f"/assessments/{cri.id}/scorecard").get_data(as_text=True)

    col = make_assessment("COL", period=(2018, 2022), status="published", rate=half)
    card = client.get(f"/api/v1/assessments/{cri.id}/scorecard").get_json()
    regional = card["regional"]
    assert regional["countries"] == 3 and regional["assessments"] == 3  # Chile's is private: it counts
    col_card = client.get(f"/api/v1/assessments/{col.id}/scorecard").get_json()
    scores = {"CRI": 100.0, "CHL": 100.0, "COL": col_card["overall"]["score"]}
    assert regional["overall"]["mean"] == pytest.approx(sum(scores.values()) / 3)
    assert regional["overall"]["min"] == col_card["overall"]["score"] and regional["overall"]["max"] == 100.0
