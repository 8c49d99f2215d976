"""The facilitator's decisions on suggested codes (whitepaper/delphi/rounds/suggestions.py makes them).

A suggestion is never applied by itself: accepting one creates the coding through the codebook service (and
the decision keeps a link to it), rejecting one keeps that code from being suggested again for the same answer
or fragment. Each decision also keeps which codes were shown together, so the methods report can count the
suggestions shown, accepted and rejected in the round."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow

DECISIONS = ("accepted", "rejected")


class SuggestionDecision(db.Model):
    """One suggested code accepted or rejected for an answer (or a fragment of it)."""
    __tablename__ = "delphi_suggestion_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("delphi_codes.id", ondelete="CASCADE"), index=True)
    fragment: Mapped[Optional[str]] = mapped_column(Text)  # None: the whole answer
    decision: Mapped[str] = mapped_column(String(10))
    rank: Mapped[int] = mapped_column(default=1)          # its place among those shown (1 = first)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    shown: Mapped[list[int]] = mapped_column(JSON, default=list)  # the codes shown together, in order
    coding_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delphi_codings.id", ondelete="SET NULL"))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<SuggestionDecision answer={self.answer_id} code={self.code_id} {self.decision}>"
