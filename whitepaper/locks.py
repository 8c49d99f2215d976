"""Write locks that make concurrent writers of the same thing run one after the other.

A save that reads the stored state, decides, then writes races another request doing the same: both read the
old state, and the second write fails on a unique key or silently undoes the first. Taking the lock *before*
the read makes the second writer wait until the first commits, and then read what it committed.

- PostgreSQL: `SELECT … FOR UPDATE` on a row, or a transaction-scoped advisory lock on a name.
- SQLite has one write lock for the whole file, and pysqlite takes it only at the first write (after the
  reads): an UPDATE that matches no row takes it at once. Either lock is held until the transaction ends."""
from __future__ import annotations

import hashlib

from sqlalchemy import select, text, update

from .extensions import db


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _sqlite_write_lock(model: type) -> None:
    key = model.__table__.c.id
    db.session.execute(update(model.__table__).where(key.is_(None)).values(id=key))


def lock_row(model: type, row_id: int) -> None:
    """Holds the write lock on one row of `model` (a mapped class with an `id` key)."""
    if _is_postgresql():
        key = model.__table__.c.id
        db.session.execute(select(key).where(key == row_id).with_for_update())
    else:
        _sqlite_write_lock(model)


def lock_name(model: type, name: str) -> None:
    """Holds a write lock on a name (work that has no row yet, such as a job about to be queued); `model` is
    the table the work writes to."""
    if _is_postgresql():
        number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:number)"), {"number": number})
    else:
        _sqlite_write_lock(model)
