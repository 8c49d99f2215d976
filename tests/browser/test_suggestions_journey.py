"""Journey: the demo facilitator opens the systemizing workspace of the vision committee's open round (answered,
not coded yet), adds a code, sees it suggested for the answer that speaks of it, with a control that says
nothing is applied until accepted, accepts it (a real form, CSRF token included) and finds the coding recorded
on that answer, which then no longer asks for suggestions."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

LABEL = "Custodia institucional de la visión"
DEFINITION = "Una ley y un organismo permanente custodian la visión de país y rinden cuentas de su avance."
ANSWER = "no existe un organismo permanente que custodie la visión"


def _load_the_libraries() -> None:
    """The live server runs in this process: scikit-learn is imported once here, so that the first workspace
    does not spend the page's time limit on a busy machine importing it (a one-off cost of each process)."""
    from whitepaper.delphi.rounds import suggestions
    suggestions.clusters(suggestions.TfidfSuggester(), [(1, "ley y organismo"), (2, "ley y consejo")])


def test_facilitator_accepts_a_suggested_code_and_sees_the_coding(page):
    _load_the_libraries()
    log_in(page, "facilitadora@demo.cepal.org", demo_password("facilitator"))
    page.goto("/committees/")
    vision = page.get_by_role("region", name="Modelo de visiones de desarrollo de largo plazo")
    vision.get_by_role("link", name="Ronda 1", exact=True).click()
    page.get_by_role("navigation", name="Ronda").get_by_role("link", name="Sistematizar respuestas").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sistematizar las respuestas")

    codebook = page.get_by_role("complementary", name="Libro de códigos")
    codebook.get_by_label("Etiqueta (español)").fill(LABEL)
    codebook.get_by_label("Definición (español)").fill(DEFINITION)
    codebook.get_by_role("button", name="Agregar el código").click()
    expect(page.locator(".flash, [role=status], .notice").filter(has_text=LABEL).first).to_be_visible()

    answer = page.locator("article.open-answer").filter(has=page.locator(".answer-text", has_text=ANSWER))
    expect(answer).to_have_count(1)
    anchor = answer.get_attribute("id")
    suggestions = answer.locator(".suggestions")
    expect(suggestions).to_contain_text("nada se aplica hasta que usted lo acepte")
    expect(suggestions).to_contain_text("Se parece al nombre y la definición del código.")  # no coding yet
    expect(answer.locator(".codings")).to_have_count(0)
    suggestions.get_by_role("button", name=f"Aceptar el código sugerido {LABEL}").click()

    expect(page).to_have_url(re.compile(rf"/systemize#{anchor}$"))
    answer = page.locator(f"#{anchor}")
    expect(answer.locator(".codings .badge")).to_have_text([LABEL])
    expect(answer.locator(".suggestions")).to_have_count(0)
    # the coded answer is now the evidence offered beside the same code on the others
    evidence = page.locator(".suggestions .meta").filter(has_text="Fragmento codificado más parecido:")
    expect(evidence.filter(has_text=ANSWER).first).to_be_visible()
    expect(page.get_by_role("complementary", name="Libro de códigos").locator(".suggestion-counts")).to_contain_text(
        re.compile(r"Aceptadas: [1-9]\d*"))
    # the codebook counts it too
    row = page.get_by_role("complementary", name="Libro de códigos").locator("tbody tr").filter(has_text=LABEL)
    expect(row.locator("td.num").first).to_have_text("1")
