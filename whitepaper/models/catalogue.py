"""The catalogue: planning models, their versions, dimensions, criteria, levels, elements and alerts.

Texts in two languages are JSON objects {"es": …, "en": …}. An approved version's rows never change, except
their provenance and editorial notes: metadata about the texts, brought up to date by `catalog load` and set
validated when a committee ballot adopts a composed text."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..errors import InvalidTransition
from ..extensions import db
from .base import enum_check, utcnow

MODEL_KEYS = ("national", "subnational", "sectoral", "vision")
DIMENSION_KEYS = ("institutional", "design", "implementation", "outcomes", "sustainable_agenda")
VERSION_STATUSES = ("draft", "in_consultation", "approved", "retired")
SCOPES = ("instrument", "process", "system")
SCORING_METHODS = ("levels", "elements")
POLARITIES = ("positive", "negative")

Text = dict[str, str]
PROVENANCES = ("ilpes", "composed")


class TextProvenance:
    """Where an item's Spanish text comes from (`ilpes`, with its source, or `composed`), who translated it,
    per language (`ilpes` or `project`), and the ballot that validated a composed text."""
    provenance: Mapped[Optional[str]] = mapped_column(String(10))
    provenance_source: Mapped[Optional[str]] = mapped_column(String(120))
    translations: Mapped[Optional[dict[str, str]]] = mapped_column(JSON)
    validated_by: Mapped[Optional[str]] = mapped_column(String(200))

    @property
    def provenance_info(self) -> dict[str, Any]:
        return {"es": self.provenance, "source": self.provenance_source,
                "translations": dict(self.translations or {}), "validated_by": self.validated_by}

    def set_provenance(self, info: dict[str, Any]) -> None:
        self.provenance = info.get("es")
        self.provenance_source = info.get("source")
        self.translations = dict(info.get("translations") or {})
        self.validated_by = info.get("validated_by")

    @property
    def is_pending_validation(self) -> bool:
        return self.provenance == "composed" and not self.validated_by


def status_label(status: str) -> str:
    return {"draft": _("draft"), "in_consultation": _("in consultation"), "approved": _("approved"),
            "retired": _("retired")}.get(status, status)


class PlanningModel(db.Model):
    """One of ILPES's four planning models (not an ORM model in the Python sense)."""
    __tablename__ = "planning_models"
    __table_args__ = (CheckConstraint(enum_check("key", MODEL_KEYS), name="key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[Text] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)
    provenance: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)   # as its latest loaded version's

    versions: Mapped[list["CatalogueVersion"]] = relationship(
        back_populates="planning_model", order_by="CatalogueVersion.id", lazy="raise_on_sql")


class CatalogueVersion(db.Model):
    __tablename__ = "catalogue_versions"
    __table_args__ = (UniqueConstraint("planning_model_id", "label"),
                      CheckConstraint(enum_check("status", VERSION_STATUSES), name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    planning_model_id: Mapped[int] = mapped_column(ForeignKey("planning_models.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[Text] = mapped_column(JSON)
    description: Mapped[Text] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(200), default="")
    is_open_for_piloting: Mapped[bool] = mapped_column(default=False)
    derived_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("catalogue_versions.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[Optional[datetime]]
    retired_at: Mapped[Optional[datetime]]
    crp_decision_date: Mapped[Optional[date]]
    crp_reference: Mapped[Optional[str]] = mapped_column(String(200))
    # The model-level provenance: {"es", "source", "translations", "descriptions"} (catalogue/provenance.py)
    provenance: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)

    planning_model: Mapped[PlanningModel] = relationship(back_populates="versions", lazy="joined")
    dimensions: Mapped[list["Dimension"]] = relationship(
        back_populates="version", order_by="Dimension.position", lazy="raise_on_sql", cascade="all, delete-orphan")
    alerts: Mapped[list["Alert"]] = relationship(order_by="Alert.position", lazy="raise_on_sql",
                                                 cascade="all, delete-orphan")

    # --- transitions (docs/methods.md §6.1); each refuses what it does not allow --------------------
    def _require(self, allowed: tuple[str, ...], target: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(_("A catalogue version that is %(status)s cannot become %(target)s.",
                                      status=status_label(self.status), target=status_label(target)))

    def open_consultation(self) -> None:
        self._require(("draft",), "in_consultation")
        self.status = "in_consultation"

    def close_consultation(self) -> None:
        self._require(("in_consultation",), "retired")
        self.status = "retired"
        self.retired_at = utcnow()

    def approve(self, decision_date: date, reference: str) -> None:
        """Records the CRP decision. The caller retires the previously approved version."""
        self._require(("draft",), "approved")
        self.status = "approved"
        self.approved_at = utcnow()
        self.is_open_for_piloting = False
        self.crp_decision_date = decision_date
        self.crp_reference = reference

    def retire_superseded(self) -> None:
        self._require(("approved",), "retired")
        self.status = "retired"
        self.retired_at = utcnow()

    def set_piloting(self, is_open: bool) -> None:
        if self.status != "draft":
            raise InvalidTransition(_("Only a draft version can be opened for piloting."))
        self.is_open_for_piloting = is_open

    @property
    def is_usable_for_assessment(self) -> bool:
        return self.status == "approved" or (self.status == "draft" and self.is_open_for_piloting)

    def __repr__(self) -> str:
        return f"<CatalogueVersion {self.planning_model.key} {self.label} {self.status}>"


class Dimension(db.Model):
    __tablename__ = "dimensions"
    __table_args__ = (UniqueConstraint("version_id", "key"),
                      CheckConstraint(enum_check("key", DIMENSION_KEYS), name="key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    position: Mapped[int]
    title: Mapped[Text] = mapped_column(JSON)
    description: Mapped[Text] = mapped_column(JSON)

    version: Mapped[CatalogueVersion] = relationship(back_populates="dimensions", lazy="raise_on_sql")
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="dimension", order_by="Criterion.position", lazy="raise_on_sql", cascade="all, delete-orphan")


class Criterion(TextProvenance, db.Model):
    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      CheckConstraint(enum_check("scope", SCOPES), name="scope"),
                      CheckConstraint(enum_check("scoring", SCORING_METHODS), name="scoring"),
                      CheckConstraint("weight >= 1", name="weight"),
                      CheckConstraint("optimal >= 1", name="optimal"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id", ondelete="CASCADE"), index=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("dimensions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int]
    title: Mapped[Text] = mapped_column(JSON)
    description: Mapped[Text] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(String(12))
    weight: Mapped[int] = mapped_column(default=1)
    scoring: Mapped[str] = mapped_column(String(10))
    optimal: Mapped[int]
    sdg_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    editorial_note: Mapped[Optional[Text]] = mapped_column(JSON)

    dimension: Mapped[Dimension] = relationship(back_populates="criteria", lazy="raise_on_sql")
    levels: Mapped[list["Level"]] = relationship(order_by="Level.value", lazy="raise_on_sql",
                                                 cascade="all, delete-orphan")
    elements: Mapped[list["Element"]] = relationship(order_by="Element.position", lazy="raise_on_sql",
                                                     cascade="all, delete-orphan")

    @property
    def k(self) -> int:
        """The top value: the number of levels, or of elements."""
        return len(self.levels) if self.scoring == "levels" else len(self.elements)


class Level(TextProvenance, db.Model):
    __tablename__ = "levels"
    __table_args__ = (UniqueConstraint("criterion_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[int]
    descriptor: Mapped[Text] = mapped_column(JSON)


class Element(TextProvenance, db.Model):
    __tablename__ = "elements"
    __table_args__ = (UniqueConstraint("criterion_id", "position"),
                      CheckConstraint(enum_check("polarity", POLARITIES), name="polarity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(24))
    position: Mapped[int]
    text: Mapped[Text] = mapped_column(JSON)
    polarity: Mapped[str] = mapped_column(String(10), default="positive")
    editorial_note: Mapped[Optional[Text]] = mapped_column(JSON)


class Alert(db.Model):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]
    title: Mapped[Text] = mapped_column(JSON)
    description: Mapped[Text] = mapped_column(JSON)
    criteria_codes: Mapped[list[str]] = mapped_column(JSON)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "description": self.description,
                "criteria": list(self.criteria_codes)}
