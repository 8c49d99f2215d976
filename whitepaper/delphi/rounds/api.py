"""GET /api/v1/rounds/<id>/results: aggregates only, never an identity (docs/design.md §3)."""
from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from ... import permissions
from ...api.views import bp
from ...errors import NotFound
from ...numbers import to_float
from .. import stats
from . import queries, statistics


def _agreement_json(result: stats.AgreementResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "median": to_float(result.median), "q1": to_float(result.q1), "q3": to_float(result.q3),
        "iqr": to_float(result.iqr), "mean": to_float(result.mean), "sd": result.sd, "cv": result.cv,
        "cv_percent": result.cv_percent, "cv_stability": result.cv_stability,
        "percent_agreement": to_float(result.percent_agreement), "consensus": result.consensus,
        "consensus_outcome": result.consensus_outcome,
        "distribution": {str(point): count for point, count in result.distribution.items()},
    }
    if result.rand_ucla is not None:
        d = result.rand_ucla
        out["rand_ucla"] = {"p30": to_float(d.p30), "p70": to_float(d.p70), "ipr": to_float(d.ipr),
                            "iprcp": to_float(d.iprcp), "ai": to_float(d.ai), "ipras": to_float(d.ipras),
                            "disagreement": d.disagreement}
    if result.seventy_fifteen is not None:
        out["percent_7_9"] = to_float(result.seventy_fifteen.percent_7_9)
        out["percent_1_3"] = to_float(result.seventy_fifteen.percent_1_3)
    return out


def item_json(entry: statistics.ItemResult, full: bool) -> dict[str, Any]:
    """One item's result. Without `full` (members, observers), an item under 3 valid ratings carries only n. A
    subregion carries its statistics beside its n only where the results were read under the small-cell rule
    allowed them (statistics.round_results)."""
    item = entry.item
    out: dict[str, Any] = {"id": item.id, "kind": item.kind, "position": item.position, "text": item.text,
                           "n": entry.n, "codes": sorted(s.code_id for s in item.sources)}
    if item.kind == "open_text" or (entry.is_small and not full):
        return out
    if entry.agreement is not None:
        out.update(_agreement_json(entry.agreement))
        out["subregions"] = {key: ({"n": entry.subregion_n.get(key, 0)} if sub is None
                                   else {"n": sub.n, **_agreement_json(sub)})
                             for key, sub in entry.subregions.items()}
        if item.carried_from_item_id is not None:
            out["carried_from"] = item.carried_from_item_id
            if entry.stability is not None and (full or entry.stability.n_both >= stats.SMALL_NUMBER_LIMIT):
                s = entry.stability
                out["stability"] = {"n_both": s.n_both, "changed": s.changed,
                                    "changed_share": to_float(s.changed_share), "stable": s.stable,
                                    "cv_change": entry.cv_change, "kappa": to_float(s.kappa)}
    elif entry.ranking is not None:
        r = entry.ranking
        out.update({"r": r.r, "mean_ranks": {str(k): to_float(v) for k, v in r.mean_ranks.items()},
                    "w": to_float(r.w), "options": item.options})
    return out


def results_json(results: statistics.RoundResults, full: bool) -> dict[str, Any]:
    round_ = results.round
    return {"id": round_.id, "committee": round_.committee_id, "number": round_.number, "kind": round_.kind,
            "status": round_.status, "realtime": round_.realtime, "scale": round_.scale, "rule": round_.rule,
            "band": list(round_.band or stats.DEFAULT_BANDS[round_.scale]), "respondents": results.respondents,
            "min_cell_size": round_.committee.min_cell_size,
            "items": [item_json(entry, full) for entry in results.items]}


@bp.get("/rounds/<int:round_id>/results")
def round_results(round_id: int):
    round_ = queries.round_detail(round_id)
    if round_ is None:
        raise NotFound(_("There is no round %(id)d.", id=round_id))
    if not permissions.can_view_round_feedback(current_user, round_):
        abort(403)
    full = permissions.sees_full_round_results(current_user, round_)
    return jsonify(results_json(statistics.round_results(round_, subregions=True, full=full), full))
