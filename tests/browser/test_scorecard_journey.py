"""Journeys through published scorecards: an anonymous visitor reads a public one (five dimension scores, the
radar chart, the change since the previous assessment) and never sees a published but non-public one; an
observer downloads a scorecard's PDF."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

DIMENSIONS = ["Marco institucional", "Diseño", "Implementación", "Resultados",
              "Agenda de desarrollo sostenible (compromisos globales)"]
SCORE = re.compile(r"^\d{1,3},\d$")  # a score as people read it in Spanish: one decimal, decimal comma


def test_anonymous_visitor_reads_a_public_scorecard_with_its_five_dimensions_and_radar(page):
    page.goto("/assessments/published")
    expect(page.get_by_role("heading", level=1)).to_have_text("Autoevaluaciones publicadas")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="Colombia")).to_have_count(1)
    expect(rows.filter(has_text="Chile")).to_have_count(0)  # Chile's is published but not public

    rows.filter(has_text="Costa Rica").filter(has_text="2019–2022").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ficha de resultados: Costa Rica · 2019–2022")
    expect(page.locator("#overall-score")).to_have_text(SCORE)
    expect(page.locator("dl.facts").first).to_contain_text("Cambio desde 2015–2018")  # its previous one

    table = page.locator("table.dimensions tbody tr")
    expect(table).to_have_count(5)
    for row, title in zip(table.all(), DIMENSIONS):
        expect(row.get_by_role("rowheader")).to_have_text(title)
        expect(row.locator("[data-dimension-score]")).to_have_text(SCORE)

    radar = page.get_by_role("img", name="Perfil por dimensión (0–100)")
    expect(radar).to_be_visible()
    expect(radar).to_have_attribute("class", re.compile(r"\bchart-radar\b"))
    institutional = page.locator('[data-dimension-score="institutional"]').inner_text()
    expect(radar.locator("desc")).to_contain_text(f"Marco institucional: {institutional}")  # the same number
    expect(radar.locator("text.axis-label", has_text="Implementación")).to_have_count(1)


def test_observer_downloads_a_scorecard_as_pdf(page):
    log_in(page, "observador@demo.cepal.org", demo_password("observer"))
    page.goto("/assessments/published")
    page.locator("tbody tr", has_text="Colombia").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ficha de resultados: Colombia · 2018–2022")

    # the first PDF of the session starts WeasyPrint: give it more than the usual 10 s
    with page.expect_response(re.compile(r"/scorecard\.pdf$"), timeout=60_000) as answer, \
            page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Descargar el PDF").click(timeout=60_000)
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "application/pdf"
    assert download.value.suggested_filename == "ficha-COL-2018-2022-es.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
