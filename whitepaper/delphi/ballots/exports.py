"""CSV exports of a ballot: its result per item (tallies only, once closed) and, for roll-call ballots only, the
votes per voter or country. A secret ballot's export never carries who voted how."""
from __future__ import annotations

from typing import Any

from ...csv_cells import csv_text
from ...models.ballot import Ballot
from . import queries

def result_csv(b: Ballot, *, individual_votes: bool) -> str:
    """`individual_votes` is the caller's permission check (roll-call, closed); it is ignored for secret ballots."""
    items = queries.items_of(b)
    rows: list[list[Any]] = []
    for item in items:
        rows.append([b.number, b.stage, b.status, item.subject, item.proposed_value, item.approve, item.reject,
                     item.abstain, item.eligible, item.quorum_met, item.outcome])
    out = csv_text(["ballot", "stage", "status", "subject", "proposed_value", "approve", "reject", "abstain",
                    "eligible", "quorum_met", "outcome"], rows)
    if not individual_votes or b.is_secret or b.status != "closed":
        return out
    vote_rows = []
    by_id = {i.id: i for i in items}
    for row in queries.roll_call(b):
        e = row.eligibility
        for item_id, vote in sorted(row.votes.items(), key=lambda kv: by_id[kv[0]].position):
            vote_rows.append([e.voter.display_name(), e.country.iso3 if e.country else None,
                              by_id[item_id].subject, vote.choice, vote.reason, vote.proposed_value])
    return out + "\r\n" + csv_text(["voter", "country", "subject", "choice", "reason", "proposed_value"],
                                   vote_rows, bom=False)


def comments_csv(b: Ballot) -> str:
    """The comment-resolution table; names only for roll-call ballots."""
    rows = []
    for row in queries.comment_table(b):
        r = row.resolution
        rows.append([row.item.subject, row.voter.display_name() if row.voter else None,
                     row.country.iso3 if row.country else None, r.reason, r.proposed_value, r.decision,
                     r.answer])
    return csv_text(["subject", "voter", "country", "reason", "proposed_value", "decision", "answer"], rows)
