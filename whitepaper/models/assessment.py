"""Self-evaluations: an assessment of a planning system against a catalogue version, its workshop groups,
participants, consolidated and group ratings (with element marks), evidence, improvement actions and the
review trail. Workflow transitions are methods that refuse what docs/methods.md §2.8 and the issue do not allow."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import InvalidTransition
from ..extensions import db
from .base import enum_check, utcnow
from .catalogue import CatalogueVersion, Criterion, Element, PlanningModel
from .user import Country, User

ASSESSMENT_STATUSES = ("draft", "submitted", "returned", "validated", "published")
EDITABLE_STATUSES = ("draft", "returned")
RATING_KINDS = ("value", "not_applicable", "no_information")
PARTICIPANT_KINDS = ("organization", "person")
EVIDENCE_KINDS = ("link", "file")
REVIEW_ACTIONS = ("submitted", "returned", "validated", "published")

def status_label(status: str) -> str:
    return {"draft": _("draft"), "submitted": _("submitted"), "returned": _("returned"),
            "validated": _("validated"), "published": _("published")}.get(status, status)


# A level belongs only to a rating of kind "value" (written so that a NULL kind cannot slip through).
LEVEL_NEEDS_VALUE = "level IS NULL OR (kind IS NOT NULL AND kind = 'value')"


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(enum_check("status", ASSESSMENT_STATUSES), name="status"),
        CheckConstraint("period_start <= period_end", name="period"),
        Index("ix_assessments_lineage", "country_id", "planning_model_id", "scope_name", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    planning_model_id: Mapped[int] = mapped_column(ForeignKey("planning_models.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"), index=True)
    scope_name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[int]
    period_end: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    is_public: Mapped[bool] = mapped_column(default=False)
    revises_id: Mapped[Optional[int]] = mapped_column(ForeignKey("assessments.id"), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[Optional[datetime]]
    validated_at: Mapped[Optional[datetime]]
    published_at: Mapped[Optional[datetime]]

    country: Mapped[Country] = relationship(lazy="joined", innerjoin=True)
    planning_model: Mapped[PlanningModel] = relationship(lazy="joined", innerjoin=True)
    version: Mapped[CatalogueVersion] = relationship(lazy="joined", innerjoin=True)
    created_by: Mapped[Optional[User]] = relationship(lazy="raise_on_sql")
    revises: Mapped[Optional["Assessment"]] = relationship(remote_side=[id], lazy="raise_on_sql")
    groups: Mapped[list["WorkshopGroup"]] = relationship(
        back_populates="assessment", order_by="WorkshopGroup.position", lazy="raise_on_sql",
        cascade="all, delete-orphan", passive_deletes=True)
    participants: Mapped[list["AssessmentParticipant"]] = relationship(
        order_by="AssessmentParticipant.position", lazy="raise_on_sql", cascade="all, delete-orphan",
        passive_deletes=True)
    ratings: Mapped[list["Rating"]] = relationship(back_populates="assessment", lazy="raise_on_sql",
                                                   cascade="all, delete-orphan", passive_deletes=True)
    reviews: Mapped[list["AssessmentReview"]] = relationship(order_by="AssessmentReview.id", lazy="raise_on_sql",
                                                             cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def is_validated(self) -> bool:
        """Validated for scoring purposes (docs/methods.md §2.8: provisional until validated)."""
        return self.status in ("validated", "published")

    # --- transitions ------------------------------------------------------------------------------------
    def _require(self, allowed: tuple[str, ...], target: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(_("An assessment that is %(status)s cannot become %(target)s.",
                                      status=status_label(self.status), target=status_label(target)))

    def submit(self, complete: int, total: int) -> None:
        """Only a complete assessment can be submitted: `complete` of `total` criteria have complete ratings."""
        self._require(EDITABLE_STATUSES, "submitted")
        if total == 0 or complete < total:
            raise InvalidTransition(_("Only a complete assessment can be submitted: %(done)d of %(total)d "
                                      "criteria have a complete rating (a rating, a justification and, for a "
                                      "value, a means of verification).", done=complete, total=total))
        self.status = "submitted"
        self.submitted_at = utcnow()

    def validate(self) -> None:
        self._require(("submitted",), "validated")
        self.status = "validated"
        self.validated_at = utcnow()

    def return_for_changes(self) -> None:
        self._require(("submitted", "validated"), "returned")
        self.status = "returned"
        self.validated_at = None

    def publish(self) -> None:
        self._require(("validated",), "published")
        self.status = "published"
        self.published_at = utcnow()

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.scope_name} {self.period_start}-{self.period_end} {self.status}>"


class WorkshopGroup(db.Model):
    __tablename__ = "workshop_groups"
    __table_args__ = (UniqueConstraint("assessment_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)

    assessment: Mapped[Assessment] = relationship(back_populates="groups", lazy="raise_on_sql")
    ratings: Mapped[list["GroupRating"]] = relationship(back_populates="group", lazy="raise_on_sql",
                                                        cascade="all, delete-orphan", passive_deletes=True)


class AssessmentParticipant(db.Model):
    """An organization taking part, or a person (with their organization and, optionally, group)."""
    __tablename__ = "assessment_participants"
    __table_args__ = (CheckConstraint(enum_check("kind", PARTICIPANT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    organization: Mapped[str] = mapped_column(String(200), default="")
    group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("workshop_groups.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)

    group: Mapped[Optional[WorkshopGroup]] = relationship(lazy="raise_on_sql")


class Rating(db.Model):
    """The consolidated rating of one criterion in one assessment (one per criterion: a unique key).

    `kind` is None while the criterion is unrated (a justification may already be typed). `version` counts
    saves: a save that was loaded from an older version is refused (optimistic concurrency)."""
    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_id"),
        CheckConstraint(enum_check("kind", RATING_KINDS), name="kind"),
        CheckConstraint("level IS NULL OR level >= 1", name="level_positive"),
        CheckConstraint(LEVEL_NEEDS_VALUE, name="level_needs_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    kind: Mapped[Optional[str]] = mapped_column(String(16))
    level: Mapped[Optional[int]]
    justification: Mapped[str] = mapped_column(Text, default="")
    means_of_verification: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __mapper_args__ = {"version_id_col": version}

    assessment: Mapped[Assessment] = relationship(back_populates="ratings", lazy="raise_on_sql")
    criterion: Mapped[Criterion] = relationship(lazy="raise_on_sql")
    updated_by: Mapped[Optional[User]] = relationship(lazy="raise_on_sql")
    element_marks: Mapped[list["ElementMark"]] = relationship(
        lazy="raise_on_sql", cascade="all, delete-orphan", passive_deletes=True)
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="rating", order_by="Evidence.id",
                                                      lazy="raise_on_sql", cascade="all, delete-orphan",
                                                      passive_deletes=True)
    improvement_action: Mapped[Optional["ImprovementAction"]] = relationship(
        back_populates="rating", lazy="raise_on_sql", cascade="all, delete-orphan", passive_deletes=True,
        uselist=False)


class ElementMark(db.Model):
    """A verification element marked present or absent in a consolidated rating (no row: unanswered)."""
    __tablename__ = "rating_element_marks"

    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), primary_key=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("elements.id"), primary_key=True)
    is_present: Mapped[bool]

    element: Mapped[Element] = relationship(lazy="raise_on_sql")


class GroupRating(db.Model):
    """One workshop group's rating of a criterion, before the workshop agrees the consolidated one."""
    __tablename__ = "group_ratings"
    __table_args__ = (
        UniqueConstraint("group_id", "criterion_id"),
        CheckConstraint(enum_check("kind", RATING_KINDS), name="kind"),
        CheckConstraint("level IS NULL OR level >= 1", name="level_positive"),
        CheckConstraint(LEVEL_NEEDS_VALUE, name="level_needs_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("workshop_groups.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id"), index=True)
    kind: Mapped[Optional[str]] = mapped_column(String(16))
    level: Mapped[Optional[int]]
    justification: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[WorkshopGroup] = relationship(back_populates="ratings", lazy="raise_on_sql")
    updated_by: Mapped[Optional[User]] = relationship(lazy="raise_on_sql")
    element_marks: Mapped[list["GroupElementMark"]] = relationship(lazy="raise_on_sql",
                                                                   cascade="all, delete-orphan", passive_deletes=True)

    # A group rating has no means of verification of its own; the consolidated rating carries it.
    means_of_verification = ""


class GroupElementMark(db.Model):
    __tablename__ = "group_rating_element_marks"

    group_rating_id: Mapped[int] = mapped_column(ForeignKey("group_ratings.id", ondelete="CASCADE"),
                                                 primary_key=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("elements.id"), primary_key=True)
    is_present: Mapped[bool]


class Evidence(db.Model):
    """A link, or an uploaded file stored under UPLOAD_FOLDER with a random name (served after a permission
    check only). Copies of an assessment (a correction) may share a stored file."""
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(enum_check("kind", EVIDENCE_KINDS), name="kind"),
        CheckConstraint("(kind = 'link' AND url IS NOT NULL) OR (kind = 'file' AND stored_name IS NOT NULL)",
                        name="payload"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[Optional[str]] = mapped_column(String(2000))
    filename: Mapped[Optional[str]] = mapped_column(String(255))
    stored_name: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    content_type: Mapped[Optional[str]] = mapped_column(String(100))
    size: Mapped[Optional[int]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    rating: Mapped[Rating] = relationship(back_populates="evidence", lazy="raise_on_sql")

    @property
    def display_name(self) -> str:
        return self.label or self.filename or self.url or ""


class ImprovementAction(db.Model):
    """What will be done about a criterion, who does it and by when (the improvement plan)."""
    __tablename__ = "improvement_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id", ondelete="CASCADE"), unique=True)
    what: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[Optional[date]]

    rating: Mapped[Rating] = relationship(back_populates="improvement_action", lazy="raise_on_sql")


class AssessmentReview(db.Model):
    """The review trail: who submitted, returned (with comments), validated or published, and when."""
    __tablename__ = "assessment_reviews"
    __table_args__ = (CheckConstraint(enum_check("action", REVIEW_ACTIONS), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(12))
    comments: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[Optional[User]] = relationship(lazy="joined")
