"""Journey: the demo member answers the vision committee's open round, saving a draft first, then submitting."""
from __future__ import annotations

import pytest

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_member_saves_a_draft_then_submits_the_open_round(page):
    log_in(page, "integrante@demo.cepal.org", demo_password("member"))

    page.goto("/committees/")
    page.locator("a.button[href$='/answer']").click()  # the only open round: the vision committee's
    page.wait_for_url("**/answer")
    assert "visión de desarrollo de largo plazo" in page.locator("legend").first.inner_text()

    textareas = page.locator("fieldset.delphi-item textarea")
    textareas.nth(0).fill("Una visión construida con todos los partidos y revisada cada cinco años.")
    page.locator("#save-draft").click()
    page.wait_for_selector(".flash-success")
    assert "visión construida con todos los partidos" in page.locator("fieldset.delphi-item textarea").nth(0).input_value()
    assert page.locator("#save-draft").count() == 1  # still a draft
    draft_status = page.locator("#response-status").inner_text()

    page.locator("fieldset.delphi-item textarea").nth(1).fill("Los planes de mediano plazo ignoran la visión.")
    selects = page.locator("table.ranking select")
    for index in range(selects.count()):
        selects.nth(index).select_option(str(index + 1))
    page.locator("fieldset.delphi-item textarea").nth(2).fill("El marco institucional sostiene la visión.")
    page.locator("#submit-answers").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#answer-error").count() == 0
    assert page.locator("#save-draft").count() == 0  # submitted: only changes can be submitted now
    assert page.locator("#response-status").inner_text() != draft_status  # "submitted on …"
    assert page.locator("table.ranking select").first.input_value() == "1"
