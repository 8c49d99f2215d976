"""JSON API for the catalogue: GET /api/v1/models and /api/v1/models/<key> (docs/design.md §3.4)."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..api.views import bp
from ..errors import NotFound, error_response
from ..web import public
from . import queries


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
    content = queries.version_content(queries.version_tree(version.id))
    for dimension in content["dimensions"]:
        for criterion in dimension["criteria"]:
            if criterion["scoring"] == "levels":
                criterion["elements"] = []
            else:
                criterion["levels"] = []
    content.pop("version")
    return jsonify({"key": model.key, "title": version.title, "version": version.label, "status": version.status,
                    "description": version.description, "dimensions": content["dimensions"],
                    "alerts": content["alerts"]})
