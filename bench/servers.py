"""Servers for the benchmarks that go through HTTP: a PostgreSQL database (a throwaway server on 127.0.0.1 started
as the tests start it, or a new database on TEST_DATABASE_URL), the flask CLI against it, and gunicorn (2 workers of
2 threads, as deploy/gunicorn.conf.py sets, 127.0.0.1 only) stopped by its PID. Every server started here is stopped when its context ends."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from typing import Iterator, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_available() -> bool:
    from tests.system import has_postgres
    return bool(os.environ.get("TEST_DATABASE_URL")) or has_postgres()


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """Yields the URL of an empty database, dropped (or its throwaway server stopped) at the end."""
    import sqlalchemy as sa

    existing = (os.environ.get("TEST_DATABASE_URL") or "").rstrip("/")
    with contextlib.ExitStack() as stack:
        if existing:
            server = existing
            name = f"{name}_{uuid.uuid4().hex[:8]}"
        else:
            from tests.pg import throwaway_server
            server = stack.enter_context(throwaway_server())
        admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            yield f"{server}/{name}"
        finally:
            if existing:
                with admin.connect() as connection:
                    connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


def app_env(database_url: str, folder: str, port: Optional[int] = None) -> dict[str, str]:
    """The environment of the flask CLI and of gunicorn for a benchmark database."""
    env = {**os.environ, "DATABASE_URL": database_url, "WHITEPAPER_INSTANCE": os.path.join(folder, "instance"),
           "SECRET_KEY": "bench-http-secret-key-0123456789abcdef", "WHITEPAPER_ENV": "development"}
    if port is not None:
        env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    env.pop("MAIL_SERVER", None)
    return env


def flask(env: dict[str, str], *command: str) -> str:
    """Runs `flask --app wsgi COMMAND` and returns its output; raises with its stderr when it fails."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(command)} failed: {done.stderr[-2000:]}")
    return done.stdout


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Waits until gunicorn at `url` answers /healthz; RuntimeError if it exits or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s")


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 2) -> Iterator[str]:
    """gunicorn serving wsgi:app on 127.0.0.1:port as production runs it (deploy/gunicorn.conf.py: threaded
    workers), with `workers` workers; yields its base URL and stops it by its PID (SIGTERM, then SIGKILL after
    20 s)."""
    folder = tempfile.mkdtemp(prefix="wp-bench-gunicorn-")
    log = os.path.join(folder, "error.log")
    process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py"),
                                "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                # no worker replaced during a run (max_requests): neither figure pays a restart
                                "--timeout", "120", "--max-requests", "0", "--access-logfile", "/dev/null",
                                "--error-logfile", log,
                                "wsgi:app"], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)
        errors = worker_errors(log)
        shutil.rmtree(folder, ignore_errors=True)
        if errors:
            print(f"gunicorn logged {len(errors)} traceback(s); the last:\n{errors[-1]}", file=sys.stderr)


def stop(process: subprocess.Popen, grace: float = 20) -> None:
    """Stops a child we started, by its PID: SIGTERM, then SIGKILL if it is still running after `grace` s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_errors(log: str) -> list[str]:
    """Tracebacks in gunicorn's error log (the app's unhandled exceptions)."""
    try:
        with open(log, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except FileNotFoundError:
        return []
    return [block[:3000] for block in re.split(r"\n(?=\[)", text) if "Traceback" in block]


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def login(session, url: str, email: str, password: str) -> str:
    """Logs a requests.Session in through the real form (with its CSRF token); returns a CSRF token valid for
    the rest of the session."""
    page = session.get(f"{url}/login", timeout=60)
    page.raise_for_status()
    response = session.post(f"{url}/login", data={"email": email, "password": password,
                                                  "csrf_token": csrf_token(page.text)},
                            allow_redirects=False, timeout=60)
    if response.status_code != 302:
        raise RuntimeError(f"login of {email} answered {response.status_code}")
    return csrf_token(session.get(f"{url}/account/tokens", timeout=60).text)


@contextlib.contextmanager
def instance_folder(folder: str) -> Iterator[None]:
    """WHITEPAPER_INSTANCE points into `folder` for the duration, then back to what it was."""
    previous = os.environ.get("WHITEPAPER_INSTANCE")
    os.environ["WHITEPAPER_INSTANCE"] = os.path.join(folder, "instance")
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("WHITEPAPER_INSTANCE", None)
        else:
            os.environ["WHITEPAPER_INSTANCE"] = previous
