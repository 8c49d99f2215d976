"""Who may do what: every predicate in one place, used by views before any change and by templates
to show or hide controls."""
from __future__ import annotations

from typing import Any

from .models import User


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_admin(user: Any) -> bool:
    return _active(user) and user.has_role("admin")


def can_manage_users(user: Any) -> bool:
    return is_admin(user)


def can_manage_catalogue(user: Any) -> bool:
    return is_admin(user)


def can_view_outbox(user: Any) -> bool:
    return is_admin(user)


def can_view_audit(user: Any) -> bool:
    return is_admin(user)


def can_manage_own_tokens(user: Any, owner: User) -> bool:
    return _active(user) and user.id == owner.id
