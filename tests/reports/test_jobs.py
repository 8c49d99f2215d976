"""The job queue: a job is claimed by exactly one worker, whatever the number of workers."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import select

from whitepaper.models import Job
from whitepaper.reports import jobs


def test_a_job_claimed_by_two_workers_at_once_runs_once(app, db):
    """Two workers (threads with their own sessions) race for the same jobs, released together."""
    for _ in range(20):
        jobs.enqueue("noop", {})
    db.session.commit()
    barrier = threading.Barrier(2)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        with app.app_context():
            barrier.wait()
            while True:
                job = jobs.claim(name)
                if job is None:
                    break
                with lock:
                    claimed.append(job.id)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    counts = Counter(claimed)
    assert len(counts) == 20 and set(counts.values()) == {1}
    db.session.expire_all()
    assert {j.status for j in db.session.scalars(select(Job))} == {"running"}


def test_worker_runs_a_job_and_records_progress_and_result(app, db, monkeypatch):
    calls = []

    def handler(job, progress):
        progress(50, "half way")
        calls.append(job.params["x"])
        return "/tmp/result.pdf"
    monkeypatch.setitem(jobs.HANDLERS, "test", handler)
    job = jobs.enqueue("test", {"x": 7})
    db.session.commit()
    assert jobs.work(once=True) == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert calls == [7]
    assert (job.status, job.progress, job.result_path) == ("done", 100, "/tmp/result.pdf")
    assert job.started_at and job.finished_at


def test_a_failing_job_is_marked_failed_and_the_worker_goes_on(app, db, monkeypatch):
    def broken(job, progress):
        raise RuntimeError("no data")
    monkeypatch.setitem(jobs.HANDLERS, "broken", broken)
    monkeypatch.setitem(jobs.HANDLERS, "fine", lambda job, progress: "ok")
    bad = jobs.enqueue("broken", {})
    good = jobs.enqueue("fine", {})
    db.session.commit()
    assert jobs.work(once=True) == 2
    db.session.expire_all()
    assert db.session.get(Job, bad.id).status == "failed"
    assert "no data" in db.session.get(Job, bad.id).error
    assert db.session.get(Job, good.id).status == "done"
