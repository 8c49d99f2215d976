"""Throttling of sign-in attempts and of e-mailed links, decided by the database so that it holds under
concurrency and across worker processes.

Each throttled key (an account or a client address, per action) has one ThrottleBucket row: a counter in a
fixed window. A claim is one conditional UPDATE (`used = used + 1 WHERE used < limit`, or a new window when
the old one has passed); the database serialises updates of a row, so no more than `limit` claims succeed in a
window however many requests arrive at once, on SQLite and PostgreSQL alike. A sign-in claims before the
password is checked and gives its claim back when the password is right, so only failures (and attempts in
flight) count. Keys are stored hashed: the table holds no address or e-mail.

Services flush; a refused claim raises Throttled (429 with Retry-After) and the caller rolls back, which
also undoes an earlier claim of the same request."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import case, or_, select, update

from ..errors import DomainError, error_response
from ..extensions import db, upsert_insert
from ..models import ThrottleBucket
from ..models.base import utcnow


class Throttled(DomainError):
    """Too many attempts: the message says when to try again; `retry_after` is in seconds."""
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    action: str   # "login", "link" or "invitation"
    subject: str  # "account", "address" or "sender"
    value: str
    limit: int
    window: timedelta

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.action}\0{self.subject}\0{self.value}".encode()).hexdigest()


def _insert_if_missing(key: str, now: datetime) -> None:
    db.session.execute(upsert_insert(ThrottleBucket).values(key=key, window_started_at=now, used=0)
                       .on_conflict_do_nothing(index_elements=["key"]))


def _claim(limit: Limit, now: datetime) -> bool:
    """One slot of the limit's window, atomically: True when taken, False when the window is full."""
    _insert_if_missing(limit.key, now)
    passed = ThrottleBucket.window_started_at <= now - limit.window
    claimed = db.session.execute(
        update(ThrottleBucket)
        .where(ThrottleBucket.key == limit.key, or_(passed, ThrottleBucket.used < limit.limit))
        .values(used=case((passed, 1), else_=ThrottleBucket.used + 1),
                window_started_at=case((passed, now), else_=ThrottleBucket.window_started_at))
        .execution_options(synchronize_session=False)).rowcount
    return claimed == 1


def _release(limit: Limit) -> None:
    db.session.execute(update(ThrottleBucket).where(ThrottleBucket.key == limit.key, ThrottleBucket.used > 0)
                       .values(used=ThrottleBucket.used - 1).execution_options(synchronize_session=False))


def _seconds_left(limit: Limit, now: datetime) -> int:
    started = db.session.scalar(select(ThrottleBucket.window_started_at).where(ThrottleBucket.key == limit.key))
    left = ((started or now) + limit.window - now).total_seconds()
    return max(1, math.ceil(left))


def _claim_all(limits: list[Limit], message) -> None:
    now = utcnow()
    for limit in limits:
        if not _claim(limit, now):
            seconds = _seconds_left(limit, now)
            raise Throttled(message(limit, math.ceil(seconds / 60)), seconds)


def _minutes(key: str) -> timedelta:
    return timedelta(minutes=current_app.config[key])


# --- sign-in --------------------------------------------------------------------------------------------

def sign_in_limits(email: str, address: str) -> list[Limit]:
    config, window = current_app.config, _minutes("LOGIN_WINDOW_MINUTES")
    return [Limit("login", "account", email.strip().lower(), config["LOGIN_MAX_FAILURES"], window),
            Limit("login", "address", address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"], window)]


def _sign_in_message(limit: Limit, minutes: int) -> str:
    if limit.subject == "account":
        return _("Too many failed attempts for this account. Wait %(m)d minutes and try again, or reset your "
                 "password.", m=minutes)
    return _("Too many failed attempts from your network. Wait %(m)d minutes and try again.", m=minutes)


def claim_sign_in(email: str, address: str) -> None:
    """Before a password is checked: raises Throttled when the account or the address has used its window."""
    _claim_all(sign_in_limits(email, address), _sign_in_message)


def release_sign_in(email: str, address: str) -> None:
    """After a right password: the attempt does not count."""
    for limit in sign_in_limits(email, address):
        _release(limit)


# --- e-mailed links ---------------------------------------------------------------------------------------

def _link_message(_limit: Limit, minutes: int) -> str:
    return _("Too many requests for e-mailed links. Wait %(m)d minutes and try again.", m=minutes)


def claim_link_request(email: str, address: str) -> None:
    """A password-reset request, counted per account (known or not, so nothing is revealed) and per address."""
    config, window = current_app.config, _minutes("LINK_WINDOW_MINUTES")
    _claim_all([Limit("link", "account", email.strip().lower(), config["LINK_REQUESTS_PER_ACCOUNT"], window),
                Limit("link", "address", address, config["LINK_REQUESTS_PER_ADDRESS"], window)], _link_message)


def claim_invitation(email: str, sender_id: int) -> None:
    """An invitation, counted per invited account and per sender (invitations come from signed-in staff)."""
    config, window = current_app.config, _minutes("LINK_WINDOW_MINUTES")
    _claim_all([Limit("invitation", "account", email.strip().lower(), config["LINK_REQUESTS_PER_ACCOUNT"], window),
                Limit("invitation", "sender", str(sender_id), config["INVITATIONS_PER_SENDER"], window)],
               _link_message)


def purge_stale(older_than: timedelta) -> int:
    """Deletes counters whose window started before `older_than` ago (they decide nothing any more)."""
    cutoff = utcnow() - max(older_than, _minutes("LOGIN_WINDOW_MINUTES"), _minutes("LINK_WINDOW_MINUTES"))
    return db.session.execute(ThrottleBucket.__table__.delete()
                              .where(ThrottleBucket.window_started_at < cutoff)).rowcount


# --- the response -----------------------------------------------------------------------------------------

def with_retry_after(response, refusal: Throttled):
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(Throttled)
    def throttled(error: Throttled):
        """A refusal raised outside the pages that show it in their form (an invitation, the API)."""
        db.session.rollback()
        return with_retry_after(app.make_response(error_response(429, error.message, error.code)), error)
