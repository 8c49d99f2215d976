"""Journey: log in, switch the language, log out, in a real browser."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_log_in_switch_language_and_log_out(page):
    page.goto("/")
    assert page.url.endswith("/login?next=/")
    assert page.locator("html").get_attribute("lang") == "es"
    log_in(page, "admin@demo.cepal.org", demo_password("admin"))
    assert page.get_by_role("heading", level=1).inner_text() == "Le damos la bienvenida al Planbarómetro"

    page.locator("#lang-en").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome to the Planbarómetro"
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"   # the choice sticks

    page.locator("#logout").click()
    page.wait_for_url("**/login")
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    page.goto("/admin/users")
    assert "/login" in page.url

    # Leave the admin's language as the demo has it: other journeys on this server (on this pytest worker,
    # in whatever order) log the admin in and read the Spanish interface.
    page.get_by_label("E-mail").fill("admin@demo.cepal.org")
    page.get_by_label("Password").fill(demo_password("admin"))
    page.locator("#login-submit").click()
    page.wait_for_url("**/admin/users")
    page.locator("#lang-es").click()
    page.wait_for_selector("html[lang=es]")


def test_wrong_password_shows_the_reason_next_to_the_field(page):
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill("admin@demo.cepal.org")
    page.get_by_label("Contraseña").fill("not-the-password")
    page.locator("#login-submit").click()
    error = page.locator("#password-error")
    error.wait_for()
    assert "no son correctos" in error.inner_text()
    assert page.get_by_label("Contraseña").get_attribute("aria-invalid") == "true"


def test_keyboard_users_can_skip_to_the_content(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"


def test_wrong_password_in_spanish_then_in_english_then_the_right_one(page):
    """Two failures for the observer, far below the throttle (five per account, twenty per address)."""
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill("observador@demo.cepal.org")
    page.get_by_label("Contraseña").fill("contraseña-equivocada")
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.locator("#password-error")).to_have_text("El correo electrónico o la contraseña no son correctos.")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("link", name="Forgot your password?")).to_be_visible()
    expect(page.locator("#password-error")).to_have_count(0)  # a fresh form, in the other language

    page.get_by_label("E-mail").fill("observador@demo.cepal.org")
    page.get_by_label("Password").fill("still-the-wrong-one")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#password-error")).to_have_text("The e-mail or the password is not correct.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Password").fill(demo_password("observer"))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the Planbarómetro")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Reports for the CRP")
