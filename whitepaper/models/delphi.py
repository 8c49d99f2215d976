"""Technical committees and their pseudo-Delphi rounds: memberships, rounds and items, responses and answers,
per-round pseudonyms, and the codebook that systemizes the open answers (docs/methods.md §3, §4).

A round's scale, consensus rule and agreement band are locked once it opens; its status moves only through
its transition methods, which refuse what they do not allow."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..errors import InvalidTransition
from ..extensions import db
from .base import OpenCloseLifecycle, enum_check, utcnow
from .catalogue import CatalogueVersion, PlanningModel
from .user import Country, User

MEMBERSHIP_ROLES = ("member", "facilitator")
ROUND_KINDS = ("open", "closed")
ROUND_STATUSES = ("draft", "open", "closed", "published")
CONSENSUS_RULES = ("default", "70_15", "rand_ucla", "iqr1_sd15")
SCALES = (5, 9)
ITEM_KINDS = ("open_text", "agreement", "ranking")
RESPONSE_STATUSES = ("draft", "submitted")
# The settings a round fixes before it opens (docs/methods.md §3.1: changing them after opening is refused).
LOCKED_SETTINGS = ("scale", "rule", "band_low", "band_high")
# The smallest group whose statistics may be shown (docs/methods.md §3.10); a committee may only raise it.
MIN_CELL_SIZE = 3


def new_listing_secret() -> str:
    """A round's secret for the order in which its answers are listed (docs/methods.md §4.2)."""
    return secrets.token_hex(32)


Text2 = dict[str, str]


class Committee(db.Model):
    """One technical committee per planning model, consulting one catalogue version."""
    __tablename__ = "committees"
    __table_args__ = (CheckConstraint(f"min_cell_size >= {MIN_CELL_SIZE}", name="min_cell_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    planning_model_id: Mapped[int] = mapped_column(ForeignKey("planning_models.id"), unique=True)
    catalogue_version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"), index=True)
    # A breakdown (by subregion) of an item is shown to members and observers only when every non-empty group
    # has at least this many valid ratings (docs/methods.md §3.10).
    min_cell_size: Mapped[int] = mapped_column(default=MIN_CELL_SIZE, server_default=sql_text(str(MIN_CELL_SIZE)))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    planning_model: Mapped[PlanningModel] = relationship(lazy="joined")
    catalogue_version: Mapped[CatalogueVersion] = relationship(lazy="joined")
    memberships: Mapped[list["Membership"]] = relationship(back_populates="committee", lazy="selectin",
                                                           cascade="all, delete-orphan")
    rounds: Mapped[list["Round"]] = relationship(back_populates="committee", order_by="Round.number",
                                                 lazy="raise_on_sql", cascade="all, delete-orphan")

    def membership_of(self, user: Any, role: str | None = None) -> Optional["Membership"]:
        uid = getattr(user, "id", None)
        return next((m for m in self.memberships
                     if m.user_id == uid and (role is None or m.role == role)), None)

    @property
    def members(self) -> list["Membership"]:
        return [m for m in self.memberships if m.role == "member"]

    @property
    def facilitators(self) -> list["Membership"]:
        return [m for m in self.memberships if m.role == "facilitator"]

    def __repr__(self) -> str:
        return f"<Committee {self.planning_model.key}>"


class Membership(db.Model):
    """A person on a committee: a member (a country's expert) or a facilitator (ILPES staff)."""
    __tablename__ = "committee_memberships"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),
                      CheckConstraint(enum_check("role", MEMBERSHIP_ROLES), name="role"),
                      CheckConstraint("role = 'member' OR is_voting_representative = false",
                                      name="representative_is_member"))

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12), default="member")
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("countries.id"))
    expertise: Mapped[str] = mapped_column(String(300), default="")
    is_voting_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    committee: Mapped[Committee] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(lazy="joined")
    country: Mapped[Optional[Country]] = relationship(lazy="joined")


class Round(OpenCloseLifecycle, db.Model):
    __tablename__ = "delphi_rounds"
    __table_args__ = (UniqueConstraint("committee_id", "number"),
                      CheckConstraint(enum_check("kind", ROUND_KINDS), name="kind"),
                      CheckConstraint(enum_check("status", ROUND_STATUSES), name="status"),
                      CheckConstraint(enum_check("rule", CONSENSUS_RULES), name="rule"),
                      CheckConstraint("scale IN (5, 9)", name="scale"),
                      CheckConstraint("(band_low IS NULL AND band_high IS NULL) OR "
                                      "(band_low >= 1 AND band_low <= band_high AND band_high <= scale)",
                                      name="band"))

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    scale: Mapped[int] = mapped_column(default=5)
    rule: Mapped[str] = mapped_column(String(12), default="default")
    band_low: Mapped[Optional[int]]
    band_high: Mapped[Optional[int]]
    opens_at: Mapped[Optional[datetime]]
    closes_at: Mapped[Optional[datetime]]
    opened_at: Mapped[Optional[datetime]]
    closed_at: Mapped[Optional[datetime]]
    published_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Random, never shown: facilitators' lists of answers follow HMAC(secret, answer id), not submission order.
    listing_secret: Mapped[str] = mapped_column(String(64), default=new_listing_secret)
    # Real-time Delphi (delphi/rounds/realtime.py): members who have answered see the group's aggregate while the
    # round is open. Chosen before the round opens, fixed after.
    realtime: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_text("false"))

    committee: Mapped[Committee] = relationship(back_populates="rounds", lazy="joined")
    items: Mapped[list["Item"]] = relationship(back_populates="round", order_by="Item.position",
                                               lazy="raise_on_sql", cascade="all, delete-orphan")

    @validates(*LOCKED_SETTINGS)
    def _locked_once_open(self, key: str, value: Any) -> Any:
        if self.status not in (None, "draft") and getattr(self, key) != value:
            raise InvalidTransition(_("The scale, the consensus rule and the agreement band are locked once "
                                      "the round has opened."))
        return value

    @property
    def band(self) -> tuple[int, int] | None:
        """The round's own agreement band, or None for the default of its scale."""
        if self.band_low is None or self.band_high is None:
            return None
        return (self.band_low, self.band_high)

    # --- transitions (draft → open → closed: OpenCloseLifecycle; then → published) -----------------------
    def _refusal(self, status: str, target: str) -> str:
        return _("A round that is %(status)s cannot become %(target)s.", status=status_word(status),
                 target=status_word(target))

    def open(self, now: datetime) -> None:
        self._start(now)

    def publish(self, now: datetime) -> None:
        self._require("closed", "published")
        self.status = "published"
        self.published_at = now

    def accepts_answers(self, now: datetime) -> bool:
        return self.is_open_at(now)

    def __repr__(self) -> str:
        return f"<Round {self.committee_id}#{self.number} {self.kind} {self.status}>"


def status_word(status: str) -> str:
    return {"draft": _("a draft"), "open": _("open"), "closed": _("closed"),
            "published": _("published")}.get(status, status)


class Item(db.Model):
    """A question of a round: an open question, an agreement statement or a ranking of options."""
    __tablename__ = "delphi_items"
    __table_args__ = (CheckConstraint(enum_check("kind", ITEM_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[Text2] = mapped_column(JSON)
    # Ranking items: [{"key": "institutional", "label": {"es": …, "en": …}}, …]
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    allow_dont_know: Mapped[bool] = mapped_column(Boolean, default=True)
    # Ranking items ask for a reason, agreement items for an optional comment; the prompt says which.
    comment_prompt: Mapped[Optional[Text2]] = mapped_column(JSON)
    carried_from_item_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("delphi_items.id", ondelete="SET NULL"), index=True)

    round: Mapped[Round] = relationship(back_populates="items")
    carried_from: Mapped[Optional["Item"]] = relationship(remote_side="Item.id", lazy="raise_on_sql")
    sources: Mapped[list["ItemSource"]] = relationship(back_populates="item", lazy="raise_on_sql",
                                                       cascade="all, delete-orphan")

    @property
    def option_keys(self) -> list[str]:
        return [o["key"] for o in self.options or []]


class ItemSource(db.Model):
    """The codes a closed item came from (and through them, the anonymous answers)."""
    __tablename__ = "delphi_item_sources"

    item_id: Mapped[int] = mapped_column(ForeignKey("delphi_items.id", ondelete="CASCADE"), primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("delphi_codes.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)

    item: Mapped[Item] = relationship(back_populates="sources")
    code: Mapped["Code"] = relationship(lazy="joined")


class Response(db.Model):
    """One member's answers to one round."""
    __tablename__ = "delphi_responses"
    __table_args__ = (UniqueConstraint("round_id", "membership_id"),
                      CheckConstraint(enum_check("status", RESPONSE_STATUSES), name="status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("committee_memberships.id", ondelete="CASCADE"),
                                               index=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[Optional[datetime]]
    # Raised by one on every flush that changes one of its answers (delphi/rounds/statistics.py): part of the
    # round's data version, which keys the results cached in each process.
    data_version: Mapped[int] = mapped_column(default=0, server_default=sql_text("0"))

    round: Mapped[Round] = relationship()
    membership: Mapped[Membership] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="response", lazy="raise_on_sql",
                                                   cascade="all, delete-orphan")


class Answer(db.Model):
    __tablename__ = "delphi_answers"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),
                      CheckConstraint("rating IS NULL OR rating >= 1", name="rating"))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("delphi_responses.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("delphi_items.id", ondelete="CASCADE"), index=True)
    text: Mapped[Optional[str]] = mapped_column(Text)
    rating: Mapped[Optional[int]]
    dont_know: Mapped[bool] = mapped_column(Boolean, default=False)
    ranking: Mapped[Optional[dict[str, int]]] = mapped_column(JSON)  # option key -> rank (1 = first)
    comment: Mapped[Optional[str]] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")
    item: Mapped[Item] = relationship()
    codings: Mapped[list["Coding"]] = relationship(back_populates="answer", lazy="raise_on_sql",
                                                   cascade="all, delete-orphan")


class Pseudonym(db.Model):
    """A member's label in one round ("P-07"), drawn in random order when the round opens."""
    __tablename__ = "delphi_pseudonyms"
    __table_args__ = (UniqueConstraint("round_id", "membership_id"), UniqueConstraint("round_id", "label"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("committee_memberships.id", ondelete="CASCADE"),
                                               index=True)
    label: Mapped[str] = mapped_column(String(12))

    membership: Mapped[Membership] = relationship()


class Codebook(db.Model):
    __tablename__ = "delphi_codebooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("delphi_rounds.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship()
    codes: Mapped[list["Code"]] = relationship(back_populates="codebook", order_by="Code.position",
                                               lazy="raise_on_sql", cascade="all, delete-orphan")


class Code(db.Model):
    """A theme of the codebook. A merged code keeps its row (pointing to where it went) for traceability."""
    __tablename__ = "delphi_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("delphi_codebooks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[Text2] = mapped_column(JSON)  # {"es": …, "en": …}; one language may be empty
    definition: Mapped[Text2] = mapped_column(JSON, default=dict)
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delphi_codes.id", ondelete="SET NULL"))
    split_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delphi_codes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    codebook: Mapped[Codebook] = relationship(back_populates="codes")

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None


class Coding(db.Model):
    """An answer, or a fragment of it, assigned to a code."""
    __tablename__ = "delphi_codings"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("delphi_codes.id", ondelete="CASCADE"), index=True)
    fragment: Mapped[Optional[str]] = mapped_column(Text)  # None: the whole answer
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="codings")
    code: Mapped[Code] = relationship()


class UncodableMark(db.Model):
    """An open answer a facilitator judged not codable (so it no longer counts as still to code)."""
    __tablename__ = "delphi_uncodable_marks"

    answer_id: Mapped[int] = mapped_column(ForeignKey("delphi_answers.id", ondelete="CASCADE"),
                                           primary_key=True)
    marked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
