"""Shared column helpers for the ORM classes."""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC, the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_check(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class OpenCloseLifecycle:
    """draft → open → closed between optional opening and closing dates: shared by Delphi rounds and ballots.

    The class supplies the columns (status, opens_at, closes_at, opened_at, closed_at) and
    `_refusal(status, target)`, the message of a refused transition in its own words."""

    def _require(self, allowed: str, target: str) -> None:
        if self.status != allowed:
            from ..errors import InvalidTransition
            raise InvalidTransition(self._refusal(self.status, target))

    def _start(self, now: datetime) -> None:
        self._require("draft", "open")
        self.status = "open"
        self.opened_at = now
        if self.opens_at is None or self.opens_at > now:
            self.opens_at = now

    def close(self, now: datetime) -> None:
        self._require("open", "closed")
        self.status = "closed"
        self.closed_at = now

    def is_open_at(self, now: datetime) -> bool:
        return self.status == "open" and (self.closes_at is None or now < self.closes_at)

    @property
    def is_editable(self) -> bool:
        return self.status == "draft"
