"""The methods report's page (/committees/<id>/methods-report), the facilitators' form for a checklist item's
text, and GET /api/v1/committees/<id>/methods-report. The PDF is served by whitepaper.reports.methods."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from ... import permissions
from ...api.views import bp as api_bp
from ...errors import InvalidInput, NotFound
from ...extensions import db
from ...formatting import current_lang
from .. import committees
from ..blueprint import bp, committee_or_404, manage, see
from .checklist import KEYS
from .report import MAX_TEXT, build, report_json, save_text, template_helpers


class MethodsTextForm(FlaskForm):
    text_es = TextAreaField(_l("Text in Spanish"), validators=[Length(max=MAX_TEXT)])
    text_en = TextAreaField(_l("Text in English"), validators=[Length(max=MAX_TEXT)])


@bp.route("/<int:committee_id>/methods-report")
def methods_report(committee_id: int):
    committee = committee_or_404(committee_id)
    see(permissions.can_view_committee(current_user, committee))
    editable = permissions.can_manage_committee(current_user, committee)
    return render_template("delphi/methods/report.html", report=build(committee, current_user, current_lang()),
                           committee=committee, editable=editable, form=MethodsTextForm() if editable else None,
                           pdf=False, **template_helpers())


@bp.route("/<int:committee_id>/methods-report/items/<key>", methods=["POST"])
def methods_text(committee_id: int, key: str):
    committee = committee_or_404(committee_id)
    manage(committee)
    if key not in KEYS:
        abort(404)
    form = MethodsTextForm()
    if not form.validate_on_submit():
        raise InvalidInput(" ".join(str(e) for errors in form.errors.values() for e in errors)
                           or _("The form has expired: reload the page and try again."))
    save_text(current_user, committee, key, es=form.text_es.data or "", en=form.text_en.data or "")
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("delphi.methods_report", committee_id=committee.id) + f"#item-{key}")


@api_bp.get("/committees/<int:committee_id>/methods-report")
def methods_report_json(committee_id: int):
    committee = committees.committee(committee_id)
    if committee is None:
        raise NotFound(_("There is no committee %(id)d.", id=committee_id))
    if not permissions.can_view_committee(current_user, committee):
        abort(403)
    return jsonify(report_json(build(committee, current_user, current_lang())))
