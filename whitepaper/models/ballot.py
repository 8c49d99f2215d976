"""Virtual votes of a committee (docs/methods.md §5): ballots with their stored rule, the voters fixed when a
ballot opens, its items with the outcome computed at closing, the votes, and the comment-resolution table.

A vote is counted once by construction: one row per (item, voter), and with the country unit one row per
(item, country); a change of mind updates that row. A ballot's rule is locked once it opens. When a secret
ballot closes its votes are deleted: the tally, who voted (`BallotEligibility.voted_items`), a digest of the
choices (`BallotItem.choices_digest`) and the reasons, unlinked (`CommentResolution`), remain."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..errors import InvalidTransition
from ..extensions import db
from .base import OpenCloseLifecycle, enum_check, utcnow
from .catalogue import CatalogueVersion
from .delphi import Committee
from .user import Country, User

BALLOT_STAGES = ("dimensions_levels", "criteria", "optimal_levels")
BALLOT_STATUSES = ("draft", "open", "closed")
VOTING_UNITS = ("member", "country")
VOTE_CHOICES = ("approve", "reject", "abstain")
ITEM_OUTCOMES = ("approved", "rejected", "not_decided")
RESOLUTION_DECISIONS = ("accepted", "partially_accepted", "not_accepted", "noted")
# The rule's columns: fixed when the ballot opens, so that a result can always be recomputed as it was.
RULE_FIELDS = ("unit", "quorum_num", "quorum_den", "threshold_num", "threshold_den", "reject_cap_num",
               "reject_cap_den", "is_secret")

Text2 = dict[str, str]


def _fraction_check(prefix: str, lower_strict: bool = False) -> str:
    low = ">" if lower_strict else ">="
    return (f"{prefix}_den > 0 AND {prefix}_num {low} 0 AND {prefix}_num <= {prefix}_den")


def status_word(status: str) -> str:
    return {"draft": _("a draft"), "open": _("open"), "closed": _("closed")}.get(status, status)


class Ballot(OpenCloseLifecycle, db.Model):
    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("committee_id", "number"),
        CheckConstraint(enum_check("stage", BALLOT_STAGES), name="stage"),
        CheckConstraint(enum_check("status", BALLOT_STATUSES), name="status"),
        CheckConstraint(enum_check("unit", VOTING_UNITS), name="unit"),
        CheckConstraint(_fraction_check("quorum"), name="quorum"),
        CheckConstraint(_fraction_check("threshold", lower_strict=True), name="threshold"),
        CheckConstraint("(reject_cap_num IS NULL AND reject_cap_den IS NULL) OR ("
                        + _fraction_check("reject_cap") + ")", name="reject_cap"),
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id", ondelete="CASCADE"), index=True)
    catalogue_version_id: Mapped[int] = mapped_column(ForeignKey("catalogue_versions.id"), index=True)
    number: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    unit: Mapped[str] = mapped_column(String(10), default="member")
    quorum_num: Mapped[int] = mapped_column(default=1)
    quorum_den: Mapped[int] = mapped_column(default=2)
    threshold_num: Mapped[int] = mapped_column(default=2)
    threshold_den: Mapped[int] = mapped_column(default=3)
    reject_cap_num: Mapped[Optional[int]]
    reject_cap_den: Mapped[Optional[int]]
    is_secret: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[Optional[datetime]]
    closes_at: Mapped[Optional[datetime]]
    opened_at: Mapped[Optional[datetime]]
    closed_at: Mapped[Optional[datetime]]
    follow_up_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ballots.id", ondelete="SET NULL"),
                                                           index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    committee: Mapped[Committee] = relationship(lazy="joined", innerjoin=True)
    catalogue_version: Mapped[CatalogueVersion] = relationship(lazy="joined", innerjoin=True)
    follow_up_of: Mapped[Optional["Ballot"]] = relationship(remote_side="Ballot.id", lazy="raise_on_sql")
    items: Mapped[list["BallotItem"]] = relationship(back_populates="ballot", order_by="BallotItem.position",
                                                     lazy="raise_on_sql", cascade="all, delete-orphan",
                                                     passive_deletes=True)
    eligibility: Mapped[list["BallotEligibility"]] = relationship(
        back_populates="ballot", lazy="raise_on_sql", cascade="all, delete-orphan", passive_deletes=True)

    # --- the rule ---------------------------------------------------------------------------------------
    @validates(*RULE_FIELDS)
    def _locked_once_open(self, key: str, value: Any) -> Any:
        if self.status not in (None, "draft") and getattr(self, key) != value:
            raise InvalidTransition(_("The voting rule is fixed once the ballot has opened."))
        return value

    # --- transitions (draft → open → closed: OpenCloseLifecycle) -----------------------------------------
    def _refusal(self, status: str, target: str) -> str:
        return _("A ballot that is %(status)s cannot become %(target)s.", status=status_word(status),
                 target=status_word(target))

    def open(self, now: datetime) -> None:
        if self.status == "draft" and self.closes_at is not None and self.closes_at <= now:
            raise InvalidTransition(_("The closing date has already passed: set a later one before opening."))
        self._start(now)

    def accepts_votes(self, now: datetime) -> bool:
        return self.is_open_at(now)

    @property
    def is_follow_up(self) -> bool:
        return self.follow_up_of_id is not None

    def __repr__(self) -> str:
        return f"<Ballot {self.committee_id}#{self.number} {self.stage} {self.status}>"


class BallotEligibility(db.Model):
    """Who may vote, fixed when the ballot opens: each member, or each country's designated representative."""
    __tablename__ = "ballot_eligibility"
    __table_args__ = (UniqueConstraint("ballot_id", "voter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The member's country then; with the country unit, the country this voter votes for.
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("countries.id"))
    # Recorded when the ballot closes: on how many items this voter (or their country) voted; None before.
    voted_items: Mapped[Optional[int]]

    ballot: Mapped[Ballot] = relationship(back_populates="eligibility")
    voter: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    country: Mapped[Optional[Country]] = relationship(lazy="joined")


class BallotItem(db.Model):
    """One subject put to the vote: a dimension (its key), a criterion, or a criterion's optimal value (its
    code). The tally fields stay empty until the ballot closes."""
    __tablename__ = "ballot_items"
    __table_args__ = (
        UniqueConstraint("ballot_id", "subject"),
        CheckConstraint(enum_check("outcome", ITEM_OUTCOMES), name="outcome"),
        CheckConstraint("proposed_value IS NULL OR (proposed_value >= 1 AND value_max IS NOT NULL "
                        "AND proposed_value <= value_max)", name="proposed_value"),
        CheckConstraint("approve IS NULL OR (approve >= 0 AND reject >= 0 AND abstain >= 0 "
                        "AND approve + reject + abstain <= eligible)", name="tally"),
        CheckConstraint("choices_digest IS NULL OR length(choices_digest) = 64", name="choices_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    subject: Mapped[str] = mapped_column(String(30))
    dimension_key: Mapped[str] = mapped_column(String(30))
    proposed_value: Mapped[Optional[int]]   # stage optimal_levels: the optimal value put to the vote
    value_max: Mapped[Optional[int]]        # stage optimal_levels: k, the criterion's top value
    revised_text: Mapped[Optional[Text2]] = mapped_column(JSON)  # a revised proposal {"es", "en"}
    follow_up_of_item_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("ballot_items.id", ondelete="SET NULL"), index=True)
    approve: Mapped[Optional[int]]
    reject: Mapped[Optional[int]]
    abstain: Mapped[Optional[int]]
    eligible: Mapped[Optional[int]]
    quorum_met: Mapped[Optional[bool]] = mapped_column(Boolean)
    outcome: Mapped[Optional[str]] = mapped_column(String(12))
    # Secret ballots, at closing: SHA-256 of the item's final choices, sorted (tally.choices_digest).
    choices_digest: Mapped[Optional[str]] = mapped_column(String(64))

    ballot: Mapped[Ballot] = relationship(back_populates="items")
    follow_up_of_item: Mapped[Optional["BallotItem"]] = relationship(remote_side="BallotItem.id",
                                                                      lazy="raise_on_sql")

    @property
    def cast(self) -> Optional[int]:
        if self.approve is None:
            return None
        return (self.approve or 0) + (self.reject or 0) + (self.abstain or 0)


class Vote(db.Model):
    """A voter's final vote on an item (changing it updates this row). With the country unit, `country_id`
    names the country voted for, and only one vote per country and item can exist."""
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("item_id", "voter_id"),
        UniqueConstraint("item_id", "country_id"),
        CheckConstraint(enum_check("choice", VOTE_CHOICES), name="choice"),
        CheckConstraint("choice <> 'reject' OR (reason IS NOT NULL AND length(trim(reason)) > 0)",
                        name="reason_for_reject"),
        CheckConstraint("proposed_value IS NULL OR (choice = 'reject' AND proposed_value >= 1)",
                        name="proposed_value"),
        CheckConstraint("revision >= 1", name="revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ballot_items.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("countries.id"))
    choice: Mapped[str] = mapped_column(String(8))
    reason: Mapped[Optional[str]] = mapped_column(Text)
    proposed_value: Mapped[Optional[int]]
    revision: Mapped[int] = mapped_column(default=1)  # 1 when cast, +1 at each change
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[BallotItem] = relationship()
    voter: Mapped[User] = relationship(lazy="raise_on_sql")


class CommentResolution(db.Model):
    """A reason given for a rejection, and the facilitators' answer to it (the comment-resolution table).

    Made when the ballot closes, one per rejecting vote, with a copy of the reason and of the value proposed.
    Only a roll-call ballot keeps the link to its vote (`vote_id`, hence the voter); a secret ballot's rows have
    none. An unresolved question may become an item of a committee round (`round_item_id`)."""
    __tablename__ = "comment_resolutions"
    __table_args__ = (
        UniqueConstraint("vote_id"),
        CheckConstraint(enum_check("decision", RESOLUTION_DECISIONS), name="decision"),
        CheckConstraint("length(trim(reason)) > 0", name="reason"),
        CheckConstraint("proposed_value IS NULL OR proposed_value >= 1", name="proposed_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ballot_items.id", ondelete="CASCADE"), index=True)
    vote_id: Mapped[Optional[int]] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    proposed_value: Mapped[Optional[int]]
    decision: Mapped[Optional[str]] = mapped_column(String(20))
    answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[Optional[datetime]]
    round_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("delphi_items.id", ondelete="SET NULL"))

    item: Mapped[BallotItem] = relationship()
    vote: Mapped[Optional[Vote]] = relationship(lazy="joined")

    @property
    def is_answered(self) -> bool:
        return bool(self.answer and self.answer.strip())
