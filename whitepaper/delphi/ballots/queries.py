"""Reads for the committees' virtual votes: ballots with their items and voters, a voter's sheet, participation,
results, the comment-resolution table, follow-up candidates and the state of a consultation. Each function runs
a constant number of queries.

None of these functions decides who may see what: the views and the API ask `permissions` first and only then
call the reads that carry individual votes (`roll_call`)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ... import charts
from ...catalogue import compare
from ...catalogue import queries as catalogue_queries
from ...extensions import db
from ...models import CatalogueVersion, Country, Criterion, Dimension, User
from ...models.ballot import (
    Ballot,
    BallotEligibility,
    BallotItem,
    CommentResolution,
    Vote,
)
from ...models.delphi import Committee
from . import tally
from .eligibility import unit_key


def ballot(ballot_id: int, *, accounts: bool = True, items: bool = True) -> Optional[Ballot]:
    """A ballot with its items and its voters (fixed at opening). With `accounts=False` the voters' accounts
    are not loaded (only on access): the voting sheet needs who is eligible, not each voter's account. With
    `items=False` the items are not loaded either (a submitted sheet is read against `item_limits`); asking
    again with `items=True` in the same session loads them onto the ballot already there."""
    eligibility = selectinload(Ballot.eligibility)
    if not accounts:
        eligibility = eligibility.lazyload(BallotEligibility.voter)
    options = [eligibility, selectinload(Ballot.items)] if items else [eligibility]
    return db.session.scalar(select(Ballot).where(Ballot.id == ballot_id).options(*options))


def item_limits(ballot_id: int) -> list[Any]:
    """The ballot's items as rows (id, proposed_value, value_max): what reading a submitted sheet needs."""
    return list(db.session.execute(select(BallotItem.id, BallotItem.proposed_value, BallotItem.value_max)
                                   .where(BallotItem.ballot_id == ballot_id)
                                   .order_by(BallotItem.position, BallotItem.id)))


def committee_ballots(committee_id: int) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.committee_id == committee_id)
                                   .order_by(Ballot.number)))


def ballots_by_committee(committee_ids: list[int]) -> dict[int, list[Ballot]]:
    """The ballots of several committees in one query."""
    grouped: dict[int, list[Ballot]] = {cid: [] for cid in committee_ids}
    if committee_ids:
        for b in db.session.scalars(select(Ballot).where(Ballot.committee_id.in_(committee_ids))
                                    .order_by(Ballot.committee_id, Ballot.number)):
            grouped[b.committee_id].append(b)
    return grouped


def ballot_summary(b: Ballot) -> dict[str, Any]:
    """A ballot as GET /api/v1/committees lists it (docs/design.md §3.4)."""
    return {"id": b.id, "number": b.number, "stage": b.stage, "status": b.status,
            "follow_up_of": b.follow_up_of_id}


def items_of(b: Ballot) -> list[BallotItem]:
    return list(db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id)
                                   .order_by(BallotItem.position, BallotItem.id)))


def eligibility_rows(b: Ballot) -> list[BallotEligibility]:
    return list(db.session.scalars(select(BallotEligibility).where(BallotEligibility.ballot_id == b.id)
                                   .order_by(BallotEligibility.id)))


def voter_ballots(user: Any) -> list[Ballot]:
    """The open ballots in which the user votes."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(Ballot).join(BallotEligibility, BallotEligibility.ballot_id == Ballot.id)
                                   .where(BallotEligibility.voter_id == user.id, Ballot.status == "open")
                                   .order_by(Ballot.closes_at, Ballot.id)))


@dataclass
class SubjectInfo:
    """What an item asks about, from the catalogue version consulted."""
    subject: str
    title: dict[str, str]
    description: dict[str, str]
    dimension: Dimension
    criterion: Optional[Criterion] = None

    @property
    def is_dimension(self) -> bool:
        return self.criterion is None


def subjects_of(version_id: int) -> tuple[CatalogueVersion, dict[str, SubjectInfo]]:
    """Every dimension (by key) and criterion (by code) of a version, with levels and elements loaded."""
    tree = catalogue_queries.version_tree(version_id)
    out: dict[str, SubjectInfo] = {}
    for d in tree.dimensions:
        out[d.key] = SubjectInfo(d.key, d.title, d.description, d)
        for c in d.criteria:
            out[c.code] = SubjectInfo(c.code, c.title, c.description, d, c)
    return tree, out


def _items_with_ballots(committee_id: int):
    return db.session.execute(
        select(BallotItem, Ballot).join(Ballot, Ballot.id == BallotItem.ballot_id)
        .where(Ballot.committee_id == committee_id)).all()


def latest_items(committee_id: int) -> dict[tuple[str, str], BallotItem]:
    """Per (stage, subject), the item of the most recently closed ballot: it carries the latest outcome."""
    rows = [(item, b) for item, b in _items_with_ballots(committee_id) if b.status == "closed"]
    rows.sort(key=lambda row: (row[1].closed_at or datetime.min, row[1].id))
    return {(b.stage, item.subject): item for item, b in rows}


def items_on_ballots(committee_id: int) -> dict[tuple[str, str], tuple[BallotItem, Ballot]]:
    """Per (stage, subject), the item of the most recent ballot of any status that puts it to the vote."""
    rows = sorted(_items_with_ballots(committee_id), key=lambda row: row[1].number)
    return {(b.stage, item.subject): (item, b) for item, b in rows}


def latest_outcomes(latest: dict[tuple[str, str], BallotItem]) -> dict[tuple[str, str], str]:
    return {key: item.outcome for key, item in latest.items() if item.outcome is not None}


@dataclass
class ConsultationState:
    committee: Committee
    version: CatalogueVersion
    tree: CatalogueVersion
    latest: dict[tuple[str, str], BallotItem]
    obstacles: tuple[tally.Obstacle, ...]
    unfinished: list[Ballot]              # draft or open ballots
    empty_dimensions: list[Dimension]     # approved dimensions left without any retained criterion
    result: Optional[CatalogueVersion]    # the version built when the consultation closed

    @property
    def can_close(self) -> bool:
        return (self.version.status == "in_consultation" and not self.obstacles and not self.unfinished
                and not self.empty_dimensions)

    @property
    def is_closed(self) -> bool:
        return self.result is not None

    def outcome(self, stage: str, subject: str) -> Optional[str]:
        item = self.latest.get((stage, subject))
        return item.outcome if item is not None else None

    def rows(self) -> list[tuple[Dimension, Optional[str], list[tuple[Criterion, Optional[str], Any]]]]:
        """Where each subject stands: per dimension its latest outcome, and per criterion its latest outcome and
        the latest item on its optimal value (with the value voted)."""
        return [(d, self.outcome("dimensions_levels", d.key),
                 [(c, self.outcome("criteria", c.code), self.latest.get(("optimal_levels", c.code)))
                  for c in d.criteria]) for d in self.tree.dimensions]


def result_version(committee: Committee) -> Optional[CatalogueVersion]:
    """The version built from the committee's consultation (derived from the version it consulted)."""
    return db.session.scalar(select(CatalogueVersion).where(
        CatalogueVersion.derived_from_id == committee.catalogue_version_id,
        CatalogueVersion.source == consultation_source(committee)).order_by(CatalogueVersion.id.desc()).limit(1))


def consultation_source(committee: Committee) -> str:
    return f"committee:{committee.id}"


def consultation_state(committee: Committee) -> ConsultationState:
    tree = catalogue_queries.version_tree(committee.catalogue_version_id)
    latest = latest_items(committee.id)
    outcomes = latest_outcomes(latest)
    dimensions = [d.key for d in tree.dimensions]
    criteria = [c.code for d in tree.dimensions for c in d.criteria]
    obstacles = tally.closing_obstacles(dimensions, criteria, outcomes)
    empty = [d for d in tree.dimensions
             if outcomes.get(("dimensions_levels", d.key)) == "approved"
             and not any(outcomes.get(("criteria", c.code)) == "approved" for c in d.criteria)
             and all(outcomes.get(("criteria", c.code)) == "rejected" for c in d.criteria)]
    unfinished = [b for b in committee_ballots(committee.id) if b.status != "closed"]
    return ConsultationState(committee, committee.catalogue_version, tree, latest, obstacles, unfinished, empty,
                             result_version(committee))


@dataclass
class Difference:
    """The version built for the CRP against the version consulted."""
    diff: compare.VersionDiff
    revised_dimensions: list[tuple[dict[str, str], dict[str, str], dict[str, str]]]  # title, before, after
    optimal_changes: list[tuple[str, int, int]]    # code, optimal value consulted, optimal value approved


def difference(state: ConsultationState) -> Optional[Difference]:
    if state.result is None:
        return None
    before = catalogue_queries.version_content(state.tree)
    after = catalogue_queries.version_content(catalogue_queries.version_tree(state.result.id))
    old_dimensions = {d["key"]: d for d in before["dimensions"]}
    revised = [(d["title"], old_dimensions[d["key"]]["description"], d["description"]) for d in after["dimensions"]
               if d["key"] in old_dimensions and old_dimensions[d["key"]]["description"] != d["description"]]
    old_optimal = {c["code"]: c["optimal"] for d in before["dimensions"] for c in d["criteria"]}
    changes = [(c["code"], old_optimal[c["code"]], c["optimal"]) for d in after["dimensions"] for c in d["criteria"]
               if c["code"] in old_optimal and old_optimal[c["code"]] != c["optimal"]]
    return Difference(compare.diff(before, after), revised, changes)


def unit_votes(b: Ballot, eligibility: BallotEligibility) -> dict[int, Vote]:
    """The votes of one voting unit (the voter, or with the country unit their country), by item id."""
    query = select(Vote).join(BallotItem, BallotItem.id == Vote.item_id).where(BallotItem.ballot_id == b.id)
    if b.unit == "country":
        query = query.where(Vote.country_id == eligibility.country_id)
    else:
        query = query.where(Vote.voter_id == eligibility.voter_id)
    return {v.item_id: v for v in db.session.scalars(query)}


@dataclass
class VotingSheet:
    ballot: Ballot
    eligibility: BallotEligibility
    items: list[BallotItem]
    votes: dict[int, Vote]
    subjects: dict[str, SubjectInfo]

    @property
    def unvoted(self) -> list[BallotItem]:
        return [i for i in self.items if i.id not in self.votes]

    def groups(self) -> list[tuple[Dimension, list[BallotItem]]]:
        """Items grouped by dimension, in the catalogue's order."""
        grouped: dict[str, list[BallotItem]] = defaultdict(list)
        for item in self.items:
            grouped[item.dimension_key].append(item)
        dims = []
        seen = set()
        for info in self.subjects.values():
            if info.dimension.key not in seen and info.dimension.key in grouped:
                seen.add(info.dimension.key)
                dims.append((info.dimension, grouped[info.dimension.key]))
        return dims


def voting_sheet(b: Ballot, eligibility: BallotEligibility) -> VotingSheet:
    _tree, subjects = subjects_of(b.catalogue_version_id)
    return VotingSheet(b, eligibility, items_of(b), unit_votes(b, eligibility), subjects)


@dataclass
class ParticipationRow:
    """Who has voted (never how): a voter, or with the country unit a country and its representative."""
    eligibility: BallotEligibility
    voted_items: int

    @property
    def has_voted(self) -> bool:
        return self.voted_items > 0


def participation(b: Ballot) -> list[ParticipationRow]:
    """Who has voted: counted from the votes while the ballot is open, read from the record made at closing
    afterwards (a secret ballot keeps no votes then)."""
    if b.status == "closed":
        rows = [ParticipationRow(e, e.voted_items or 0) for e in eligibility_rows(b)]
    else:
        key = Vote.country_id if b.unit == "country" else Vote.voter_id
        counts = dict(db.session.execute(
            select(key, func.count()).join(BallotItem, BallotItem.id == Vote.item_id)
            .where(BallotItem.ballot_id == b.id).group_by(key)).all())
        rows = [ParticipationRow(e, counts.get(unit_key(b, e), 0)) for e in eligibility_rows(b)]
    rows.sort(key=lambda r: (r.eligibility.country.name_es if r.eligibility.country else "",
                             r.eligibility.voter.display_name()))
    return rows


@dataclass
class RollCallRow:
    """Roll-call ballots only: one voting unit's votes, published after closing."""
    eligibility: BallotEligibility
    votes: dict[int, Vote]


def roll_call(b: Ballot) -> list[RollCallRow]:
    """Individual votes per voter (or per country). Callers check `permissions.can_see_individual_votes`."""
    if b.is_secret or b.status != "closed":
        return []
    by_unit: dict[Optional[int], dict[int, Vote]] = defaultdict(dict)
    for v in db.session.scalars(select(Vote).join(BallotItem, BallotItem.id == Vote.item_id)
                                .where(BallotItem.ballot_id == b.id)):
        by_unit[v.country_id if b.unit == "country" else v.voter_id][v.item_id] = v
    rows = [RollCallRow(e, by_unit.get(unit_key(b, e), {})) for e in eligibility_rows(b)]
    rows.sort(key=lambda r: (r.eligibility.country.name_es if r.eligibility.country else "",
                             r.eligibility.voter.display_name()))
    return rows


def vote_labels() -> dict[str, str]:
    return {"approve": _("Approve"), "reject": _("Reject"), "abstain": _("Abstain"), "not_voted": _("Not voted"),
            "no_votes": _("No votes cast"), "cast": _("Votes cast"), "eligible": _("eligible")}


def vote_chart(item: BallotItem, title: str = "", width: int = 480):
    """The item's stacked bar (closed ballots only)."""
    if item.approve is None:
        return None
    return charts.vote_bars(item.approve or 0, item.reject or 0, item.abstain or 0, labels=vote_labels(),
                            title=title or _("Votes"), eligible=item.eligible, width=width)


def proposed_values(b: Ballot) -> dict[int, Counter]:
    """Stage optimal_levels, once closed: per item, how many rejections proposed each other value (aggregates
    only, from the comment-resolution table, which keeps them when a secret ballot's votes are gone)."""
    out: dict[int, Counter] = defaultdict(Counter)
    if b.stage != "optimal_levels" or b.status != "closed":
        return out
    for item_id, value, n in db.session.execute(
            select(CommentResolution.item_id, CommentResolution.proposed_value, func.count())
            .join(BallotItem, BallotItem.id == CommentResolution.item_id)
            .where(BallotItem.ballot_id == b.id, CommentResolution.proposed_value.is_not(None))
            .group_by(CommentResolution.item_id, CommentResolution.proposed_value)).all():
        out[item_id][value] = n
    return out


def suggested_value(counter: Counter | None) -> Optional[int]:
    """The value most proposed by those who rejected (the lower one on a tie), or None."""
    if not counter:
        return None
    top = max(counter.values())
    return min(value for value, n in counter.items() if n == top)


@dataclass
class CommentRow:
    resolution: CommentResolution
    item: BallotItem
    voter: Optional[User]                 # roll-call ballots only
    country: Optional[Country]            # roll-call ballots only


def comment_table(b: Ballot) -> list[CommentRow]:
    """The reasons given for rejection, item by item, with the facilitators' answers. Names and countries only
    for roll-call ballots; a secret ballot's reasons are listed without anyone's name (and have no vote)."""
    resolutions = list(db.session.scalars(
        select(CommentResolution).join(BallotItem, BallotItem.id == CommentResolution.item_id)
        .where(BallotItem.ballot_id == b.id).order_by(BallotItem.position, CommentResolution.id)))
    items = {i.id: i for i in items_of(b)}
    eligibility = {e.voter_id: e for e in eligibility_rows(b)}
    rows = []
    for r in resolutions:
        e = eligibility.get(r.vote.voter_id) if r.vote is not None and not b.is_secret else None
        rows.append(CommentRow(r, items[r.item_id], e.voter if e else None, e.country if e else None))
    return rows


@dataclass
class FollowUpCandidate:
    item: BallotItem
    kind: str                      # not_decided, revise_dimension, revise_value
    suggested_value: Optional[int]
    followed_in: Optional[Ballot]  # a later ballot that already puts this subject to the vote


def follow_up_candidates(b: Ballot) -> list[FollowUpCandidate]:
    """Items of a closed ballot that may go to a follow-up ballot of the same stage (docs/methods.md §5.7)."""
    if b.status != "closed":
        return []
    on_ballots = items_on_ballots(b.committee_id)
    values = proposed_values(b)
    out = []
    for item in items_of(b):
        if item.outcome == "not_decided":
            kind = "not_decided"
        elif item.outcome == "rejected" and b.stage == "dimensions_levels":
            kind = "revise_dimension"
        elif item.outcome == "rejected" and b.stage == "optimal_levels":
            kind = "revise_value"
        else:
            continue
        later = on_ballots.get((b.stage, item.subject))
        followed_in = later[1] if later and later[1].id != b.id else None
        out.append(FollowUpCandidate(item, kind, suggested_value(values.get(item.id)), followed_in))
    return out
