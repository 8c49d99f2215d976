"""Accounts, countries and organizations, tokens, login throttling and the mail outbox."""
from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_check, utcnow

ROLES = ("admin", "facilitator", "member", "assessor", "observer")
SUBREGIONS = ("south_america", "central_america_mexico", "caribbean")
TOKEN_PURPOSES = ("invitation", "password_reset")


class Country(db.Model):
    __tablename__ = "countries"
    __table_args__ = (CheckConstraint(enum_check("subregion", SUBREGIONS), name="subregion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    iso3: Mapped[str] = mapped_column(String(3), unique=True)
    name_es: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    subregion: Mapped[str] = mapped_column(String(30))

    def name(self, lang: str) -> str:
        return self.name_es if lang == "es" else self.name_en

    def __repr__(self) -> str:
        return f"<Country {self.iso3}>"


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("country_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("countries.id"))
    country: Mapped[Optional[Country]] = relationship()


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(enum_check("role", ROLES), name="role"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    # The session version: changing it ends every session and remember-me cookie of this user (logout, password
    # change or reset, deactivation, anonymisation); the user loader compares it on every request.
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("countries.id"))
    organization_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organizations.id"))
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[Optional[datetime]]

    country: Mapped[Optional[Country]] = relationship(lazy="joined")
    organization: Mapped[Optional[Organization]] = relationship()
    # Loaded on first use: the signed-in user's roles come with the user in one query (auth/sessions.load_user,
    # auth/services.user_for_api_token); other users' roles only where a page shows them (admin lists), so that
    # loading a committee's members does not also load every member's roles.
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")
    # A facilitator's countries (models/assignment.py): loaded on first use, which only facilitators need.
    country_assignments: Mapped[list["CountryAssignment"]] = relationship(
        foreign_keys="CountryAssignment.user_id", back_populates="user", cascade="all, delete-orphan",
        passive_deletes=True)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles: set[str] | frozenset[str]) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        keep = [r for r in self.role_rows if r.role in roles]
        self.role_rows = keep + [UserRole(role=r) for r in sorted(roles) if r not in {k.role for k in keep}]

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    def get_id(self) -> str:
        """What a session and a remember-me cookie carry: id, session version and the time of signing in."""
        return f"{self.id}:{self.session_nonce}:{int(time.time())}"

    def __eq__(self, other: object) -> bool:  # by row, not by get_id(), which carries the time of signing in
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    __hash__ = object.__hash__

    def display_name(self) -> str:
        return self.name or self.email

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(db.Model):
    """A personal, read-only token for the JSON API; only its hash is stored."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship()


class ActionToken(db.Model):
    """A single-use, expiring link token (invitation, password reset); only its hash is stored."""
    __tablename__ = "action_tokens"
    __table_args__ = (CheckConstraint(enum_check("purpose", TOKEN_PURPOSES), name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """The log of failed logins with the client address, kept ADDRESS_RETENTION_DAYS (auth/privacy.py purges it);
    the throttling decision itself is made on ThrottleBucket rows."""
    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(45), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ThrottleBucket(db.Model):
    """A counter of attempts in a fixed window for one throttled key (an account or a client address, per
    action). The key is a hash, so the table holds no address or e-mail. It is claimed by one conditional
    UPDATE, which the database serialises per row: never more claims than the limit (auth/throttle.py)."""
    __tablename__ = "throttle_buckets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime]
    used: Mapped[int] = mapped_column(default=0)


OUTBOX_STATES = ("queued", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    """Every e-mail the platform sends is written here, in the transaction of the action that sends it; the worker
    delivers it (whitepaper/mail/delivery.py).

    queued → sending when a worker claims it (then `next_attempt_at` is the claim's deadline: past it, a worker
    that died mid-send is presumed gone and the message is claimed again) → sent; or back to queued with a later
    `next_attempt_at` after a temporary failure; or failed (refused for good, or out of attempts)."""
    __tablename__ = "outbox_messages"
    __table_args__ = (CheckConstraint(enum_check("status", OUTBOX_STATES), name="status"),
                      Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
