"""`python -m whitepaper.serve` (what `make run` starts) stops its web server and its worker on SIGTERM and on
SIGINT alike, leaving no process behind within 10 seconds; the worker runs queued jobs, records a failing job's
error, and puts a job it is told to stop in the middle of back in the queue."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import prepare_database
from tests.smtp import free_port
from whitepaper.models.job import Job
from whitepaper.reports import jobs

ROOT = Path(__file__).resolve().parents[2]
STOP_SECONDS = 10


def _job(db, kind: str) -> Job:
    job = jobs.enqueue(kind, {})
    db.session.commit()
    return job


def _reload(db, job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_worker_once_runs_a_queued_job(db, runner, monkeypatch):
    monkeypatch.setitem(jobs.HANDLERS, "test_ok", lambda job, progress: "/tmp/result.pdf")
    job = _job(db, "test_ok")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "after 1 job(s)" in result.output
    done = _reload(db, job.id)
    assert (done.status, done.progress, done.result_path, done.error) == ("done", 100, "/tmp/result.pdf", None)


def test_a_failing_job_is_marked_failed_with_its_error(db, runner, monkeypatch):
    def fail(job, progress):
        raise RuntimeError("the template is missing")
    monkeypatch.setitem(jobs.HANDLERS, "test_fail", fail)
    job = _job(db, "test_fail")
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    failed = _reload(db, job.id)
    assert failed.status == "failed" and failed.error == "RuntimeError: the template is missing"
    assert failed.finished_at is not None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_job_cut_short_by_a_stop_signal_goes_back_to_the_queue(db, runner, monkeypatch, signum):
    finished = []

    def long_job(job, progress):
        progress(40, "half-way")
        os.kill(os.getpid(), signum)          # the worker is told to stop in the middle of the job
        time.sleep(30)
        finished.append(job.id)               # only if the signal did not cut the job short
        return "/tmp/never.pdf"
    monkeypatch.setitem(jobs.HANDLERS, "test_long", long_job)
    first, second = _job(db, "test_long"), _job(db, "test_long")
    handlers_before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    result = runner.invoke(args=["worker", "--once"])
    assert finished == [] and result.exit_code == 0, result.output
    released = _reload(db, first.id)
    assert (released.status, released.claimed_by, released.started_at, released.progress) == ("queued", None, None, 0)
    assert _reload(db, second.id).status == "queued"                  # the stopped worker took nothing more
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers_before


def _wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _group_members(pgid: int) -> set[int]:
    """The live processes of a process group, read from /proc (field 5 of /proc/PID/stat is the group)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.add(int(stat.parent.name))
    return members


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def served_database(tmp_path_factory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("serve") / "serve.sqlite")
    prepare_database(url)
    return url


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_the_server_and_the_worker_on_a_signal(served_database, tmp_path, signum):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAIL_")}
    env.update(PORT=str(port), DATABASE_URL=served_database, WHITEPAPER_INSTANCE=str(tmp_path),
               PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "whitepaper.serve"], cwd=ROOT, env=env, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    pgid = process.pid                         # a new session: the server, its children and nothing else
    try:
        _wait_until(lambda: _healthy(port), 60, "/healthz")
        _wait_until(lambda: "Worker waiting" in log.read_text(), 60, "the worker")
        assert len(_group_members(pgid)) == 3             # serve.py, the web server, the worker

        process.send_signal(signum)
        process.wait(timeout=STOP_SECONDS)
        assert not _group_alive(pgid), log.read_text()
        assert not _healthy(port)
        assert "Worker stopped" in log.read_text()          # the worker ended its loop, it was not killed
    finally:
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)


def test_stop_kills_a_child_that_ignores_sigterm_once_the_grace_period_ends():
    from whitepaper.serve import stop

    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\n"
                                 "time.sleep(60)"], stdout=subprocess.PIPE)
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert stubborn.stdout.readline() == b"ready\n"     # SIGTERM is ignored from here on
        stop([stubborn, polite], grace=0.5)
        assert polite.returncode == -signal.SIGTERM
        assert stubborn.returncode == -signal.SIGKILL
    finally:
        for child in (stubborn, polite):
            if child.poll() is None:
                child.kill()
                child.wait()
        stubborn.stdout.close()


def test_when_the_web_server_cannot_start_serve_stops_the_worker_and_reports_it(served_database, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAIL_")}
    env.update(PORT=str(busy.getsockname()[1]), DATABASE_URL=served_database, WHITEPAPER_INSTANCE=str(tmp_path))
    try:
        process = subprocess.Popen([sys.executable, "-m", "whitepaper.serve"], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            _out, err = process.communicate(timeout=60)
        finally:
            if _group_alive(process.pid):
                os.killpg(process.pid, signal.SIGKILL)
        assert process.returncode != 0                   # the web server's own exit status, passed on
        assert b"The web server ended (exit status" in err
        assert not _group_alive(process.pid)             # the worker was stopped with it
    finally:
        busy.close()
