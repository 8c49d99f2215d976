"""A live server on 127.0.0.1 (SQLite, demo data) and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import contextlib
import threading

import pytest
from werkzeug.serving import make_server

from ..conftest import base_config, prepare_database
from ..system import CHROMIUM, has_chromium, require

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@contextlib.contextmanager
def demo_server(folder, prepare=None):
    """A threaded server on 127.0.0.1 (CSRF on) over a new SQLite database in `folder` holding the demo data,
    after `prepare()` (run in the app context) adds what a journey needs; yields (base URL, app, what prepare
    returned)."""
    from whitepaper import create_app, demo
    from whitepaper.extensions import db
    url = "sqlite:///" + str(folder / "live.sqlite")
    prepare_database(url)
    app = create_app({**base_config(url), "WTF_CSRF_ENABLED": True, "TESTING": False, "SERVER_NAME": None})
    with app.app_context():
        demo.load()
        prepared = prepare() if prepare else None
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app, prepared
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("live")) as (url, _app, _prepared):
        yield url


@pytest.fixture(scope="session")
def browser():
    require(has_chromium(), "Chromium (Debian package chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="es-ES")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def log_in(page, email: str, password: str) -> None:
    """Logs in through the Spanish login form, as a person would, and waits for the home page."""
    page.goto("/login")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url("**/")
