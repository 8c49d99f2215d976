"""Coherence across levels: a published subnational assessment beside its country's published national one.
The numbers on the page are checked against the two scorecards read independently through the JSON API, the
pairs against the mapping file, and the page follows the scorecards' permissions."""
from __future__ import annotations

import os
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
import yaml
from sqlalchemy import select

from whitepaper.catalogue import loader

from .conftest import level_rating

MAPPING = os.path.join(loader.DEFAULT_FOLDER, "mappings", "national-subnational.yaml")
ROW = re.compile(r'<tr data-pair="([A-Z0-9-]+):([A-Z0-9-]+)"(?: class="flagged")?>(.*?)</tr>', re.S)
CELL = {side: re.compile(rf"<td class=\"num\" data-{side}-attainment>([^<]*)</td>")
        for side in ("national", "subnational")}
GAP = re.compile(r"<td class=\"num\" data-gap>([^<\s]*)")


def shown(value: float | None, lang: str = "es") -> str:
    if value is None:
        return "—"
    text = str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text.replace(".", ",") if lang == "es" else text


def band_rank(entry: dict) -> int | None:
    """The band of a scorecard criterion, from its API value and optimum (exact), 0 incipient .. 3 optimal."""
    if entry["status"] in ("not_applicable", "unrated"):
        return None
    value = entry["value"] if entry["status"] == "value" else 0
    score = 100 * Fraction(min(value, entry["optimal"]), entry["optimal"])
    return 0 if score < Fraction(100, 3) else 1 if score < Fraction(200, 3) else 2 if score < 100 else 3


def mapping_links() -> list[tuple[str, str]]:
    with open(MAPPING, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return [(pair["from"], target) for pair in data["pairs"] for target in pair["to"]]


def page_rows(html: str) -> list[tuple[str, str, str, str, str, bool]]:
    rows = []
    for national, subnational, body in ROW.findall(html):
        flagged = f'data-pair="{national}:{subnational}" class="flagged"' in html
        rows.append((national, subnational, CELL["national"].search(body).group(1),
                     CELL["subnational"].search(body).group(1), GAP.search(body).group(1), flagged))
    return rows


def _demo_pair(db):
    from whitepaper import demo
    from whitepaper.models import Assessment, Country, PlanningModel
    demo.load()
    published = db.session.scalars(
        select(Assessment).join(Country).join(PlanningModel)
        .where(Assessment.status == "published", Country.iso3 == "MEX")).all()
    national = next(a for a in published if a.planning_model.key == "national")
    subnational = next(a for a in published if a.planning_model.key == "subnational")
    return national, subnational


def test_demo_coherence_matches_both_scorecards_and_flags_a_gap(app, db, client):
    national, subnational = _demo_pair(db)
    assert subnational.is_public and national.is_public
    # the scorecards, read independently through the API
    cards = {key: {c["code"]: c for c in client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()["criteria"]}
             for key, a in (("national", national), ("subnational", subnational))}
    response = client.get(f"/assessments/{subnational.id}/coherence")  # anonymous: both are published and public
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = page_rows(html)
    assert [(n, s) for n, s, *_ in rows] == mapping_links()
    flagged = 0
    for code_n, code_s, shown_n, shown_s, gap, is_flagged in rows:
        entry_n, entry_s = cards["national"][code_n], cards["subnational"][code_s]
        assert shown_n == shown(None if entry_n["attainment"] is None else 100 * entry_n["attainment"])
        assert shown_s == shown(None if entry_s["attainment"] is None else 100 * entry_s["attainment"])
        rank_n, rank_s = band_rank(entry_n), band_rank(entry_s)
        expected = None if rank_n is None or rank_s is None else abs(rank_n - rank_s)
        assert gap == ("—" if expected is None else str(expected)), (code_n, code_s)
        assert is_flagged is (expected is not None and expected >= 2)
        if is_flagged:
            flagged += 1
            assert f'data-flagged="{code_n}:{code_s}"' in html  # with the criteria's texts below
    assert flagged >= 1
    assert f'<dd id="gaps-flagged">{flagged}</dd>' in html
    assert 'data-provenance="composed"' in html and 'id="mapping-pending"' in html
    assert "Coherencia entre niveles" in html  # Spanish by default


def test_flagged_gap_shows_both_criteria_texts_in_english(app, db, client):
    national, subnational = _demo_pair(db)
    client.set_cookie("lang", "en", domain="localhost")
    html = client.get(f"/assessments/{subnational.id}/coherence").get_data(as_text=True)
    assert "Coherence across levels" in html and "Gaps of two bands or more" in html
    detail = html.split('id="flagged-gaps"', 1)[1]
    codes = re.findall(r'data-flagged="([A-Z0-9-]+):([A-Z0-9-]+)"', detail)
    assert codes
    from whitepaper.assessment import queries
    for code_n, code_s in codes:
        for assessment, code in ((national, code_n), (subnational, code_s)):
            criterion = queries.criterion_in_version(assessment, code)
            assert criterion.description["en"] in detail and criterion.title["en"] in detail


def test_scorecard_pages_link_to_the_coherence_page(app, db, client):
    national, subnational = _demo_pair(db)
    target = f"/assessments/{subnational.id}/coherence?national={national.id}"
    for assessment in (national, subnational):
        page = client.get(f"/assessments/{assessment.id}/scorecard").get_data(as_text=True)
        assert target.replace("&", "&amp;") in page, assessment.planning_model.key
    colombia = next(a for a in db.session.scalars(select(type(national))) if a.country.iso3 == "COL")
    assert 'id="coherence-links"' not in client.get(f"/assessments/{colombia.id}/scorecard").get_data(as_text=True)


def _pair(make_assessment, *, national_public=True, subnational_public=True, sub_status="published",
          national_rate="all", sub_rate=None):
    national = make_assessment("MEX", status="published", is_public=national_public, rate=national_rate,
                               period=(2019, 2024))
    subnational = make_assessment("MEX", model="subnational", scope="Yucatán", status=sub_status,
                                  is_public=subnational_public, period=(2019, 2024),
                                  rate=sub_rate or (lambda c: level_rating(c, 1)))
    return national, subnational


def test_who_may_see_it_follows_the_scorecards(app, db, client, make_assessment, make_user, login_as):
    national, hidden = _pair(make_assessment, subnational_public=False)
    url = f"/assessments/{hidden.id}/coherence"
    assert client.get(url).status_code == 404  # anonymous: the subnational one is not public
    login_as(make_user())  # a signed-in account without a reading role
    assert client.get(url).status_code == 404
    login_as(make_user("observer"))  # observers read published scorecards, public or not
    assert client.get(url).status_code == 200


def test_a_national_assessment_the_reader_may_not_see_hides_the_page(app, db, client, make_assessment):
    national, subnational = _pair(make_assessment, national_public=False)
    assert client.get(f"/assessments/{subnational.id}/scorecard").status_code == 200
    assert client.get(f"/assessments/{subnational.id}/coherence").status_code == 404
    page = client.get(f"/assessments/{subnational.id}/scorecard").get_data(as_text=True)
    assert "/coherence" not in page


def test_drafts_and_national_assessments_have_no_coherence_page(app, db, client, make_assessment, make_user,
                                                                 login_as):
    national, draft = _pair(make_assessment, sub_status="draft")
    login_as(make_user("admin"))
    assert client.get(f"/assessments/{draft.id}/coherence").status_code == 404
    assert client.get(f"/assessments/{national.id}/coherence").status_code == 404  # not a subnational one
    assert client.get("/assessments/999999/coherence").status_code == 404
    assert 'id="coherence-links"' not in client.get(f"/assessments/{national.id}/scorecard").get_data(as_text=True)


def test_the_national_counterpart_may_be_chosen_and_bad_input_is_refused(app, db, client, make_assessment):
    older = make_assessment("MEX", status="published", is_public=True, rate="all", period=(2013, 2018))
    national, subnational = _pair(make_assessment)
    other = make_assessment("COL", status="published", is_public=True, rate="all")
    url = f"/assessments/{subnational.id}/coherence"
    default = client.get(url).get_data(as_text=True)  # the national one whose period overlaps
    assert f"/assessments/{national.id}/scorecard" in default and f"/assessments/{older.id}/scorecard" not in default
    chosen = client.get(f"{url}?national={older.id}")
    assert chosen.status_code == 200 and f"/assessments/{older.id}/scorecard" in chosen.get_data(as_text=True)
    assert client.get(f"{url}?national={other.id}").status_code == 404  # another country's
    refused = client.get(f"{url}?national=abc")
    assert refused.status_code == 400
    assert "The national assessment must be given by its number." in refused.get_data(as_text=True) or \
        "La evaluación nacional debe indicarse por su número." in refused.get_data(as_text=True)


def test_not_applicable_ratings_are_shown_but_never_flagged(app, db, client, make_assessment):
    from whitepaper.assessment.forms import RatingData

    def rate(criterion):
        if criterion.code == "SUB-2-01":
            return RatingData(kind="not_applicable", justification="No aplica en este territorio.")
        return level_rating(criterion, 1)
    national, subnational = _pair(make_assessment, sub_rate=rate, subnational_public=True)
    rows = page_rows(client.get(f"/assessments/{subnational.id}/coherence").get_data(as_text=True))
    participation = next(r for r in rows if r[1] == "SUB-2-01")
    assert participation[3] == "—" and participation[4] == "—" and participation[5] is False
    others = [r for r in rows if r[1] != "SUB-2-01"]
    assert others and all(r[5] for r in others)  # the national optimum against level 1: two bands or more


def test_pairs_missing_from_a_version_are_listed_and_no_mapping_means_no_page(app, db, client, make_assessment,
                                                                              monkeypatch):
    from whitepaper.assessment import coherence
    from whitepaper.catalogue import mappings
    national, subnational = _pair(make_assessment)
    real = mappings.shipped("national", "subnational")
    extra = mappings.Pair("NAC-9-99", ("SUB-1-01",), {"es": "Materia", "en": "Matter"})
    patched = mappings.Mapping(real.key, real.source_model, real.target_model, real.title, real.description,
                               {**real.provenance, "validated_by": "Votación 3"}, [*real.pairs, extra])
    monkeypatch.setattr(coherence.mappings, "shipped", lambda source, target: patched)
    html = client.get(f"/assessments/{subnational.id}/coherence").get_data(as_text=True)
    assert "NAC-9-99 → SUB-1-01" in html
    assert 'data-provenance="composed"' in html and 'id="mapping-pending"' not in html  # validated
    monkeypatch.setattr(coherence.mappings, "shipped", lambda source, target: None)
    assert client.get(f"/assessments/{subnational.id}/coherence").status_code == 404
    assert coherence.partners(subnational, None) == []


def test_band_arithmetic():
    from whitepaper.assessment import coherence
    assert coherence.bands_apart("incipient", "consolidated") == 2
    assert coherence.bands_apart("optimal", "developing") == 2
    assert coherence.bands_apart("developing", "consolidated") == 1
    assert coherence.bands_apart(None, "optimal") is None


@pytest.mark.parametrize("level, band", [(1, "incipient"), (2, "developing"), (3, "consolidated"), (4, "optimal")])
def test_band_of_a_four_level_criterion(level, band):
    from whitepaper.assessment import coherence, scoring
    result = scoring.criterion_result(scoring.CriterionSpec("SUB-2-01", "design", 1, 4, 4),
                                      scoring.RatingInput.of(level), None)
    assert coherence.band_of(result) == band
