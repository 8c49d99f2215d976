"""The committee's results for the CRP, composed from both wings: participation by subregion (by country for
those who run the committee), the published rounds and the items that reached consensus, each closed ballot's
outcome per item, and the approved model. Only aggregates: never a name or a vote."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import formatting
from ..catalogue import queries as catalogue_queries
from ..extensions import db
from ..models import CatalogueVersion, Country
from ..models.ballot import Ballot
from ..models.delphi import Committee, Membership, Response, Round
from .ballots.queries import (
    ConsultationState,
    SubjectInfo,
    consultation_state,
    subjects_of,
    vote_chart,
)
from .rounds import statistics as round_statistics


@dataclass
class GroupParticipation:
    """The participation of one group: a subregion, or a country for those who run the committee."""
    key: str                           # the subregion key, or the country's ISO3
    country: Optional[Country]         # grouped by country only
    members: int = 0
    representatives: int = 0           # voting representatives
    rounds: dict[int, int] = field(default_factory=dict)      # round id -> members who submitted
    ballots: dict[int, tuple[int, int]] = field(default_factory=dict)  # ballot id -> (voted, eligible)

    @property
    def has_representative(self) -> bool:
        return self.representatives > 0


@dataclass
class RoundSummary:
    round: Round
    respondents: int
    consensus: list[Any]   # delphi rounds.statistics.ItemResult entries that reached consensus
    items: int


@dataclass
class BallotSummary:
    ballot: Ballot
    items: list[BallotItem]
    charts: dict[int, Any]


@dataclass
class CommitteeResults:
    """Everything the committee's results page and the CRP report section show, in one object."""
    committee: Committee
    consulted: CatalogueVersion
    subjects: dict[str, SubjectInfo]
    participation: list[GroupParticipation]
    by_country: bool                      # participation by country (facilitators) or by subregion
    countries: int                        # countries with a member
    members: int
    rounds: list[RoundSummary]
    ballots: list[BallotSummary]
    state: ConsultationState
    model: Optional[CatalogueVersion]     # the resulting version (with its tree), once the consultation closed

    def subject_title(self, subject: str) -> dict[str, str]:
        info = self.subjects.get(subject)
        return info.title if info else {"es": subject, "en": subject}


def _group(country: Country, by_country: bool) -> tuple[str, Optional[Country]]:
    return (country.iso3, country) if by_country else (country.subregion, None)


def committee_results(committee: Committee, *, by_country: bool = False) -> CommitteeResults:
    """The committee's results for the CRP: participation by subregion (`by_country`: by country, for those who
    run the committee), rounds and their consensus items, each closed ballot's outcome per item, and the
    approved model. Only aggregates: never a name or a vote. Who voted comes from the record kept when each
    ballot closed (BallotEligibility.voted_items), since a secret ballot keeps no votes."""

    tree, subjects = subjects_of(committee.catalogue_version_id)
    rounds = list(db.session.scalars(select(Round).where(Round.committee_id == committee.id)
                                     .order_by(Round.number)))
    ballots = [b for b in db.session.scalars(
        select(Ballot).where(Ballot.committee_id == committee.id, Ballot.status == "closed")
        .options(selectinload(Ballot.items), selectinload(Ballot.eligibility)).order_by(Ballot.number))]
    members = list(db.session.scalars(select(Membership).where(Membership.committee_id == committee.id,
                                                               Membership.role == "member")))

    # participation by subregion (or by country)
    groups: dict[str, GroupParticipation] = {}

    def group_of(country: Country) -> GroupParticipation:
        key, named = _group(country, by_country)
        return groups.setdefault(key, GroupParticipation(key, named))

    membership_group: dict[int, GroupParticipation] = {}
    for m in members:
        if m.country is None:
            continue
        row = membership_group[m.id] = group_of(m.country)
        row.members += 1
        row.representatives += 1 if m.is_voting_representative else 0
    submitted = db.session.execute(
        select(Response.round_id, Response.membership_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.committee_id == committee.id, Response.status == "submitted")).all()
    for round_id, membership_id in submitted:
        row = membership_group.get(membership_id)
        if row is not None:
            row.rounds[round_id] = row.rounds.get(round_id, 0) + 1
    for b in ballots:
        for e in b.eligibility:
            if e.country is None:
                continue
            row = group_of(e.country)
            voted, eligible = row.ballots.get(b.id, (0, 0))
            row.ballots[b.id] = (voted + (1 if e.voted_items else 0), eligible + 1)
    if by_country:
        participation = sorted(groups.values(), key=lambda r: (r.country.subregion, r.country.name_es))
    else:
        order = round_statistics.SUBREGION_ORDER
        participation = sorted(groups.values(), key=lambda r: order.index(r.key) if r.key in order else len(order))
    countries = len({m.country_id for m in members if m.country_id is not None})

    # rounds and their consensus items (published rounds: what the members themselves saw)
    summaries = []
    published = [r for r in rounds if r.status == "published"]
    by_round = round_statistics.round_results_many(published)  # all rounds at once: no query per round
    for r in published:
        results = by_round[r.id]
        consensus = [entry for entry in results.items
                     if entry.agreement is not None and entry.agreement.consensus and not entry.is_small]
        summaries.append(RoundSummary(r, results.respondents, consensus, len(results.items)))

    def title(item: BallotItem) -> str:
        info = subjects.get(item.subject)
        if info is None:
            return item.subject
        return formatting.text(info.title) if info.is_dimension else f"{item.subject} · {formatting.text(info.title)}"

    ballot_summaries = [BallotSummary(b, list(b.items), {i.id: vote_chart(i, title(i), width=420) for i in b.items})
                        for b in ballots]

    state = consultation_state(committee)
    model = catalogue_queries.version_tree(state.result.id) if state.result is not None else None
    return CommitteeResults(committee, committee.catalogue_version, subjects, participation, by_country, countries,
                            len(members), summaries, ballot_summaries, state, model)
