"""What the people who run the platform watch: Prometheus metrics at /metrics (`metrics`) and one JSON log line
per request and per job run, with the request id that ties a user's report to its line (`logs`)."""
from __future__ import annotations

from flask import Flask, request

from . import logs, metrics


def init_app(app: Flask) -> None:
    """Wired first in the factory, so that its hooks time the whole request: its before_request runs before every
    other one, its after_request after every other one."""
    logs.configure(app)

    @app.before_request
    def start_timing() -> None:
        logs.begin_request()

    @app.after_request
    def record_request(response):
        seconds = logs.finish_request(response)
        metrics.observe_request(request.endpoint or "unmatched", response.status_code, seconds)
        return response

    app.jinja_env.globals["request_id"] = logs.request_id
    app.register_blueprint(metrics.bp)


def job_ran(job_id: int, kind: str, outcome: str, seconds: float) -> None:
    """A job's line in the log and its observation in the metrics (called by the worker, reports/jobs.py)."""
    logs.job_ran(job_id, kind, outcome, seconds)
    metrics.observe_job(kind, outcome, seconds)
