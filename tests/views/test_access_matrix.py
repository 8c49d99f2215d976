"""Every route, every role: the statuses of tests/views/access_matrix.py, generated from `app.url_map` so that no
route is left out. Runs on SQLite only (what it checks does not depend on the database): one app, one world, a
client per role; after a POST that may have changed something, the database is restored from a snapshot."""
from __future__ import annotations

import os
import shutil
import sqlite3
from typing import Any, Iterator

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.conftest import IsolatedClient, base_config, fresh_database

from . import access_world
from .access_matrix import MATRIX, ROLES

KNOWN_STATUSES = {"200", "302", "400", "401", "403", "404", "405", "409"}  # explained in access_matrix.py
ROLE_USERS = {"mem": "member", "rep": "representative", "asr": "assessor", "as2": "assessor_other",
              "fac": "facilitator", "fa2": "facilitator_unassigned", "obs": "observer", "adm": "admin"}


def routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app answers, HEAD and OPTIONS aside (Flask adds them to every GET)."""
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


class Matrix:
    """The app, its world, a client per role, and a snapshot of the database to go back to after a POST."""

    def __init__(self, app, world: access_world.World, path: str, snapshot: str):
        self.app, self.world, self.path, self.snapshot = app, world, path, snapshot
        with open(world.evidence_path, "rb") as stored:
            self.evidence = stored.read()
        self.clients = {role: self._client(role) for role in ROLES}

    def _client(self, role: str):
        client = self.app.test_client()
        self._login(client, role)
        return client

    def _login(self, client, role: str) -> None:
        if role == "anon":
            return
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = self.world.logins[ROLE_USERS[role]]
            session["_fresh"] = True

    def _values(self, pairs: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pair in pairs.split():
            name, value = pair.split("=", 1)
            out[name] = self.world.ids.get(value, value)
        return out

    def target(self, endpoint: str, args: str) -> tuple[str, dict[str, Any]]:
        """The URL, and the form a POST sends: "url variables | form fields"."""
        url_part, _bar, form_part = args.partition("|")
        with self.app.test_request_context():
            return url_for(endpoint, **self._values(url_part)), self._values(form_part)

    def restore(self) -> None:
        """The database as the world left it (SQLite's backup API: the app's connections stay valid), and the
        evidence file if a POST removed it."""
        from whitepaper.extensions import db
        db.session.remove()
        source, target = sqlite3.connect(self.snapshot), sqlite3.connect(self.path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        if not os.path.exists(self.world.evidence_path):
            with open(self.world.evidence_path, "wb") as out:
                out.write(self.evidence)

    def audit_events(self) -> int:
        from whitepaper.extensions import db
        from whitepaper.models import AuditEvent
        try:
            return db.session.scalar(select(func.count()).select_from(AuditEvent))
        finally:
            db.session.rollback()

    def request(self, role: str, method: str, url: str, form: dict[str, Any] | None = None):
        client = self.clients[role]
        if method == "GET":
            return client.get(url)
        before = self.audit_events()
        response = client.open(url, method=method, data=form or {})
        refused = response.status_code >= 400 or (role == "anon" and _to_login(response))
        if refused:
            assert self.audit_events() == before, f"{role} {method} {url}: refused with {response.status_code}, " \
                                                  "but something was recorded"
        else:
            self.restore()
        self._login(client, role)  # a POST may have logged the role out (logout) or changed its session
        return response


def _to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture(scope="module")
def matrix(templates) -> Iterator[Matrix]:
    from whitepaper import create_app
    from whitepaper.extensions import db
    with fresh_database(templates, "sqlite") as url:
        app = create_app(base_config(url))
        app.test_client_class = IsolatedClient
        path = url[len("sqlite:///"):]
        with app.app_context():
            scratch = os.path.dirname(path)
            world = access_world.build(app.config["UPLOAD_FOLDER"], scratch)
            db.session.remove()
            db.engine.dispose()
            snapshot = path + ".snapshot"
            shutil.copyfile(path, snapshot)
            try:
                yield Matrix(app, world, path, snapshot)
            finally:
                db.session.remove()
                db.engine.dispose()
                for leftover in (snapshot, snapshot + "-wal", snapshot + "-shm", world.evidence_path,
                                 *world.files):
                    if os.path.exists(leftover):
                        os.remove(leftover)


def test_the_matrix_has_one_row_for_every_route_and_no_other(matrix):
    present = routes(matrix.app)
    assert sorted(present - set(MATRIX)) == [], "routes missing from tests/views/access_matrix.py"
    assert sorted(set(MATRIX) - present) == [], "rows of tests/views/access_matrix.py for routes that do not exist"
    for key, (statuses, _args) in MATRIX.items():
        assert len(statuses.split()) == len(ROLES), key
        assert set(statuses.split()) <= KNOWN_STATUSES, key  # never a 500, nothing left unexplained


def test_every_role_gets_the_expected_status_on_every_route(matrix):
    differences = []
    for (endpoint, method), (statuses, args) in sorted(MATRIX.items()):
        url, form = matrix.target(endpoint, args)
        for role, expected in zip(ROLES, statuses.split()):
            response = matrix.request(role, method, url, form)
            got = response.status_code
            if got != int(expected):
                differences.append(f"{endpoint} {method} {url} as {role}: expected {expected}, got {got}")
            elif got == 302 and role == "anon" and not getattr(matrix.app.view_functions[endpoint], "is_public",
                                                                  False):
                assert _to_login(response), (endpoint, method, response.headers["Location"])
    assert differences == [], "\n".join(differences)
