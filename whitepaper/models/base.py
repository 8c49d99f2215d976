"""Shared column helpers for the ORM classes."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC, the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_check(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
