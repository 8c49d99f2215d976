"""Pages through the real stack: an app on a fresh SQLite database in a temporary folder, the Flask test client
logged in through the login form, each request timed whole, and the SQL statements of one request counted.

"Cold" is the first view after the data changed (a benchmark's `touch` changes it, untimed, before each cold
view); "warm" is the same view again with nothing changed. Templates and imports are warmed by one view before
anything is timed, so cold means the data, not the process."""
from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
from typing import Any, Callable, Iterator, Optional

from sqlalchemy import event

REPEATS = 7
PASSWORD = "bench-password"


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[str]:
    """A temporary folder for a benchmark's database, instance folder and files, removed afterwards."""
    folder = tempfile.mkdtemp(prefix=prefix)
    previous = os.environ.get("WHITEPAPER_INSTANCE")
    os.environ["WHITEPAPER_INSTANCE"] = os.path.join(folder, "instance")
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("WHITEPAPER_INSTANCE", None)
        else:
            os.environ["WHITEPAPER_INSTANCE"] = previous
        shutil.rmtree(folder, ignore_errors=True)


def make_app(folder: str, url: Optional[str] = None):
    """An app on a migrated database with the catalogue loaded (SQLite in `folder` unless `url`)."""
    from flask_migrate import upgrade

    from whitepaper import create_app
    from whitepaper.catalogue import loader
    from whitepaper.extensions import db

    app = create_app({"DATABASE_URL": url or "sqlite:///" + os.path.join(folder, "bench.sqlite"),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "UPLOAD_FOLDER": os.path.join(folder, "evidence"),
                      "PDF_CACHE_FOLDER": os.path.join(folder, "pdf-cache")})
    with app.app_context():
        upgrade()
        loader.load()
        db.session.commit()
        db.session.remove()
    return app


def engine(app):
    from whitepaper.extensions import db
    with app.app_context():
        return db.engine


class QueryCounter:
    """Counts the SQL statements sent through an engine while it is active (`with QueryCounter(engine) as c`)."""

    def __init__(self, target) -> None:
        self.target = target
        self.n = 0

    def _count(self, *_args) -> None:
        self.n += 1

    def __enter__(self) -> "QueryCounter":
        event.listen(self.target, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.target, "before_cursor_execute", self._count)


def logged_in(app, email: str, password: str = PASSWORD):
    """A test client signed in through the login form, as a browser would (the session carries its nonce)."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    if response.status_code != 302:
        raise RuntimeError(f"logging in as {email} answered {response.status_code}")
    return client


def api_token(app, email: str) -> dict[str, str]:
    """The Authorization header of a new API token of the user."""
    from whitepaper.auth import services as accounts
    from whitepaper.extensions import db
    from whitepaper.models import User
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        _, raw = accounts.create_api_token(user, "bench")
        db.session.commit()
        db.session.remove()
    return {"Authorization": f"Bearer {raw}"}


def measure(app, client, path: str, touch: Optional[Callable[[int], None]] = None, repeats: int = REPEATS,
            headers: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """{"cold_ms", "warm_ms", "cold_queries", "warm_queries"}: medians of `repeats` views each. `touch(n)`
    changes the data (in its own application context) before the n-th cold view; without it there is no cold."""
    target = engine(app)

    def view() -> tuple[float, int]:
        with QueryCounter(target) as counter:
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return elapsed, counter.n

    view()
    out: dict[str, Any] = {}
    if touch is not None:
        cold = []
        for n in range(repeats):
            with app.app_context():
                touch(n)
            cold.append(view())
        out["cold_ms"] = round(statistics.median(t for t, _ in cold), 2)
        out["cold_queries"] = cold[0][1]
    warm = [view() for _ in range(repeats)]
    out["warm_ms"] = round(statistics.median(t for t, _ in warm), 2)
    out["warm_queries"] = warm[0][1]
    return out
