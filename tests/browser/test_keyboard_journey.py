"""Journey with the keyboard only: the skip link appears on the first Tab and moves the focus to the main
content, so the next Tab lands in the content, not in the header; the language switch works with Enter and
with Space."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _tab_to(page, selector: str, limit: int = 15) -> None:
    """Presses Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never received the focus after {limit} presses of Tab")


def test_keyboard_user_skips_to_the_content_and_switches_the_language(page):
    page.goto("/catalogue/")
    skip = page.get_by_role("link", name="Ir al contenido principal")
    expect(skip).not_to_be_in_viewport()  # out of sight until it has the focus

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the first stop after the skip is inside the content
    expect(page.locator("main").get_by_role("link", name="Modelo nacional de planificación del desarrollo")) \
        .to_be_focused()

    _tab_to(page, "#lang-en")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/catalogue/$"))  # the same page, now in English
    expect(page.get_by_role("heading", level=1)).to_have_text("Planning models")

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    _tab_to(page, "#lang-es")
    page.keyboard.press("Space")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Modelos de planificación")
