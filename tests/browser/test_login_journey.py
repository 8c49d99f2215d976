"""Journey: log in, switch the language, log out, in a real browser."""
from __future__ import annotations

from whitepaper.demo import demo_password

from .conftest import log_in


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
