"""GET /api/v1/committees: each committee with its rounds and ballots, composed here from both wings."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from .. import permissions
from ..api.views import bp
from . import committees as delphi_committees
from .ballots import queries as ballot_queries


def committee_json(committee, user, ballots: list) -> dict[str, Any]:
    """One committee as the API lists it: its rounds, and its `ballots` (read by the ballots wing)."""
    include_drafts = permissions.can_manage_committee(user, committee)
    return {"id": committee.id, "model": committee.planning_model.key, "version": committee.catalogue_version.label,
            "rounds": [{"id": r.id, "number": r.number, "kind": r.kind, "status": r.status, "realtime": r.realtime}
                       for r in committee.rounds if permissions.can_see_round(user, r)],
            "ballots": [ballot_queries.ballot_summary(b) for b in ballots if include_drafts or b.status != "draft"]}


@bp.get("/committees")
def committees():
    """Every committee the reader may see, in a constant number of queries: the committees with their rounds and
    memberships, then the ballots of all of them at once."""
    visible = [c for c in delphi_committees.committees() if permissions.can_view_committee(current_user, c)]
    ballots = ballot_queries.ballots_by_committee([c.id for c in visible])
    return jsonify({"committees": [committee_json(c, current_user, ballots[c.id]) for c in visible]})
