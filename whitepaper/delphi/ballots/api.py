"""JSON API for ballots (docs/design.md §3.4): GET /api/v1/ballots/<id>/result.

Tallies exist only once the ballot has closed (before that they are null, for everyone); individual votes appear
only for roll-call ballots after closing, never for a secret ballot."""
from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ... import permissions
from ...api.views import bp
from ...errors import NotFound
from ...models.ballot import Ballot
from . import queries, tally
from .lifecycle import rule_of


def _when(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def result_json(b: Ballot, *, individual_votes: bool) -> dict[str, Any]:
    rule = rule_of(b)
    closed = b.status == "closed"
    by_item: dict[int, list[dict[str, Any]]] = {}
    if individual_votes and closed and not b.is_secret:
        for row in queries.roll_call(b):
            e = row.eligibility
            for item_id, vote in row.votes.items():
                by_item.setdefault(item_id, []).append({
                    "voter": e.voter.display_name(), "country": e.country.iso3 if e.country else None,
                    "choice": vote.choice, "reason": vote.reason, "proposed_value": vote.proposed_value})
    items = []
    for item in b.items:
        out: dict[str, Any] = {
            "id": item.id, "subject": item.subject, "dimension": item.dimension_key, "position": item.position,
            "proposed_value": item.proposed_value, "revised_proposal": item.revised_text,
            "approve": item.approve if closed else None, "reject": item.reject if closed else None,
            "abstain": item.abstain if closed else None,
            "eligible": item.eligible if closed else (len(b.eligibility) if b.status == "open" else None),
            "quorum_met": item.quorum_met if closed else None, "outcome": item.outcome if closed else None,
            "choices_digest": item.choices_digest if closed else None,
            "follow_up_of": item.follow_up_of_item_id,
        }
        if item.id in by_item:
            out["votes"] = sorted(by_item[item.id], key=lambda v: (v["country"] or "", v["voter"]))
        items.append(out)
    return {"id": b.id, "committee": b.committee_id, "model": b.committee.planning_model.key,
            "version": b.catalogue_version.label, "number": b.number, "stage": b.stage, "status": b.status,
            "unit": rule.unit, "quorum": tally.format_fraction(rule.quorum),
            "threshold": tally.format_fraction(rule.threshold), "reject_cap": tally.format_fraction(rule.reject_cap),
            "secret": rule.secret, "follow_up_of": b.follow_up_of_id, "opens_at": _when(b.opens_at),
            "closes_at": _when(b.closes_at), "closed_at": _when(b.closed_at), "items": items}


@bp.get("/ballots/<int:ballot_id>/result")
def ballot_result(ballot_id: int):
    b = queries.ballot(ballot_id)
    if b is None or (b.status == "draft" and not permissions.can_manage_ballot(current_user, b)):
        raise NotFound(_("There is no ballot %(id)d.", id=ballot_id))
    if not permissions.can_view_ballot(current_user, b):
        abort(403)
    return jsonify(result_json(b, individual_votes=permissions.can_see_individual_votes(current_user, b)))
