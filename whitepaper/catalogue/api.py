"""JSON API for the catalogue: GET /api/v1/models and /api/v1/models/<key> (docs/design.md §3.4)."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..api.views import bp
from ..errors import NotFound, error_response
from ..shared_pages import kept_json
from ..web import public
from . import queries
from .loader import sdg_reference


def _flatten(item: dict) -> dict:
    """An item with its provenance as API fields: `provenance` (ilpes or composed), `source` (the ILPES
    document, for ilpes texts), `translations` (per language: ilpes or project) and `validated_by`."""
    info = item.pop("provenance", None) or {}
    item.update(provenance=info.get("es"), source=info.get("source"),
                translations=info.get("translations") or {}, validated_by=info.get("validated_by"))
    return item


def _visible(version) -> bool:
    return version is not None and (version.status == "approved" or current_user.is_authenticated)


@bp.get("/models")
@public
def models():
    counts = queries.criteria_counts()
    current = [(m, queries.current_version(m)) for m in queries.planning_models()]
    current = [(m, v) for m, v in current if _visible(v)]
    dimensions = queries.dimensions_by_version([v.id for _m, v in current])
    out = []
    for model, version in current:
        per = counts.get(version.id, {})
        tree_dimensions = dimensions[version.id]
        out.append({"key": model.key, "title": model.title, "version": version.label, "status": version.status,
                    "criteria_count": sum(per.values()),
                    "dimensions": [{"key": d.key, "title": d.title, "criteria_count": per.get(d.key, 0)}
                                   for d in tree_dimensions]})
    return jsonify({"models": out})


@bp.get("/models/<key>")
@public
def model_detail(key: str):
    model = queries.model_by_key(key)
    if model is None:
        raise NotFound(_("There is no planning model %(key)s.", key=key))
    label = request.args.get("version")
    version = queries.version_by_label(model, label) if label else queries.current_version(model)
    if version is None:
        raise NotFound(_("The %(key)s model has no version %(label)s.", key=key, label=label) if label
                       else _("The %(key)s model has no version yet.", key=key))
    if not _visible(version):
        return error_response(401)
    # the same for every reader allowed to see the version, until the catalogue changes
    return kept_json(("api.model_detail", version.id), ("catalogue",), lambda: _model_document(model, version))


def _model_document(model, version) -> dict:
    content = queries.version_content(queries.version_tree(version.id))
    sdg = sdg_reference()
    for dimension in content["dimensions"]:
        for criterion in dimension["criteria"]:
            if criterion["scoring"] == "levels":
                criterion["elements"] = []
            else:
                criterion["levels"] = []
            _flatten(criterion)
            for item in criterion["levels"] + criterion["elements"]:
                _flatten(item)
            criterion["sdg_target_details"] = [{"code": code, "goal": sdg.goal_of(code), "text": sdg.target(code)}
                                               for code in criterion["sdg_targets"]]
    content.pop("version")
    return {"key": model.key, "title": version.title, "version": version.label, "status": version.status,
            "description": version.description, "provenance": content["provenance"],
            "dimensions": content["dimensions"], "alerts": content["alerts"]}
