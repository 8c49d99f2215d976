"""The committee's results for the CRP, composed from both wings: participation by country, the
published rounds and the items that reached consensus, each closed ballot's outcome per item, and the approved
model. Only aggregates: never a name or a vote."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import formatting
from ..catalogue import queries as catalogue_queries
from ..extensions import db
from ..models import CatalogueVersion, Country
from ..models.ballot import Ballot, BallotItem, Vote
from ..models.delphi import Committee, Membership, Response, Round
from .ballots.queries import (
    ConsultationState,
    SubjectInfo,
    consultation_state,
    subjects_of,
    vote_chart,
)
from .rounds import queries as round_queries


@dataclass
class CountryParticipation:
    country: Country
    members: int
    has_representative: bool
    rounds: dict[int, int] = field(default_factory=dict)      # round id -> members who submitted
    ballots: dict[int, tuple[int, int]] = field(default_factory=dict)  # ballot id -> (voted, eligible)


@dataclass
class RoundSummary:
    round: Round
    respondents: int
    consensus: list[Any]   # delphi queries.ItemResult entries that reached consensus
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
    countries: list[CountryParticipation]
    members: int
    rounds: list[RoundSummary]
    ballots: list[BallotSummary]
    state: ConsultationState
    model: Optional[CatalogueVersion]     # the resulting version (with its tree), once the consultation closed

    def subject_title(self, subject: str) -> dict[str, str]:
        info = self.subjects.get(subject)
        return info.title if info else {"es": subject, "en": subject}


def committee_results(committee: Committee) -> CommitteeResults:
    """The committee's results for the CRP: participation by country, rounds and their consensus items, each
    closed ballot's outcome per item, and the approved model. Only aggregates: never a name or a vote."""

    tree, subjects = subjects_of(committee.catalogue_version_id)
    rounds = list(db.session.scalars(select(Round).where(Round.committee_id == committee.id)
                                     .order_by(Round.number)))
    ballots = [b for b in db.session.scalars(
        select(Ballot).where(Ballot.committee_id == committee.id, Ballot.status == "closed")
        .options(selectinload(Ballot.items), selectinload(Ballot.eligibility)).order_by(Ballot.number))]
    members = list(db.session.scalars(select(Membership).where(Membership.committee_id == committee.id,
                                                               Membership.role == "member")))

    # participation by country
    by_country: dict[int, CountryParticipation] = {}
    membership_country: dict[int, int] = {}
    for m in members:
        if m.country is None:
            continue
        membership_country[m.id] = m.country_id
        row = by_country.setdefault(m.country_id, CountryParticipation(m.country, 0, False))
        row.members += 1
        row.has_representative = row.has_representative or m.is_voting_representative
    submitted = db.session.execute(
        select(Response.round_id, Response.membership_id)
        .join(Round, Round.id == Response.round_id)
        .where(Round.committee_id == committee.id, Response.status == "submitted")).all()
    for round_id, membership_id in submitted:
        country_id = membership_country.get(membership_id)
        if country_id in by_country:
            counts = by_country[country_id].rounds
            counts[round_id] = counts.get(round_id, 0) + 1
    ballot_ids = [b.id for b in ballots]
    voted_units: set[tuple[int, Optional[int], int]] = set()
    if ballot_ids:
        voted_units = {(ballot_id, country_id, voter_id) for ballot_id, country_id, voter_id in db.session.execute(
            select(BallotItem.ballot_id, Vote.country_id, Vote.voter_id).distinct()
            .join(BallotItem, BallotItem.id == Vote.item_id).where(BallotItem.ballot_id.in_(ballot_ids))).all()}
    voters_by_ballot = {(b_id, v_id) for b_id, _c, v_id in voted_units}
    for b in ballots:
        for e in b.eligibility:
            if e.country_id is None:
                continue
            row = by_country.get(e.country_id)
            if row is None:
                row = by_country.setdefault(e.country_id, CountryParticipation(e.country, 0, False))
            voted, eligible = row.ballots.get(b.id, (0, 0))
            row.ballots[b.id] = (voted + (1 if (b.id, e.voter_id) in voters_by_ballot else 0), eligible + 1)
    countries = sorted(by_country.values(), key=lambda r: (r.country.subregion, r.country.name_es))

    # rounds and their consensus items (published rounds: what the members themselves saw)
    summaries = []
    for r in rounds:
        if r.status != "published":
            continue
        results = round_queries.round_results(r)
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
    return CommitteeResults(committee, committee.catalogue_version, subjects, countries, len(members), summaries,
                            ballot_summaries, state, model)
