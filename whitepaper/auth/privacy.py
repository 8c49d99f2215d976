"""Personal data: an administrator anonymises a departed member, and client addresses are kept only
ADDRESS_RETENTION_DAYS. Services flush; the caller commits once."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from .. import audit
from ..errors import NotAllowed
from ..extensions import db
from ..models import ActionToken, ApiToken, AuditEvent, LoginAttempt, OutboxMessage, User
from ..models.base import utcnow
from . import throttle
from .services import end_sessions

PERSONAL_KEYS = ("email", "name")


def placeholder_email(user: User) -> str:
    return f"anonymised-{user.id}@invalid"


def anonymise(actor: User, user: User) -> None:
    """Name and e-mail become a placeholder, the password unusable, sessions, tokens and links end; what the
    person contributed (answers under their pseudonym, ratings, votes) stays, no longer tied to a name."""
    if user.id == actor.id:
        raise NotAllowed(_("You cannot anonymise your own account."))
    old_email, placeholder, now = user.email, placeholder_email(user), utcnow()
    user.email, user.name = placeholder, f"anonymised-{user.id}"
    user.password_hash, user.locale, user.organization_id = None, None, None
    user.is_active_account = False
    end_sessions(user)
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now).execution_options(synchronize_session=False))
    db.session.execute(update(ActionToken).where(ActionToken.user_id == user.id, ActionToken.used_at.is_(None))
                       .values(used_at=now).execution_options(synchronize_session=False))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.to == old_email).values(to=placeholder)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == old_email))
    _scrub_audit_snapshots(user)
    db.session.flush()
    audit.record(actor, "user.anonymise", user)


def _scrub_audit_snapshots(user: User) -> None:
    """The audit trail keeps what happened to the account, without its former name and e-mail."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == User.__tablename__,
                                                         AuditEvent.object_id == user.id))
    for event in events:
        for side in ("before", "after"):
            snapshot = getattr(event, side)
            if snapshot and any(key in snapshot for key in PERSONAL_KEYS):
                setattr(event, side, {**snapshot, **{key: getattr(user, key) for key in PERSONAL_KEYS
                                                     if key in snapshot}})


def purge_client_addresses() -> int:
    """Deletes the failed-login log (the only place client addresses are stored) older than
    ADDRESS_RETENTION_DAYS, and throttling counters whose window is long over. Returns the rows deleted."""
    days = timedelta(days=current_app.config["ADDRESS_RETENTION_DAYS"])
    removed = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - days)).rowcount
    return removed + throttle.purge_stale(timedelta(days=1))
