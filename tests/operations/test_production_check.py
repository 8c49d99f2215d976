"""The production recipe's pieces that can be checked without starting it (`make production-check` starts it):
the HTML reading of deploy/pages.py, the cookies passed on as the proxy does, the files of deploy/ agreeing with
the configuration, and PROXY_COUNT taking the client's address from the proxy only when it is set."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from deploy import pages
from whitepaper import config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

PAGE = """
<form method="post" action="/logout"><input type="hidden" name="csrf_token" value="tok-1"></form>
<form method="post" class="rating-form" id="form-SUB-1-01" action="/assessments/7/criteria/SUB-1-01"
      data-autosave="/assessments/7/criteria/SUB-1-01/autosave">
  <input type="hidden" name="csrf_token" value="tok-2"><input type="hidden" name="version" value="3">
  <span class="badge state-incomplete">incomplete</span>
  <input type="radio" name="choice" value="1"><input type="radio" name="choice" value="2" checked>
  <input type="radio" name="choice" value="na">
  <textarea name="justification">Ya &amp; listo</textarea>
  <input type="text" name="locked" value="x" disabled><input type="file" name="evidence_file">
  <button type="submit" name="go">Save</button>
</form>
<a href="/assessments/7/rate/design">Diseño
   del plan</a>
"""


def test_forms_are_read_as_a_browser_would_submit_them():
    logout, rating = pages.forms(PAGE)
    assert logout.action == "/logout" and logout.fields == {"csrf_token": "tok-1"}
    assert rating.id == "form-SUB-1-01" and rating.attrs["data-autosave"].endswith("/autosave")
    assert rating.fields == {"csrf_token": "tok-2", "version": "3", "choice": "2", "justification": "Ya & listo"}
    assert rating.choices == {"choice": ["1", "2", "na"]}
    assert "state-incomplete" in rating.classes and "state-complete" not in rating.classes
    assert pages.csrf_token(PAGE) == "tok-1"
    assert pages.form_posting_to(PAGE, "/criteria/SUB-1-01") is not None
    assert pages.links(PAGE) == [("/assessments/7/rate/design", "Diseño del plan")]
    assert pages.link_matching(PAGE, r"/rate/\w+$") == "/assessments/7/rate/design"


def test_a_page_without_what_is_looked_for_says_so():
    with pytest.raises(ValueError, match="CSRF"):
        pages.csrf_token("<form><input name='q'></form>")
    with pytest.raises(ValueError, match="/submit"):
        pages.form_posting_to(PAGE, "/submit")
    with pytest.raises(ValueError, match="no link"):
        pages.link_matching(PAGE, r"/ballots/")


def test_secure_cookies_are_passed_on_and_deleted_cookies_forgotten():
    jar = pages.ProxyCookies()
    jar.take(["session=abc; Secure; HttpOnly; Path=/; SameSite=Lax", "lang=es; Path=/"])
    assert jar.values == {"session": "abc", "lang": "es"} and jar.secure == {"session": True, "lang": False}
    assert jar.header() == "session=abc; lang=es"
    jar.take(["session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; Path=/"])
    assert jar.values == {"lang": "es"}
    jar.take(["lang=en; Expires=Thu, 01 Jan 2099 00:00:00 GMT; Path=/"])
    assert jar.values == {"lang": "en"}


def _readme_configuration_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Configuration", 1)[1].split("Command line", 1)[0]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)", line.split("|")[1]))
    return names


def test_env_example_names_every_setting():
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    from_readme = _readme_configuration_variables()
    assert {"DATABASE_URL", "SECRET_KEY", "PUBLIC_URL"} <= from_readme  # the table was found
    assert from_readme - {"PORT"} <= named | {"PROMETHEUS_MULTIPROC_DIR"}  # that one is set by the unit files
    assert set(config.ENV_KEYS + config.SESSION_ENV_KEYS) <= named
    assert "PROMETHEUS_MULTIPROC_DIR" in text and "PORT" in text
    assert re.search(r"^SECRET_KEY=CHANGE-ME$", text, flags=re.MULTILINE)  # no real secret shipped


def test_units_gunicorn_and_nginx_agree():
    web = (DEPLOY / "whitepaper-web.service").read_text(encoding="utf-8")
    worker = (DEPLOY / "whitepaper-worker.service").read_text(encoding="utf-8")
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/whitepaper/env" in unit and "User=whitepaper" in unit
        assert "PROMETHEUS_MULTIPROC_DIR=/run/whitepaper-metrics" in unit
    assert "gunicorn -c /opt/whitepaper/deploy/gunicorn.conf.py wsgi:app" in web
    assert "flask --app wsgi worker" in worker and "PartOf=whitepaper-web.service" in worker
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["bind"].startswith("127.0.0.1:") and settings["workers"] >= 2
    # threaded workers (the load bench measures this configuration; a wait on PostgreSQL frees the worker)
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert callable(settings["child_exit"])
    nginx = (DEPLOY / "nginx.conf.example").read_text(encoding="utf-8")
    limit = int(re.search(r"client_max_body_size (\d+)m;", nginx).group(1))
    upload_mb = config.defaults("/tmp")["MAX_UPLOAD_MB"]
    assert limit == upload_mb * 4 + 1  # the rating form reads an oversize file to refuse it with a message
    assert "proxy_set_header X-Forwarded-For" in nginx and "ssl_certificate " in nginx
    assert settings["bind"].split(":")[1] in nginx


def _remote_addr_seen(proxy_count: int) -> str:
    from whitepaper import create_app
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x" * 40, "TESTING": True,
                      "PROXY_COUNT": proxy_count})

    def where():
        from flask import request
        return f"{request.remote_addr} {request.scheme}"
    where.is_public = True  # type: ignore[attr-defined]
    app.add_url_rule("/_where", "where_from", where)
    response = app.test_client().get("/_where", headers={"X-Forwarded-For": "203.0.113.10",
                                                         "X-Forwarded-Proto": "https"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
    return response.get_data(as_text=True)


def test_the_client_address_comes_from_the_proxy_only_when_one_is_declared():
    assert _remote_addr_seen(0) == "127.0.0.1 http"  # a client cannot forge its address or scheme
    assert _remote_addr_seen(1) == "203.0.113.10 https"
