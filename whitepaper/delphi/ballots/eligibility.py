"""Who may vote in a ballot: the voters fixed when it opens (members, or one representative per country), a
user's place among them, and the unit a vote counts for. Works on loaded objects; no queries."""
from __future__ import annotations

from typing import Any, Optional

from ...models.ballot import Ballot, BallotEligibility


def eligible_at_opening(b: Ballot) -> list[BallotEligibility]:
    """Who votes, fixed when the ballot opens: every member, or with the country unit each country's
    designated representative (docs/methods.md §5.3)."""
    members = sorted((m for m in b.committee.memberships if m.role == "member"), key=lambda m: m.id)
    if b.unit == "member":
        return [BallotEligibility(ballot=b, voter_id=m.user_id, country_id=m.country_id) for m in members]
    rows: dict[int, BallotEligibility] = {}
    for m in members:
        if m.is_voting_representative and m.country_id is not None and m.country_id not in rows:
            rows[m.country_id] = BallotEligibility(ballot=b, voter_id=m.user_id, country_id=m.country_id)
    return list(rows.values())


def eligibility_of(b: Ballot, user: Any) -> Optional[BallotEligibility]:
    """The user's place among the ballot's voters (ballot loaded by `ballot()`), or None."""
    uid = getattr(user, "id", None)
    return next((e for e in b.eligibility if e.voter_id == uid), None)


def unit_key(b: Ballot, eligibility: BallotEligibility) -> Optional[int]:
    """The voting unit a voter casts for: the voter, or their country."""
    return eligibility.country_id if b.unit == "country" else eligibility.voter_id
