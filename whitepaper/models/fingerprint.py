"""The comparability fingerprint of a submitted assessment, fixed at submission (docs/design.md,
"Comparability fingerprint"): what a regional comparison checks before putting two assessments side by side.
Written again at each submission (a returned assessment is resubmitted), never otherwise."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class AssessmentFingerprint(db.Model):
    __tablename__ = "assessment_fingerprints"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    catalogue_version: Mapped[str] = mapped_column(String(40))
    scoring_mode: Mapped[str] = mapped_column(String(10))
    rules: Mapped[str] = mapped_column(String(40))
    not_applicable: Mapped[dict[str, int]] = mapped_column(JSON)   # dimension key -> count
    no_information: Mapped[dict[str, int]] = mapped_column(JSON)
    groups: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
