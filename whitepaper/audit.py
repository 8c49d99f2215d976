"""One helper for the audit trail, called by every state-changing service.

It records who, when, what, and the state before and after; callers never pass the content of a vote
or of a Delphi answer."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from .extensions import db, rows_insert
from .models import AuditEvent, User
from .models.base import utcnow


def record(actor: Optional[User], action: str, obj: Any = None, *, object_type: str | None = None,
           object_id: int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AuditEvent:
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(actor_id=actor.id if actor is not None else None, action=action,
                       object_type=object_type or "platform", object_id=object_id,
                       before=before, after=after)
    db.session.add(event)
    return event


@dataclass(frozen=True)
class Entry:
    """One event for `record_many`: the same fields `record` takes, the object named by type and id."""
    action: str
    object_type: str
    object_id: Optional[int] = None
    before: Optional[dict[str, Any]] = None
    after: Optional[dict[str, Any]] = None


def record_many(actor: Optional[User], entries: Iterable[Entry]) -> int:
    """Records many events of one actor at one moment in a single bulk INSERT, in the order given: the same
    rows `record` would write one by one, without building an ORM object for each. Returns how many."""
    at = utcnow()
    actor_id = actor.id if actor is not None else None
    rows = [{"at": at, "actor_id": actor_id, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "before": e.before, "after": e.after} for e in entries]
    if rows:
        table = AuditEvent.__table__
        statement, parameters = rows_insert(table, rows)
        # RETURNING: one statement on every driver (without it SQLite and psycopg would run one per row)
        db.session.execute(statement.returning(table.c.id), parameters).all()
    return len(rows)
