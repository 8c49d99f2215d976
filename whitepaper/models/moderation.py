"""Moderation of the anonymous comments that the aggregated feedback shows (delphi/rounds/moderation.py): a
facilitator hides a comment with a reason, and members flag comments they think should not be shown.

The comment itself stays in its Answer, untouched: hiding only keeps it out of the feedback, the results and
the exports, and unhiding deletes the hiding. Who flagged is kept only so that a member flags a comment once;
facilitators see how many flags a comment has, never whose."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class CommentHiding(db.Model):
    """An answer's comment hidden from the feedback, with the reason the member is told."""
    __tablename__ = "delphi_comment_hidings"

    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    hidden_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentFlag(db.Model):
    """A member's flag on another member's comment: at most one per member and comment."""
    __tablename__ = "delphi_comment_flags"
    __table_args__ = (UniqueConstraint("answer_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("committee_memberships.id", ondelete="CASCADE"),
                                               index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
