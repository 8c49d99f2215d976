"""Mail: every message is written to the outbox in the transaction of the action that sends it (`queue`), so it
leaves only if the action commits; the worker delivers it over SMTP (`delivery`). Addresses are checked where they
enter the platform (`addresses`)."""
from __future__ import annotations

from ..extensions import db
from ..models import OutboxMessage
from .addresses import EmailAddress, check_address, has_line_break

__all__ = ["EmailAddress", "check_address", "has_line_break", "queue"]


def queue(to: str, subject: str, body: str) -> OutboxMessage:
    """Adds a message to the outbox in the current transaction (the caller commits); never touches SMTP."""
    message = OutboxMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    return message
