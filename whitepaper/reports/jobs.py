"""The job queue: enqueue, claim atomically, report progress, finish. Used by `flask --app wsgi worker`.

A job is claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL and with a conditional update on
SQLite, so any number of workers may run and each job runs once. A worker told to stop (SIGTERM, SIGINT) in the
middle of a job cuts it short and puts it back in the queue for the next worker."""
from __future__ import annotations

import hashlib
import json
import secrets
import signal
import time
import traceback
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import timedelta
from typing import Callable, Iterator, Optional

from flask import current_app
from sqlalchemy import and_, or_, select, update

from .. import locks, observability
from ..extensions import db
from ..models.base import utcnow
from ..models.job import Job

RUNNING_AT_MOST = timedelta(hours=1)  # a CRP report takes minutes; a job "running" longer lost its worker

# kind -> handler(job, progress) ; handlers are registered by the features that own them.
HANDLERS: dict[str, Callable[[Job, Callable[[int, str], None]], str]] = {}


def handler(kind: str):
    def register(function):
        HANDLERS[kind] = function
        return function
    return register


class Interrupted(BaseException):
    """Raised inside a running job when the worker is told to stop; a BaseException, so that a handler's
    `except Exception` does not swallow it."""


class StopSignal:
    """The worker's SIGTERM and SIGINT handler: between jobs it asks the loop to stop; during a job (inside
    `during_job()`) it also raises Interrupted there, and the job goes back to the queue."""

    def __init__(self) -> None:
        self.requested = False
        self._in_job = False

    def __call__(self, signum: int, _frame) -> None:
        self.requested = True
        if self._in_job:
            self._in_job = False
            raise Interrupted(signal.Signals(signum).name)

    @contextmanager
    def during_job(self) -> Iterator[None]:
        self._in_job = True
        try:
            yield
        finally:
            self._in_job = False


def enqueue(kind: str, params: dict, *, actor_id: Optional[int] = None, input_hash: Optional[str] = None) -> Job:
    job = Job(kind=kind, params=params, created_by_id=actor_id, input_hash=input_hash)
    db.session.add(job)
    db.session.flush()
    return job


def input_key(kind: str, params: dict) -> str:
    """What makes two jobs the same work: the kind and the parameters (stored as `input_hash`)."""
    canonical = json.dumps([kind, params], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def enqueue_once(kind: str, params: dict, *, actor_id: Optional[int] = None) -> tuple[Job, bool]:
    """The queued or running job doing this work, or a new one: (job, created). A job running for longer than
    RUNNING_AT_MOST (its worker died) is not joined. The caller commits."""
    key = input_key(kind, params)
    locks.lock_name(Job, f"job:{key}")  # a second request for the same work waits here, then joins the first
    alive = or_(Job.status == "queued",
                and_(Job.status == "running", Job.started_at >= utcnow() - RUNNING_AT_MOST))
    pending = db.session.scalar(select(Job).where(Job.kind == kind, Job.input_hash == key, alive)
                                .order_by(Job.id).limit(1))
    if pending is not None:
        return pending, False
    return enqueue(kind, params, actor_id=actor_id, input_hash=key), True


def claim(worker_id: str) -> Optional[Job]:
    """Takes the oldest queued job for this worker, or None. Commits the claim at once."""
    now = utcnow()
    if db.engine.dialect.name == "postgresql":
        job = db.session.scalar(select(Job).where(Job.status == "queued").order_by(Job.id)
                                .limit(1).with_for_update(skip_locked=True))
        if job is None:
            db.session.rollback()
            return None
        job.status, job.claimed_by, job.started_at = "running", worker_id, now
        db.session.commit()
        return job
    oldest = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1).scalar_subquery()
    claimed_id = db.session.scalar(update(Job).where(Job.id == oldest, Job.status == "queued")
                                   .values(status="running", claimed_by=worker_id, started_at=now)
                                   .returning(Job.id))
    db.session.commit()
    return db.session.get(Job, claimed_id) if claimed_id is not None else None


def release(job: Job) -> None:
    """Puts a job that was cut short back in the queue, as it was before it was claimed."""
    db.session.rollback()
    db.session.execute(update(Job).where(Job.id == job.id, Job.status == "running").values(
        status="queued", claimed_by=None, started_at=None, progress=0, message=""))
    db.session.commit()
    current_app.logger.warning("job %s went back to the queue: the worker was stopped", job.id)


def run(job: Job, guard: Callable[[], AbstractContextManager] = nullcontext) -> None:
    """Runs a claimed job, storing progress as it goes and the outcome at the end. The handler runs inside
    `guard()`; if it is Interrupted there, the job is released and Interrupted goes on up. Each run leaves one
    line in the jobs' log and one observation in the metrics."""
    job_id, kind, started = job.id, job.kind, time.perf_counter()
    outcome = "error"  # the bookkeeping itself failed (the database went away): the exception goes on up
    try:
        outcome = _run(job, guard)
    except Interrupted:
        outcome = "requeued"
        raise
    finally:
        observability.job_ran(job_id, kind, outcome, time.perf_counter() - started)


def _run(job: Job, guard: Callable[[], AbstractContextManager]) -> str:
    def progress(percent: int, message: str = "") -> None:
        # On its own connection: committing the handler's session would expire what it has loaded.
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == job.id)
                               .values(progress=max(0, min(100, int(percent))), message=str(message)[:300]))

    try:
        function = HANDLERS[job.kind]
        with guard():
            result_path = function(job, progress)
    except Interrupted:
        release(job)
        raise
    except Exception as error:  # any failure is the job's outcome, never the worker's end
        db.session.rollback()
        current_app.logger.error("job %s failed: %s", job.id, traceback.format_exc())
        db.session.execute(update(Job).where(Job.id == job.id).values(
            status="failed", error=f"{type(error).__name__}: {error}"[:2000], finished_at=utcnow()))
        db.session.commit()
        return "failed"
    db.session.execute(update(Job).where(Job.id == job.id).values(
        status="done", progress=100, result_path=result_path, finished_at=utcnow()))
    db.session.commit()
    return "done"


def work(*, once: bool = False, poll_seconds: float = 1.0, should_stop: Callable[[], bool] = lambda: False,
         guard: Callable[[], AbstractContextManager] = nullcontext,
         between_jobs: Callable[[], int] = lambda: 0) -> int:
    """The worker loop: runs queued jobs and, after each look at the queue, `between_jobs` (the outbox's delivery),
    which returns how much it did. When neither had anything to do it sleeps `poll_seconds`, or with `once` it
    stops. A job Interrupted inside `guard()` is back in the queue and ends the loop. Returns how many jobs ran."""
    worker_id = secrets.token_hex(8)
    done = 0
    while not should_stop():
        job = claim(worker_id)
        if job is not None:
            try:
                run(job, guard)
            except Interrupted:
                return done
            done += 1
        busy = between_jobs() > 0 or job is not None
        if not busy:
            if once:
                return done
            time.sleep(poll_seconds)
    return done
