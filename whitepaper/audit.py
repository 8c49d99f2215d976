"""One helper for the audit trail, called by every state-changing service.

It records who, when, what, and the state before and after; callers never pass the content of a vote
or of a Delphi answer."""
from __future__ import annotations

from typing import Any, Optional

from .extensions import db
from .models import AuditEvent, User


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
