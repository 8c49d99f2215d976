"""A real WSGI server under load: gunicorn (2 workers, 127.0.0.1 only) on a fresh SQLite demo database,
driven by locust for a bounded time; reports requests per second, failures and latency percentiles.
The server is stopped by its PID and its folder removed at the end."""
from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = 15
USERS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy")


def run() -> list[tuple[str, float, str]]:
    folder = tempfile.mkdtemp(prefix="wp-bench-load-")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/load.sqlite",
           "WHITEPAPER_INSTANCE": os.path.join(folder, "instance"), "SECRET_KEY": "bench-load-secret"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["catalog", "load"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    bin_dir = os.path.dirname(sys.executable)
    server = subprocess.Popen([os.path.join(bin_dir, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--access-logfile", "/dev/null", "--error-logfile", os.path.join(folder, "err.log"),
                               "wsgi:app"], cwd=ROOT, env=env)
    try:
        _wait_healthy(url)
        prefix = os.path.join(folder, "locust")
        subprocess.run([os.path.join(bin_dir, "locust"), "-f", os.path.join(ROOT, "bench", "locustfile.py"),
                        "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{SECONDS}s", "--host", url,
                        "--only-summary", "--stop-timeout", "2", "--csv", prefix],
                       cwd=ROOT, env=env, capture_output=True, timeout=SECONDS + 60)
        with open(prefix + "_stats.csv", newline="") as handle:
            total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
        return [(f"load: requests per second ({USERS} users, {SECONDS} s, gunicorn -w 2, SQLite)",
                 float(total["Requests/s"]), "req/s"),
                ("load: failures", float(total["Failure Count"]), "requests"),
                ("load: median latency", float(total["50%"]), "ms"),
                ("load: 99th percentile latency", float(total["99%"]), "ms")]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)
