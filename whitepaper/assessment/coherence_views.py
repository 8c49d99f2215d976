"""The coherence page, on the assessment blueprint: a published subnational assessment beside its country's
published national one (assessment/coherence.py). Who may read it is who may read both scorecards: anyone
for two published public assessments, otherwise the scorecard permission of each (permissions.py)."""
from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..errors import InvalidInput
from ..extensions import db
from ..ids import parse_id
from ..models import Assessment
from ..web import public
from . import coherence
from .views import bp


def _viewer() -> Any:
    return current_user if current_user.is_authenticated else None


@bp.route("/<int:assessment_id>/coherence")
@public
def coherence_page(assessment_id: int):
    subnational = db.session.get(Assessment, assessment_id)
    if subnational is None or not permissions.can_view_assessment(current_user, subnational):
        abort(404)
    raw = request.args.get("national")
    national_id = None
    if raw is not None:
        national_id = parse_id(raw)
        if national_id is None:
            raise InvalidInput(_("The national assessment must be given by its number."))
    national = coherence.national_for(subnational, _viewer(), national_id)
    view = coherence.build(national, subnational) if national is not None else None
    if view is None:
        abort(404)  # not a published subnational assessment, or no national one the reader may see
    return render_template("assessment/coherence.html", view=view, a=subnational)


@bp.app_template_global("coherence_links")
def coherence_links(assessment: Assessment) -> list[tuple[str, str]]:
    """The coherence pages a scorecard page links to, as (label, address); none for drafts (no query)."""
    links = []
    for national, subnational in coherence.partners(assessment, _viewer()):
        if assessment.id == subnational.id:
            label = _("Coherence with the national assessment %(start)d–%(end)d", start=national.period_start,
                      end=national.period_end)
        else:
            label = _("Coherence with %(scope)s %(start)d–%(end)d", scope=subnational.scope_name,
                      start=subnational.period_start, end=subnational.period_end)
        links.append((label, url_for("assessment.coherence_page", assessment_id=subnational.id,
                                     national=national.id)))
    return links
