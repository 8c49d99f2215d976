"""Least privilege for facilitators: the countries whose self-evaluations a facilitator follows.

A facilitator reads a country's drafts and evidence, and reviews, validates, returns and publishes its
assessments, only when an administrator has assigned them to that country. Their assignment to a committee is
their `Membership` with role "facilitator" (models/delphi.py), made by an administrator as well."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .user import Country, User


class CountryAssignment(db.Model):
    """A facilitator assigned to one country's self-evaluations."""
    __tablename__ = "facilitator_countries"
    __table_args__ = (UniqueConstraint("user_id", "country_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="country_assignments")
    country: Mapped[Country] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<CountryAssignment user={self.user_id} country={self.country_id}>"
