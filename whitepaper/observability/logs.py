"""One JSON line per request (logger `whitepaper.requests`) and per job run (`whitepaper.jobs`), and the request
id that ties a user's report to its line.

A line holds only what cannot carry a secret: the time (ISO 8601, UTC), the request id, the user's id or
"anonymous", the Flask endpoint (never the path, which may hold an invitation token, nor the query string), the
method, the status and the duration. Form bodies, headers, passwords, tokens, answers and votes never reach it.

The request id is the incoming `X-Request-Id` when it is a short safe token (a proxy's id is kept), else a new
one; it is sent back in the `X-Request-Id` header and shown on the error pages."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Optional

from flask import Flask, g, has_request_context, request
from flask_login import current_user

REQUESTS = logging.getLogger("whitepaper.requests")
JOBS = logging.getLogger("whitepaper.jobs")
HEADER = "X-Request-Id"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HANDLER_MARK = "_whitepaper_json_lines"


def configure(app: Flask) -> None:
    """INFO and above of both loggers; written to standard error (one line each, as they are) unless the app is
    TESTING, where they propagate to the test's log capture. The loggers are the process's: the app created last
    decides, and a second app adds no second handler."""
    for logger in (REQUESTS, JOBS):
        logger.setLevel(logging.INFO)
        logger.disabled = False  # Alembic's logging.config.fileConfig (migrations/env.py) disables existing loggers
        ours = [handler for handler in logger.handlers if getattr(handler, _HANDLER_MARK, False)]
        if app.config.get("TESTING"):
            for handler in ours:
                logger.removeHandler(handler)
            logger.propagate = True
            continue
        if not ours:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            setattr(handler, _HANDLER_MARK, True)
            logger.addHandler(handler)
        logger.propagate = False


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def incoming_or_new_id(value: Optional[str]) -> str:
    if value and SAFE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def begin_request() -> None:
    g.request_id = incoming_or_new_id(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def request_id() -> Optional[str]:
    """The current request's id (a template global: the error pages show it)."""
    if not has_request_context():
        return None
    if "request_id" not in g:  # a response made before the first hook ran
        g.request_id = incoming_or_new_id(request.headers.get(HEADER))
    return g.request_id


def _user() -> int | str:
    if current_user and current_user.is_authenticated:
        return current_user.id
    return "anonymous"


def finish_request(response) -> float:
    """Sends the id back, writes the request's line; returns the request's duration in seconds."""
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    identifier = request_id()
    response.headers[HEADER] = identifier
    if REQUESTS.isEnabledFor(logging.INFO):
        REQUESTS.info(json.dumps({
            "time": _now(), "event": "request", "request_id": identifier, "user": _user(),
            "endpoint": request.endpoint or "unmatched", "method": request.method,
            "status": response.status_code, "duration_ms": round(seconds * 1000, 2)}, separators=(",", ":")))
    return seconds


def job_ran(job_id: int, kind: str, outcome: str, seconds: float) -> None:
    if JOBS.isEnabledFor(logging.INFO):
        JOBS.info(json.dumps({"time": _now(), "event": "job", "job_id": job_id, "kind": kind, "outcome": outcome,
                              "duration_ms": round(seconds * 1000, 2)}, separators=(",", ":")))
