"""The scorecard PDF of a published subnational assessment carries the coherence section: its ratings beside the
national assessment's, with the counts the two scorecards (read through the API) give, in both languages."""
from __future__ import annotations

import os
import re
from fractions import Fraction

import pytest
import yaml

from whitepaper.catalogue import loader

from .conftest import level_rating

pytestmark = pytest.mark.pdf

MAPPING = os.path.join(loader.DEFAULT_FOLDER, "mappings", "national-subnational.yaml")
LOW = {"SUB-2-01", "SUB-3-04", "SUB-3-06"}  # rated at level 1; every other criterion at its optimum
SUMMARY = {"es": "Pares comparados: {c} de {t}; brechas de dos tramos o más: {f}.",
           "en": "Pairs compared: {c} of {t}; gaps of two bands or more: {f}."}
GAPS = {"es": "Brechas de dos tramos o más", "en": "Gaps of two bands or more"}
APART = {"es": "tramos de distancia", "en": "bands apart"}
PENDING = {"es": "se mantienen hasta que un comité técnico los valide",
           "en": "they stand until a technical committee validates them"}
TITLE = {"es": "Coherencia con la evaluación nacional", "en": "Coherence with the national assessment"}


def _rank(entry: dict) -> int:
    score = 100 * Fraction(min(entry["value"], entry["optimal"]), entry["optimal"])
    return 0 if score < Fraction(100, 3) else 1 if score < Fraction(200, 3) else 2 if score < 100 else 3


@pytest.mark.parametrize("lang", ["es", "en"])
def test_subnational_scorecard_pdf_has_the_coherence_section(app, db, client, make_assessment, pdf_text, lang):
    national = make_assessment("MEX", status="published", is_public=True, rate="all", period=(2019, 2024))
    subnational = make_assessment("MEX", model="subnational", scope="Yucatán", status="published", is_public=True,
                                  period=(2019, 2024),
                                  rate=lambda c: level_rating(c, 1 if c.code in LOW else None))
    cards = {a.id: {c["code"]: c for c in client.get(f"/api/v1/assessments/{a.id}/scorecard").get_json()["criteria"]}
             for a in (national, subnational)}
    with open(MAPPING, encoding="utf-8") as handle:
        links = [(p["from"], t) for p in yaml.safe_load(handle)["pairs"] for t in p["to"]]
    flagged = [(n, s) for n, s in links
               if abs(_rank(cards[national.id][n]) - _rank(cards[subnational.id][s])) >= 2]
    assert flagged and len(flagged) < len(links)

    response = client.get(f"/assessments/{subnational.id}/scorecard.pdf?lang={lang}")  # anonymous: both public
    assert response.status_code == 200
    flat = re.sub(r"\s+", " ", pdf_text(response.data))
    assert TITLE[lang] in flat
    assert SUMMARY[lang].format(c=len(links), t=len(links), f=len(flagged)) in flat
    detail = flat.split(GAPS[lang], 1)[1]  # the flagged pairs, each with both criteria's texts
    assert detail.count(APART[lang]) == len(flagged)
    from whitepaper.assessment import queries
    for code_n, code_s in flagged:
        for assessment, code in ((national, code_n), (subnational, code_s)):
            criterion = queries.criterion_in_version(assessment, code)
            assert f"{code} {criterion.title[lang]}" in detail
            assert " ".join(criterion.description[lang].split()[:8]) in detail
    assert PENDING[lang] in flat

    national_pdf = client.get(f"/assessments/{national.id}/scorecard.pdf?lang={lang}").data
    national_pdf = re.sub(r"\s+", " ", pdf_text(national_pdf))
    assert TITLE[lang] not in national_pdf
