"""JSON API for self-evaluations (docs/design.md §3.4): GET /api/v1/assessments, /api/v1/assessments/<id> and
/api/v1/assessments/<id>/scorecard, under the same permission rules as the pages (anonymous readers: published
and public assessments only). Numbers are unrounded."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..api.views import bp
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..ids import parse_int
from ..models import MODEL_KEYS, Assessment
from ..models.assessment import ASSESSMENT_STATUSES
from ..shared_pages import kept_json
from ..web import public
from . import comparability, queries
from .scorecard import assessment_summary


def _reader():
    return current_user if current_user.is_authenticated else None


def _visible(assessment_id: int) -> Assessment:
    """The assessment if the reader may see it; otherwise 404 whoever asks, the same answer as for a missing one."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not permissions.can_view_assessment(_reader(), assessment):
        raise NotFound(_("There is no assessment %(id)d, or you may not read it.", id=assessment_id))
    return assessment


def _year() -> int | None:
    raw = request.args.get("year", "")
    if not raw:
        return None
    year = parse_int(raw, minimum=1, maximum=9999)
    if year is None:
        raise InvalidInput(_("The year filter is a year written with the digits 0 to 9, such as 2022."))
    return year


@bp.get("/assessments")
@public
def assessments():
    filters = queries.Filters(country=request.args.get("country", "").upper()[:3],
                              model=request.args.get("model", "") if request.args.get("model") in MODEL_KEYS else "",
                              status=request.args.get("status", "")
                              if request.args.get("status") in ASSESSMENT_STATUSES else "",
                              year=_year())
    rows = db.session.scalars(queries.visible_assessments(_reader(), filters)).all()
    return jsonify({"assessments": [assessment_summary(a) for a in rows]})


@bp.get("/assessments/<int:assessment_id>")
@public
def assessment_detail(assessment_id: int):
    assessment = _visible(assessment_id)
    found = comparability.fingerprint_of(assessment)   # null for a draft or a returned assessment
    return jsonify({**assessment_summary(assessment), "ratings": queries.api_ratings(assessment),
                    "fingerprint": None if found is None else found.as_api()})


@bp.get("/assessments/<int:assessment_id>/scorecard")
@public
def assessment_scorecard(assessment_id: int):
    assessment = _visible(assessment_id)
    build = lambda: queries.scorecard_for(assessment, _reader()).as_api()   # noqa: E731
    if not assessment.is_published:   # a draft changes with every save: computed for each request
        return jsonify(build())
    # A published scorecard changes only with the catalogue or the published set; what differs per reader is
    # whether the change since the previous assessment may be shown.
    previous = queries.previous_assessment(assessment)
    shows_previous = previous is not None and permissions.can_view_assessment(_reader(), previous)
    return kept_json(("api.assessment_scorecard", assessment.id, shows_previous), ("catalogue", "published"), build)
