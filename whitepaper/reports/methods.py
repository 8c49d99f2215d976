"""The methods report of a committee as a PDF, through the same WeasyPrint path (and cache) as the scorecards:
the page's report, laid out as a self-contained document in the language asked for."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import formatting, permissions
from ..delphi import committees
from ..delphi.methods.report import build, template_helpers
from ..models import Committee
from .documents import _css, cached_pdf
from .views import _lang, bp


def methods_html(committee: Committee, viewer: Any, lang: str) -> str:
    """The report as `viewer` may read it, as self-contained HTML in one language."""
    with force_locale(lang):
        report = build(committee, viewer, lang)
        title = _("Methods report: technical committee on %(model)s",
                  model=formatting.text(committee.planning_model.title, lang))
        return render_template("delphi/methods/pdf.html", report=report, committee=committee, lang=lang,
                               css=_css(), doc_title=title, editable=False, form=None, pdf=True, **template_helpers(),
                               doc_description=_("Planbarómetro: how the technical committee's Delphi was run"))


@bp.route("/committees/<int:committee_id>/methods-report.pdf")
def methods_pdf(committee_id: int):
    committee = committees.committee(committee_id)
    if committee is None or not permissions.can_view_committee(current_user, committee):
        abort(404)
    lang = _lang()
    html = methods_html(committee, current_user, lang)
    name = f"metodos-{committee.planning_model.key}-{lang}.pdf"
    return current_app.response_class(cached_pdf(html), mimetype="application/pdf",
                                      headers={"Content-Disposition": f'attachment; filename="{name}"'})
