"""No input gives a 500. The test walks every rule of the URL map, for every method it allows, as every role
(anonymous, member, assessor, facilitator, observer, admin), on the demo data: each URL variable in turn gets
hostile values (0, -1, 2**63, 10**30, Arabic-Indic digits, a 10 KB string, a NUL) while the others name real
objects; GET pages get hostile query strings; POSTs get hostile forms (every field name the code reads), malformed
JSON, a wrong content type and a stray file. Any 5xx fails, and so does a value that only the database refused
(errors.py turns that into a 400, but a check should have caught it first). Downloads must say no-store."""
from __future__ import annotations

import io
import logging
import re
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import select

from whitepaper.ids import DatabaseId

from .world import DEMO_EMAILS, World, build_world

HOSTILE = ["0", "-1", str(2 ** 63), str(10 ** 30), "\u0661\u0662\u0663", "x" * 10240, "\x00"]
ROLES = ("anonymous", "member", "assessor", "facilitator", "observer", "admin")
# SQLite gets the whole walk as every role, the hostile values shared out between the roles. PostgreSQL, where
# NUL bytes, text lengths and number ranges are enforced, gets it as the role that reaches the most code, with
# the values it treats differently, skipping the id variables (routing refuses those before any query).
PG_ROLES = ("admin",)
PG_HOSTILE = ["\x00", "x" * 10240, str(10 ** 30)]
QUERY_NAMES = ("page", "year", "group", "lang", "format", "kind", "model", "status", "version", "next", "q",
               "country", "dimension", "scope", "role", "uncoded", "a", "b")


def _path(rule, values: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        return quote(values[match.group(1)], safe="")
    return re.sub(r"<(?:[^:<>]+:)?([A-Za-z_]+)>", replace, rule.rule)


def _bodies(names: set[str], value: str) -> list[dict]:
    return [{"data": {name: value for name in names}},
            {"data": '{"choice": "na", "version": ', "content_type": "application/json"},
            {"data": b"\xff\xfe<not form>" + value.encode(), "content_type": "text/plain"},
            {"data": {"evidence_file": (io.BytesIO(b"PK\x03\x04" + value.encode()), value[:50] + ".docx"),
                      "version": value}, "content_type": "multipart/form-data"}]


def _requests(app, world: World, share: list[str], odd_body: int, *, id_variables: bool = True):
    """(rule, method, path, body) for every rule and method: each URL variable in turn gets each hostile value of
    this role's `share` (the roles share the values out between them), GET pages get hostile query strings and
    POSTs hostile forms, and one of the malformed bodies. Logging out comes last, so the walk keeps its role."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    for rule in rules:
        base = {arg: world.value(rule.endpoint, arg) for arg in rule.arguments}
        valid = _path(rule, base)
        for method in sorted(m for m in rule.methods if m in ("GET", "POST")):
            for arg in sorted(rule.arguments):
                if not id_variables and isinstance(rule._converters[arg], DatabaseId):
                    continue
                for value in share:
                    yield rule, method, _path(rule, {**base, arg: value}), None
            for value in share:
                if method == "GET":
                    yield rule, method, valid + "?" + urlencode({name: value for name in QUERY_NAMES}), None
                else:
                    yield rule, method, valid, _bodies(world.fields, value)[0]
            if method == "POST":
                yield rule, method, valid, _bodies(world.fields, share[0])[1 + odd_body % 3]


def _login(client, user) -> None:
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


@pytest.mark.slow
def test_no_route_answers_5xx_to_hostile_input_for_any_role(app, db, client, caplog, backend):
    from whitepaper.models import User
    world = build_world(app, db)
    users = {role: db.session.scalar(select(User).where(User.email == email)) for role, email in DEMO_EMAILS.items()}
    failures: list[str] = []
    downloads_cached: list[str] = []
    walked = set()
    caplog.set_level(logging.WARNING, logger=app.logger.name)
    roles = ROLES if backend == "sqlite" else PG_ROLES
    for role_index, role in enumerate(roles):
        _login(client, users.get(role))
        share = HOSTILE[role_index::len(roles)] if backend == "sqlite" else PG_HOSTILE
        for rule, method, path, body in _requests(app, world, share, role_index, id_variables=backend == "sqlite"):
            walked.add((method, rule.rule))
            response = client.open(path, method=method, **(body or {}))
            if response.status_code >= 500:
                failures.append(f"{role} {method} {path[:140]} -> {response.status_code}")
            disposition = response.headers.get("Content-Disposition", "")
            if disposition.startswith("attachment") and response.headers.get("Cache-Control") != "no-store":
                downloads_cached.append(f"{role} {method} {path[:140]}")
            response.close()
    refused_by_database = [r.getMessage()[:300] for r in caplog.records if "refused by the database" in r.getMessage()]
    assert failures == [], "\n".join(failures[:60]) + f"\n… {len(failures)} in all"
    assert refused_by_database == [], "\n".join(refused_by_database[:20])
    assert downloads_cached == []
    every_rule = {(m, r.rule) for r in app.url_map.iter_rules() for m in r.methods if m in ("GET", "POST")}
    assert every_rule <= walked, sorted(every_rule - walked)


def test_ids_beyond_the_database_or_in_other_digits_are_404(client):
    for path in ("/assessments/\u0661", "/assessments/\u0661\u0662\u0663/scorecard", "/api/v1/assessments/\u0661",
                 f"/api/v1/assessments/{2 ** 63}", f"/committees/rounds/{10 ** 30}/", "/assessments/0", "/ballots/-1/",
                 "/assessments/" + "9" * 10240, "/assessments/\uff11"):
        assert client.get(path).status_code == 404, path


def test_the_int_converter_takes_ascii_ids_in_the_database_range_only(app):
    converter = app.url_map.converters["int"]
    assert converter is DatabaseId
    assert all(isinstance(rule._converters[arg], DatabaseId)
               for rule in app.url_map.iter_rules() for arg in rule.arguments
               if type(rule._converters[arg]).__name__ in ("IntegerConverter", "DatabaseId"))
    match = app.url_map.bind("localhost").match
    assert match(f"/assessments/{2 ** 63 - 1}")[1] == {"assessment_id": 2 ** 63 - 1}
    for bad in ("\u0661", str(2 ** 63), "0", "00", "\uff11"):
        with pytest.raises(Exception):
            match(f"/assessments/{bad}")


def test_the_api_refuses_a_malformed_year_with_a_message(client):
    for query in ("year=\u0661\u0669\u0669\u0660", f"year={10 ** 30}", "year=-1", "year=abc", "year=" + "1" * 10240):
        response = client.get(f"/api/v1/assessments?{query}")
        assert response.status_code == 400, query
        error = response.get_json()["error"]
        assert error["code"] == "invalid" and error["message"], query
    assert client.get("/api/v1/assessments?year=2022").status_code == 200


def test_a_page_number_out_of_range_is_400_and_filters_out_of_range_are_ignored(client, make_user, login_as):
    pages = (f"page={10 ** 30}", f"page={2 ** 63}", "page=\u0662", "page=0", "page=-1")
    years = (f"year={10 ** 30}", "year=\u0662\u0660\u0662\u0662")
    admin = make_user("admin")
    admin.locale = "en"
    login_as(admin)
    for path in ("/assessments/published", "/assessments/", "/admin/users", "/admin/audit", "/admin/outbox"):
        for query in pages:
            response = client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert "page number" in response.get_data(as_text=True), (path, query)
        assert client.get(f"{path}?page=2").status_code == 200, path
    for query in years:
        assert client.get(f"/assessments/?{query}").status_code == 200, query


def test_a_nul_anywhere_is_refused_with_400_and_a_message(client):
    for path, method in (("/catalogue/sec%00toral/", "GET"), ("/login?next=%00", "GET"), ("/login", "POST")):
        response = client.open(path, method=method, data={"email": "a\x00@example.org", "password": "x"})
        assert response.status_code == 400, path
        assert "NUL" in response.get_data(as_text=True), path


def test_malformed_json_and_wrong_content_types_are_4xx(client, make_user, login_as):
    login_as(make_user("admin"))
    for kwargs in ({"data": "{", "content_type": "application/json"},
                   {"data": b"\xff\xfe", "content_type": "text/plain"},
                   {"data": "x", "content_type": "application/x-www-form-urlencoded; charset=nope"}):
        for path in ("/assessments/new", "/committees/setup", "/api/v1/assessments", "/lang"):
            status = client.post(path, **kwargs).status_code
            assert 400 <= status < 500 or status in (302, 303), (path, kwargs, status)

