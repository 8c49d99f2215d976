"""The aggregate that members of a real-time round see while it is open (delphi/rounds/realtime.py): one stored
snapshot per agreement item, recomputed only after a batch of new or changed answers.

No time is kept on purpose: when the aggregate changed is never shown nor stored, so it cannot be matched with
when somebody was seen answering."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class RealtimeSnapshot(db.Model):
    __tablename__ = "delphi_realtime_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("delphi_items.id", ondelete="CASCADE"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), index=True)
    # members whose answer (a rating or "don't know") the snapshot includes
    answered: Mapped[int] = mapped_column(default=0)
    # valid ratings per scale point, {"1": 0, …}
    distribution: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # membership id -> keyed digest of the answer included: what tells a new or changed answer from one already
    # counted, without a second copy of the ratings (never shown)
    basis: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
