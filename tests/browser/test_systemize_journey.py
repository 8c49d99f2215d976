"""Journey: the demo facilitator opens the systemizing workspace of the sectoral committee's published open
round: every open answer is coded, under a pseudonym and never a name; the codebook's counts are the answers
the page shows with each code; a code opens on its own page and leads back to the workspace."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

CODE = "Vínculo entre plan, presupuesto e inversión"


def test_facilitator_reads_the_codebook_of_a_published_open_round(page):
    log_in(page, "facilitadora@demo.cepal.org", demo_password("facilitator"))
    page.goto("/committees/")
    sectoral = page.get_by_role("region", name="Modelo sectorial de planificación del desarrollo")
    sectoral.get_by_role("link", name="Ronda 1", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ronda 1 · Ronda abierta")
    page.get_by_role("navigation", name="Ronda").get_by_role("link", name="Sistematizar respuestas").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sistematizar las respuestas: Ronda 1")
    expect(page.locator("#uncoded")).to_contain_text("0 de 24 respuestas aún sin codificar.")
    answers = page.locator("article.open-answer")
    expect(answers).to_have_count(24)  # twelve members, two open questions
    expect(answers.first.locator("header strong")).to_have_text(re.compile(r"^P-\d{2}$"))
    expect(page.get_by_text("Iván Integrante")).to_have_count(0)  # a pseudonym and a country, never a name

    codebook = page.get_by_role("complementary", name="Libro de códigos")
    rows = codebook.locator("tbody tr")
    expect(rows).to_have_count(10)
    for name in (CODE, "Rectoría sectorial efectiva", "Alineación con el plan nacional"):
        coded = answers.filter(has=page.locator(".codings .badge", has_text=name))
        counts = rows.filter(has=page.get_by_role("link", name=name)).locator("td.num")
        countries = set(coded.locator("header").evaluate_all(  # "<strong>P-02</strong> · Paraguay <badge>"
            "headers => headers.map(h => h.querySelector('strong').nextSibling.textContent.replace('·', '').trim())"))
        expect(counts).to_have_text([str(coded.count()), str(len(countries))])  # answers, countries

    codebook.get_by_role("link", name=CODE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Código: {CODE}")
    expect(page.locator("main")).to_contain_text("Las metas del plan se reflejan en el presupuesto plurianual")
    page.get_by_role("link", name="Volver al espacio de trabajo").click()
    expect(page).to_have_url(re.compile(r"/systemize#codebook$"))
    expect(codebook).to_be_visible()
