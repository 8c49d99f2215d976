"""The worker's side of the outbox: claim a due message, send it over SMTP, record the outcome.

A message is claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL and with a conditional update on SQLite,
as jobs are (reports/jobs.py), so two workers never send the same message. A temporary failure (server down or
busy, a 4xx answer) puts it back in the queue after an exponential back-off; a permanent one (a 5xx answer, a header
that would inject others) or the last allowed attempt (MAIL_MAX_ATTEMPTS) marks it failed, with the reason."""
from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Callable, Optional

from flask import current_app
from sqlalchemy import select, update

from ..extensions import db
from ..models import OutboxMessage
from ..models.base import utcnow
from .compose import UnsafeHeader, compose

RETRY_FIRST = timedelta(minutes=1)     # then 2, 4, 8 … minutes
RETRY_LONGEST = timedelta(hours=6)
CLAIM_DEADLINE = timedelta(minutes=5)  # a message still "sending" after this is claimed again
SMTP_TIMEOUT_SECONDS = 10
MAX_ERROR_LENGTH = 2000


def is_configured() -> bool:
    """Mail leaves only when MAIL_SERVER and MAIL_PORT are set; otherwise it stays in the outbox."""
    return bool(current_app.config.get("MAIL_SERVER") and current_app.config.get("MAIL_PORT"))


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4 … minutes, at most 6 hours."""
    return min(RETRY_FIRST * 2 ** max(0, attempts - 1), RETRY_LONGEST)


def deliver_due(*, limit: int = 100, should_stop: Callable[[], bool] = lambda: False,
                clock: Callable[[], datetime] = utcnow) -> int:
    """Sends the messages that are due, one at a time, until none is left, `limit` is reached or a stop is asked.
    Returns how many were attempted. Does nothing unless mail is configured."""
    if not is_configured():
        return 0
    attempted = 0
    while attempted < limit and not should_stop():
        message = claim(clock())
        if message is None:
            break
        deliver(message, clock)
        attempted += 1
    return attempted


def _due(now: datetime):
    return (OutboxMessage.status.in_(("queued", "sending")), OutboxMessage.next_attempt_at <= now)


def claim(now: datetime) -> Optional[OutboxMessage]:
    """Takes the message due first and marks it sending (one more attempt); commits the claim at once."""
    deadline = now + CLAIM_DEADLINE
    order = (OutboxMessage.next_attempt_at, OutboxMessage.id)
    if db.engine.dialect.name == "postgresql":
        message = db.session.scalar(select(OutboxMessage).where(*_due(now)).order_by(*order)
                                    .limit(1).with_for_update(skip_locked=True))
        if message is None:
            db.session.rollback()
            return None
        message.status, message.attempts, message.next_attempt_at = "sending", message.attempts + 1, deadline
        db.session.commit()
        return message
    first = select(OutboxMessage.id).where(*_due(now)).order_by(*order).limit(1).scalar_subquery()
    claimed_id = db.session.scalar(update(OutboxMessage).where(OutboxMessage.id == first, *_due(now))
                                   .values(status="sending", attempts=OutboxMessage.attempts + 1,
                                           next_attempt_at=deadline)
                                   .returning(OutboxMessage.id))
    db.session.commit()
    return db.session.get(OutboxMessage, claimed_id) if claimed_id is not None else None


def deliver(message: OutboxMessage, clock: Callable[[], datetime] = utcnow) -> None:
    """Sends one claimed message and stores the outcome; no error of the message's stops the worker."""
    config = current_app.config
    try:
        email = compose(message, config["MAIL_SENDER"], clock())
    except (UnsafeHeader, ValueError, TypeError) as error:
        _fail(message, str(error))
        return
    try:
        _send(email, config["MAIL_SERVER"], int(config["MAIL_PORT"]))
    except (OSError, smtplib.SMTPException) as error:
        reason = f"{type(error).__name__}: {error}"
        if _is_permanent(error):
            _fail(message, reason)
        else:
            _retry_later(message, reason, clock(), int(config["MAIL_MAX_ATTEMPTS"]))
        return
    message.status, message.sent_at, message.last_error = "sent", clock(), None
    db.session.commit()


def _send(email: EmailMessage, server: str, port: int) -> None:
    smtp = smtplib.SMTP(server, port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        smtp.send_message(email)
    finally:
        try:
            smtp.quit()  # the message is accepted already: a failed goodbye must not send it twice
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer, every recipient refused for good, or a feature the server lacks: retrying will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, smtplib.SMTPNotSupportedError)


def _retry_later(message: OutboxMessage, reason: str, now: datetime, max_attempts: int) -> None:
    if message.attempts >= max_attempts:
        _fail(message, f"{reason} (gave up after {message.attempts} attempts)")
        return
    message.status, message.last_error = "queued", reason[:MAX_ERROR_LENGTH]
    message.next_attempt_at = now + retry_delay(message.attempts)
    current_app.logger.warning("mail %s to be retried at %s: %s", message.id, message.next_attempt_at, reason)
    db.session.commit()


def _fail(message: OutboxMessage, reason: str) -> None:
    message.status, message.last_error = "failed", reason[:MAX_ERROR_LENGTH]
    current_app.logger.error("mail %s failed: %s", message.id, reason)
    db.session.commit()
