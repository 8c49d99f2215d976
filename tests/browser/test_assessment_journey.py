"""Journey: the demo assessor opens her country's subnational draft, rates a criterion (autosaved, with the
progress updated and nothing lost on reload), and opens the scorecard."""
from __future__ import annotations

from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in


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
