"""Journey: the demo assessor opens her country's subnational draft, rates a criterion (autosaved, with the
progress updated and nothing lost on reload), and opens the scorecard."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_assessor_rates_a_criterion_with_autosave_and_opens_the_scorecard(page):
    log_in(page, "evaluadora@demo.cepal.org", demo_password("assessor"))

    page.goto("/assessments/?status=draft")
    page.get_by_role("link", name="Región Huetar Norte").click()
    page.locator("#open-rating").click()
    page.wait_for_selector(".dimension-nav")
    page.locator(".dimension-nav a[href*='/rate/implementation']").click()
    page.wait_for_url("**/rate/implementation")

    form = page.locator("#form-SUB-3-01")
    progress = page.locator('[data-progress-text="implementation"]')
    before = progress.inner_text()
    assert form.locator('input[name="version"]').input_value() == "0"
    form.locator("label[for='SUB-3-01-l3']").click()  # the level descriptors are the choices
    expect(form.locator('input[name="version"]')).to_have_value("1")  # autosaved: the stored version moved
    assert form.locator(".save-status").inner_text().strip() != ""
    assert form.locator(".state-incomplete").count() == 1  # rated, but not complete yet

    form.locator("textarea[name='justification']").fill("Las responsabilidades están asignadas en el plan "
                                                          "regional, pero no siempre se cumplen.")
    form.locator("textarea[name='means_of_verification']").fill("Plan Regional de Desarrollo, capítulo 4.")
    form.locator(".state-complete").wait_for()
    assert progress.inner_text() != before  # the dimension's progress moved without reloading

    page.reload()
    form = page.locator("#form-SUB-3-01")
    assert form.locator("#SUB-3-01-l3").is_checked()  # nothing lost
    assert "capítulo 4" in form.locator("textarea[name='means_of_verification']").input_value()

    page.locator("a[href$='/scorecard']").first.click()
    page.wait_for_url("**/scorecard")
    assert page.locator("#provisional").is_visible()  # a draft's scorecard says it is provisional
    assert page.locator("#overall-score").inner_text().strip() not in ("", "—")
    assert page.locator("svg.chart-radar, figure.radar svg").count() >= 1


def test_two_people_editing_the_same_criterion_see_a_conflict_and_choose(page):
    log_in(page, "evaluadora@demo.cepal.org", demo_password("assessor"))
    page.goto("/assessments/?status=draft")
    page.get_by_role("link", name="Región Huetar Norte").click()
    draft_url = page.url
    other = page.context.new_page()
    for tab in (page, other):  # both open the same criterion, as two laptops in the workshop would
        tab.goto(draft_url + "/criteria/SUB-4-01")
    mine, theirs = page.locator("#form-SUB-4-01"), other.locator("#form-SUB-4-01")

    theirs.locator("label[for='SUB-4-01-l2']").click()
    expect(theirs.locator('input[name="version"]')).to_have_value("1")

    mine.locator("label[for='SUB-4-01-l4']").click()  # saved from version 0: refused
    box = mine.locator("[data-conflict]")
    expect(box).to_be_visible()
    assert "2" in box.locator("[data-theirs]").inner_text() and "4" in box.locator("[data-yours]").inner_text()
    expect(mine.locator('input[name="version"]')).to_have_value("1")

    box.locator("[data-overwrite]").click()  # the person chooses: overwrite with mine
    expect(mine.locator('input[name="version"]')).to_have_value("2")
    other.reload()
    assert other.locator("#SUB-4-01-l4").is_checked()


def test_assessor_creates_a_national_assessment_and_rates_a_criterion_by_its_elements(page):
    """A new draft of its own (no other journey touches it): the national model is rated by verification
    elements, and an element worded negatively counts as favourable when it is absent."""
    log_in(page, "evaluadora@demo.cepal.org", demo_password("assessor"))
    page.goto("/assessments/")
    page.get_by_role("link", name="Nueva autoevaluación").click()
    page.get_by_label("Modelo de planificación y versión del catálogo").select_option(
        label="Modelo nacional de planificación del desarrollo — 2017 (aprobada)")
    page.get_by_label("Ámbito").fill("Costa Rica, taller de prueba")
    page.get_by_label("Período: primer año").fill("2027")
    page.get_by_label("Período: último año").fill("2030")
    page.get_by_label("Organizaciones participantes").fill("MIDEPLAN")
    page.get_by_label("Personas participantes").fill("Ana Rojas; MIDEPLAN; Grupo 1\nLuis Mora; MIDEPLAN; Grupo 1")
    page.get_by_role("button", name="Crear").click()
    # a group that is not among the workshop's groups is refused, next to the field, with nothing lost
    expect(page.locator("#participants-error")).to_contain_text("«Grupo 1», que no está en la lista de grupos")
    expect(page.get_by_label("Ámbito")).to_have_value("Costa Rica, taller de prueba")
    page.get_by_label("Grupos del taller").fill("Grupo 1")
    page.get_by_role("button", name="Crear").click()

    expect(page.locator(".flash-success")).to_contain_text("Se creó la autoevaluación.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Marco institucional")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Costa Rica, taller de prueba 2027–2030")
    progress = page.locator('[data-progress-text="institutional"]')
    expect(progress).to_have_text("0 de 6")

    form = page.locator("#form-NAC-1-02")
    form.get_by_label("Se califica por sus elementos de análisis").check()
    states = {1: "presente", 2: "presente", 3: "presente", 4: "presente", 5: "presente",
              6: "ausente",  # "Existe órgano rector … o su rol no es claro": favourable when absent
              7: "ausente"}
    for number, state in states.items():
        form.get_by_label(f"NAC-1-02.{number}: {state}").check()
    expect(form.locator(".state-incomplete")).to_be_visible()  # a value, still without justification
    expect(form.locator(".save-status")).to_contain_text("Guardado")

    form.get_by_label("Justificación", exact=True).fill("MIDEPLAN dicta lineamientos que las instituciones "
                                                         "usan, pero no tiene atribuciones sobre las autónomas.")
    form.get_by_label("Medio de verificación").fill("Ley 5525 de Planificación Nacional; informes de MIDEPLAN.")
    expect(form.locator(".state-complete")).to_be_visible()
    expect(progress).to_have_text("1 de 6")  # moved without reloading

    page.reload()
    form = page.locator("#form-NAC-1-02")
    expect(form.get_by_label("NAC-1-02.6: ausente")).to_be_checked()
    expect(form.get_by_label("NAC-1-02.1: presente")).to_be_checked()
    expect(form.get_by_label("Medio de verificación")).to_have_value(
        "Ley 5525 de Planificación Nacional; informes de MIDEPLAN.")
    expect(progress).to_have_text("1 de 6")

    page.get_by_role("link", name="Ficha de resultados").click()
    expect(page.locator("#provisional")).to_be_visible()
    row = page.locator("table.criteria tr", has=page.locator("code", has_text="NAC-1-02"))
    expect(row).to_contain_text("6 de 7 favorables")  # five present plus the negative one absent
    expect(page.locator('[data-attainment="NAC-1-02"]')).to_have_text("85,7")
    expect(page.locator('[data-dimension-score="institutional"]')).to_have_text("85,7")
