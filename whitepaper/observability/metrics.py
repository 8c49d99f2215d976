"""Prometheus metrics at `/metrics`, in the text format, for whoever holds METRICS_TOKEN (everyone else gets the
plain 404 of a page that does not exist).

Per request a single histogram observation by endpoint and status (its `_count` is the request count); per job
run one by kind and outcome. What the database holds (jobs queued, running and failed, mail waiting and failed,
open rounds and ballots) is counted when the scrape arrives, in one UNION ALL query. Checked-out database
connections are counted by pool events, so that with several gunicorn workers the figure is their sum.

With several processes (gunicorn workers, the `flask worker`), set PROMETHEUS_MULTIPROC_DIR to an empty folder
shared by them before they start: each process writes its figures there and a scrape adds them up
(prometheus_client.multiprocess). gunicorn must then call `child_exit` below when a worker ends, e.g. in its
config file: `from whitepaper.observability.metrics import child_exit`.

prometheus_client is imported at the first request or job, not when the app is created: `flask --help` and the
other commands start without it."""
from __future__ import annotations

import hmac
import os
import threading
from typing import Any, Iterator, Optional

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import func, literal, select, union_all

from ..extensions import db
from ..models import Ballot, Job, OutboxMessage, Round

bp = Blueprint("observability", __name__)

# seconds; a page takes tens of milliseconds, a PDF several seconds
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
OUTBOX_WAITING = ("queued", "sending")


class _Metrics:
    """The process's metric objects, made once (at the first request or job)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Gauge, Histogram, disable_created_metrics
        disable_created_metrics()  # no `_created` series beside each histogram: nothing here reads them
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "whitepaper_http_request_duration_seconds",
            "Time to answer a request, by Flask endpoint and status (the _count is the number of requests).",
            ["endpoint", "status"], buckets=REQUEST_BUCKETS, registry=self.registry)
        self.jobs = Histogram(
            "whitepaper_job_run_duration_seconds",
            "Time a worker spent on a job, by kind and outcome (done, failed, requeued, error).",
            ["kind", "outcome"], buckets=JOB_BUCKETS, registry=self.registry)
        self.connections = Gauge(
            "whitepaper_db_connections_checked_out",
            "Database connections taken from the pool and not yet returned (all live processes).",
            registry=self.registry, multiprocess_mode="livesum")
        _count_connections(self.connections)


_made: Optional[_Metrics] = None
_making = threading.Lock()


def _metrics() -> _Metrics:
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _Metrics()
    return _made


def _count_connections(gauge) -> None:
    """Pool events keep the gauge: +1 at checkout, -1 at checkin. A connection already out when this starts is
    not counted at its checkin either (the record carries the mark)."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    def checkout(_dbapi_connection, record, _proxy) -> None:
        if not record.info.get("wp_counted"):
            record.info["wp_counted"] = True
            gauge.inc()

    def checkin(_dbapi_connection, record) -> None:
        if record is not None and record.info.pop("wp_counted", False):
            gauge.dec()

    event.listen(Pool, "checkout", checkout)
    event.listen(Pool, "checkin", checkin)


def observe_request(endpoint: str, status: int, seconds: float) -> None:
    _metrics().requests.labels(endpoint, str(status)).observe(seconds)


def observe_job(kind: str, outcome: str, seconds: float) -> None:
    _metrics().jobs.labels(kind, outcome).observe(seconds)


class DatabaseState:
    """A collector that counts, at scrape time, what waits or runs in the database, and the pool's size."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily
        counts = _database_counts()
        jobs = GaugeMetricFamily("whitepaper_jobs", "Jobs in the queue by state.", labels=["state"])
        for state in ("queued", "running", "failed"):
            jobs.add_metric([state], counts.get(("jobs", state), 0))
        yield jobs
        outbox = GaugeMetricFamily("whitepaper_outbox_messages",
                                   "Outbox messages waiting to be delivered (queued or being sent) and failed.",
                                   labels=["state"])
        outbox.add_metric(["waiting"], sum(counts.get(("outbox", state), 0) for state in OUTBOX_WAITING))
        outbox.add_metric(["failed"], counts.get(("outbox", "failed"), 0))
        yield outbox
        yield GaugeMetricFamily("whitepaper_open_rounds", "Consultation rounds open for answers.",
                                value=counts.get(("rounds", "open"), 0))
        yield GaugeMetricFamily("whitepaper_open_ballots", "Ballots open for votes.",
                                value=counts.get(("ballots", "open"), 0))
        size = getattr(db.engine.pool, "size", None)
        if callable(size):  # a QueuePool (PostgreSQL, a SQLite file); the other pools have no fixed size
            yield GaugeMetricFamily("whitepaper_db_pool_size",
                                    "Connections each process's pool keeps (more may open as overflow).",
                                    value=size())


def _database_counts() -> dict[tuple[str, str], int]:
    """{(table, state): rows}, in one statement over the status indexes."""
    def by_status(name: str, model, states: tuple[str, ...]):
        return (select(literal(name).label("source"), model.status, func.count().label("n"))
                .where(model.status.in_(states)).group_by(model.status))
    query = union_all(by_status("jobs", Job, ("queued", "running", "failed")),
                      by_status("outbox", OutboxMessage, OUTBOX_WAITING + ("failed",)),
                      by_status("rounds", Round, ("open",)),
                      by_status("ballots", Ballot, ("open",)))
    return {(source, state): n for source, state, n in db.session.execute(query)}


def _authorized() -> bool:
    expected = current_app.config.get("METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    if not expected or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer "):].strip().encode(), str(expected).encode())


@bp.get("/metrics")
def metrics():
    if not _authorized():
        abort(404)  # the same page as an address that does not exist: nothing says the metrics are here
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    scrape = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(scrape)  # every process's files in the shared folder, added up
    else:
        scrape.register(_metrics().registry)
    scrape.register(DatabaseState())
    body = generate_latest(scrape)
    db.session.rollback()  # the counts' read transaction ends here
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


metrics.is_public = True  # type: ignore[attr-defined]  # as web.public marks a view: the token is the check


def child_exit(_server, worker) -> None:
    """gunicorn's `child_exit` hook: forgets a dead worker's live gauges in the multiprocess folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
