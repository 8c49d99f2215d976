"""The PDF scorecard says what the page and the API say: checked by extracting its text."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import pytest

from .conftest import level_rating

pytestmark = pytest.mark.pdf


def varied(criterion):
    """A deterministic spread of values across the scale, complete."""
    k = len(criterion.levels) if criterion.scoring == "levels" else len(criterion.elements)
    low = 1 if criterion.scoring == "levels" else 0
    seed = sum(ord(ch) for ch in criterion.code)
    return level_rating(criterion, low + seed % (k - low + 1))


def shown(value: float, lang: str) -> str:
    text = str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text.replace(".", ",") if lang == "es" else text


def _api_scorecard(client, assessment_id):
    return client.get(f"/api/v1/assessments/{assessment_id}/scorecard").get_json()


DIMENSIONS = {"es": ["Marco institucional", "Diseño", "Implementación", "Resultados",
                     "Agenda de desarrollo sostenible"],
              "en": ["Institutional framework", "Design", "Implementation", "Outcomes",
                     "Sustainable development agenda"]}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_scorecard_pdf_has_the_country_dimensions_and_every_api_score(app, client, make_assessment, make_user,
                                                                       login_as, pdf_text, lang):
    assessment = make_assessment("CRI", status="published", rate=varied, is_public=True)
    login_as(make_user("admin"))
    api = _api_scorecard(client, assessment.id)
    response = client.get(f"/assessments/{assessment.id}/scorecard.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    flat = re.sub(r"\s+", " ", text)
    assert "Costa Rica" in text
    for title in DIMENSIONS[lang]:
        assert title in flat
    assert shown(api["overall"]["score"], lang) in text
    for dimension in api["dimensions"]:
        assert shown(dimension["score"], lang) in text, dimension
    for criterion in api["criteria"]:
        if criterion["attainment"] is not None:
            assert shown(100 * criterion["attainment"], lang) in text, criterion
    assert ("PROVISIONAL" in text) is api["provisional"] is False


def test_a_draft_scorecard_is_marked_provisional(app, client, make_assessment, make_user, login_as, pdf_text):
    assessment = make_assessment("CRI", rate=lambda c: varied(c) if c.code.startswith("NAC-1") else None)
    login_as(make_user("admin"))
    text = pdf_text(client.get(f"/assessments/{assessment.id}/scorecard.pdf?lang=es").data)
    assert "PROVISIONAL" in text
    assert "no todos los criterios" in text.lower() or "calificación completa" in text


def test_cli_writes_pdf_and_self_contained_html_that_weasyprint_reproduces(app, runner, make_assessment, tmp_path,
                                                                          pdf_text, pdf_pages, pdf_outline):
    assessment = make_assessment("CRI", status="published", rate=varied)
    out, html = tmp_path / "card.pdf", tmp_path / "card.html"
    result = runner.invoke(args=["scorecard", str(assessment.id), "--out", str(out), "--html", str(html),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    source = html.read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(?!#|data:)', source), "the HTML must not refer to outside files"
    assert pdf_pages(str(out)) >= 9   # cover, contents, summary, five dimensions, plan, annex, method
    outline = pdf_outline(str(out))
    assert "Executive summary" in outline and "Improvement plan" in outline
    assert any(title.endswith("Design") for title in outline)
    again = tmp_path / "again.pdf"
    weasyprint = os.path.join(os.path.dirname(sys.executable), "weasyprint")
    subprocess.run([weasyprint, str(html), str(again)], check=True, capture_output=True)
    assert pdf_text(str(again)) == pdf_text(str(out))


def test_pdf_metadata_names_the_document_and_language(app, runner, make_assessment, tmp_path):
    assessment = make_assessment("CRI", status="published", rate=varied)
    out = tmp_path / "card.pdf"
    runner.invoke(args=["scorecard", str(assessment.id), "--out", str(out), "--lang", "es"])
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, check=True).stdout.decode()
    assert "Title:" in info and "Costa Rica" in info and "ILPES" in info and "Tagged:          yes" in info


def test_an_unchanged_scorecard_is_not_rendered_again(app, client, make_assessment, make_user, login_as,
                                                      monkeypatch):
    from whitepaper.reports import pdf
    assessment = make_assessment("CRI", status="published", rate=varied)
    login_as(make_user("admin"))
    calls = []
    original = pdf.render
    monkeypatch.setattr(pdf, "render", lambda html: calls.append(1) or original(html))
    first = client.get(f"/assessments/{assessment.id}/scorecard.pdf?lang=es").data
    second = client.get(f"/assessments/{assessment.id}/scorecard.pdf?lang=es").data
    assert first == second and len(calls) == 1
    client.get(f"/assessments/{assessment.id}/scorecard.pdf?lang=en")
    assert len(calls) == 2


def test_another_countrys_assessor_cannot_download_a_draft_scorecard(app, client, make_assessment, make_user,
                                                                     login_as):
    assessment = make_assessment("CRI", rate=varied)
    login_as(make_user("assessor", country="CHL"))
    assert client.get(f"/assessments/{assessment.id}/scorecard.pdf").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/assessments/{assessment.id}/scorecard.pdf").status_code == 404  # as if it did not exist


def test_a_published_public_scorecard_downloads_without_logging_in(app, make_assessment, pdf_text):
    assessment = make_assessment("CRI", status="published", rate=varied, is_public=True)
    response = app.test_client().get(f"/assessments/{assessment.id}/scorecard.pdf?lang=en")
    assert response.status_code == 200 and "Costa Rica" in pdf_text(response.data)
    private = make_assessment("CHL", status="published", rate=varied, is_public=False)
    assert app.test_client().get(f"/assessments/{private.id}/scorecard.pdf").status_code == 404


@pytest.mark.parametrize("lang", ["es", "en"])
def test_scorecard_pdf_names_every_alert_and_shows_the_overall_score_as_the_page_does(
        app, client, make_assessment, make_user, login_as, pdf_text, lang):
    assessment = make_assessment("CRI", status="published", rate=varied, is_public=True)
    login_as(make_user("admin"))
    api = _api_scorecard(client, assessment.id)
    model = client.get("/api/v1/models/national").get_json()
    titles = {alert["key"]: alert["title"][lang] for alert in model["alerts"]}
    flat = re.sub(r"\s+", " ", pdf_text(client.get(f"/assessments/{assessment.id}/scorecard.pdf?lang={lang}").data))
    assert api["alerts"], "the varied ratings raise no alert: the test would prove nothing"
    for alert in api["alerts"]:
        # a long title wraps inside its table cell: its first words are on one line
        assert " ".join(titles[alert["key"]].split()[:4]) in flat, alert["key"]
        if alert["value"] is not None:
            assert shown(alert["value"], lang) in flat, alert["key"]
    client.post("/lang", data={"lang": lang})  # the page speaks the reader's chosen language
    page = client.get(f"/assessments/{assessment.id}/scorecard").get_data(as_text=True)
    overall_on_page = re.search(r'id="overall-score">\s*([^<\s]+)\s*<', page).group(1)
    assert overall_on_page == shown(api["overall"]["score"], lang)
    assert overall_on_page in flat


def test_scorecard_pdf_is_tagged_with_headings_tables_and_alternate_texts(app, runner, make_assessment, tmp_path,
                                                                        pdf_structure):
    assessment = make_assessment("CRI", status="published", rate=varied)
    out = tmp_path / "card.pdf"
    assert runner.invoke(args=["scorecard", str(assessment.id), "--out", str(out), "--lang", "en"]).exit_code == 0
    tags, alts = pdf_structure(str(out))
    assert tags.get("H1", 0) >= 1 and tags.get("H2", 0) >= 5      # the title, and a heading per dimension
    assert tags.get("Table", 0) >= 6 and tags.get("TH", 0) >= 20    # tables with header cells
    assert tags.get("Figure", 0) >= 1 and len(alts) == tags["Figure"]  # every figure says what it shows
    assert any(alt.startswith("Profile by dimension") for alt in alts)
