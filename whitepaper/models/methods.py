"""The facilitators' own texts in a committee's methods report: one per checklist item (ACCORD / DELPHISTAR
reporting items) that the data cannot answer, in Spanish and English (docs/design.md, methods report)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class MethodsText(db.Model):
    """What a facilitator wrote for one reporting item of one committee ({"es": …, "en": …})."""
    __tablename__ = "delphi_methods_texts"
    __table_args__ = (UniqueConstraint("committee_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(40))
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
