"""The job queue: enqueue, claim atomically, report progress, finish. Used by `flask --app wsgi worker`.

A job is claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL and with a conditional update on
SQLite, so any number of workers may run and each job runs once."""
from __future__ import annotations

import secrets
import time
import traceback
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models.base import utcnow
from ..models.job import Job

# kind -> handler(job, progress) ; handlers are registered by the features that own them.
HANDLERS: dict[str, Callable[[Job, Callable[[int, str], None]], str]] = {}


def handler(kind: str):
    def register(function):
        HANDLERS[kind] = function
        return function
    return register


def enqueue(kind: str, params: dict, *, actor_id: Optional[int] = None, input_hash: Optional[str] = None) -> Job:
    job = Job(kind=kind, params=params, created_by_id=actor_id, input_hash=input_hash)
    db.session.add(job)
    db.session.flush()
    return job


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


def run(job: Job) -> None:
    """Runs a claimed job, storing progress as it goes and the outcome at the end."""
    def progress(percent: int, message: str = "") -> None:
        # On its own connection: committing the handler's session would expire what it has loaded.
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == job.id)
                               .values(progress=max(0, min(100, int(percent))), message=str(message)[:300]))

    try:
        function = HANDLERS[job.kind]
        result_path = function(job, progress)
    except Exception as error:  # any failure is the job's outcome, never the worker's end
        db.session.rollback()
        current_app.logger.error("job %s failed: %s", job.id, traceback.format_exc())
        db.session.execute(update(Job).where(Job.id == job.id).values(
            status="failed", error=f"{type(error).__name__}: {error}"[:2000], finished_at=utcnow()))
        db.session.commit()
        return
    db.session.execute(update(Job).where(Job.id == job.id).values(
        status="done", progress=100, result_path=result_path, finished_at=utcnow()))
    db.session.commit()


def work(*, once: bool = False, poll_seconds: float = 1.0, should_stop: Callable[[], bool] = lambda: False) -> int:
    """The worker loop. Returns how many jobs it ran."""
    worker_id = secrets.token_hex(8)
    done = 0
    while not should_stop():
        job = claim(worker_id)
        if job is None:
            if once:
                return done
            time.sleep(poll_seconds)
            continue
        run(job)
        done += 1
    return done
