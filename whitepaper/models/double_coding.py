"""Double coding of an open round's answers: a second facilitator codes them blind to the first coding, the
platform compares the two (Krippendorff's alpha) and the pair settles each disagreement into the final coding,
which stays the round's `Coding` rows (models/delphi.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_check, utcnow
from .delphi import Round
from .user import User

SETTLEMENT_DECISIONS = ("apply", "omit")


class DoubleCoding(db.Model):
    """One blind second coding per round. Finishing it freezes the second coder's codings and takes a snapshot
    of the first coding ({answer id: [code ids]}, [] for an answer marked not codable), so that the agreement
    stays what it was when the two were compared, whatever the settling changes afterwards."""
    __tablename__ = "delphi_double_codings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), unique=True)
    coder_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[Optional[datetime]]
    first_snapshot: Mapped[Optional[dict[str, list[int]]]] = mapped_column(JSON)

    round: Mapped[Round] = relationship()
    coder: Mapped[Optional[User]] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class SecondCoding(db.Model):
    """The second coder's code for an answer or a fragment of it; no code (None) marks the answer not codable."""
    __tablename__ = "delphi_second_codings"

    id: Mapped[int] = mapped_column(primary_key=True)
    double_coding_id: Mapped[int] = mapped_column(ForeignKey("delphi_double_codings.id", ondelete="CASCADE"),
                                                  index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delphi_codes.id", ondelete="CASCADE"), index=True)
    fragment: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodingSettlement(db.Model):
    """How the pair settled one disagreement (an answer and a code that only one of them gave): the code goes
    into the final coding ("apply") or stays out of it ("omit")."""
    __tablename__ = "delphi_settlements"
    __table_args__ = (UniqueConstraint("double_coding_id", "answer_id", "code_id"),
                      CheckConstraint(enum_check("decision", SETTLEMENT_DECISIONS), name="decision"))

    id: Mapped[int] = mapped_column(primary_key=True)
    double_coding_id: Mapped[int] = mapped_column(ForeignKey("delphi_double_codings.id", ondelete="CASCADE"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("delphi_codes.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(8))
    settled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    settled_at: Mapped[datetime] = mapped_column(default=utcnow)
