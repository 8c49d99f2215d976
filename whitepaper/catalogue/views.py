"""Catalogue pages: models, versions, browse with search and filters, criterion permalinks, comparison,
and the admin's version actions (piloting, CRP decision)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..extensions import db
from ..models import CatalogueVersion, PlanningModel
from ..shared_pages import shared_page
from ..web import public
from . import compare, display, queries, services
from .forms import CrpDecisionForm
from .loader import sdg_reference
from .search import matches

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
# Every template that shows an SDG code (the rating form, the scorecard) reads its text from here.
bp.add_app_template_global(sdg_reference, "sdg_reference")
bp.add_app_template_global(display.badge, "provenance_badge")
bp.add_app_template_global(display.source_label, "provenance_source_label")


def _visible(version: CatalogueVersion | None) -> bool:
    """Approved versions are public; the others are for logged-in users."""
    return version is not None and (version.status == "approved" or current_user.is_authenticated)


def _model_or_404(key: str) -> PlanningModel:
    model = queries.model_by_key(key)
    if model is None:
        abort(404)
    return model


def _version_or_login(model: PlanningModel, label: str | None) -> CatalogueVersion:
    version = queries.version_by_label(model, label) if label else queries.current_version(model)
    if version is None:
        abort(404)
    if not _visible(version):
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    return version


@bp.route("/")
@public
@shared_page("catalogue")
def index():
    models = queries.planning_models()
    rows = []
    for model in models:
        current = queries.current_version(model)
        versions = [v for v in model.versions if _visible(v)]
        if current is not None and _visible(current) or versions:
            rows.append({"model": model, "current": current if _visible(current) else None, "versions": versions})
    return render_template("catalogue/index.html", rows=rows, counts=queries.criteria_counts())


@bp.route("/<key>/")
@bp.route("/<key>/<label>/")
@public
@shared_page("catalogue")
def browse(key: str, label: str | None = None):
    model = _model_or_404(key)
    version = _version_or_login(model, label)
    tree = queries.version_tree(version.id)
    query = request.args.get("q", "").strip()
    dimension_key = request.args.get("dimension", "")
    scope = request.args.get("scope", "")
    sections = []
    shown = 0
    for dimension in tree.dimensions:
        if dimension_key and dimension.key != dimension_key:
            continue
        criteria = [c for c in dimension.criteria
                    if (not scope or c.scope == scope) and (not query or matches(c, query))]
        shown += len(criteria)
        sections.append((dimension, criteria))
    return render_template("catalogue/browse.html", model=model, version=tree, sections=sections, shown=shown,
                           query=query, dimension_key=dimension_key, scope=scope,
                           alerts_by_code=queries.alert_titles(tree), sdg=sdg_reference(),
                           provenance_counts=queries.provenance_counts(tree),
                           current=queries.current_version(model), printable=False)


@bp.route("/<key>/<label>/print")
@public
@shared_page("catalogue")
def printable(key: str, label: str):
    model = _model_or_404(key)
    version = _version_or_login(model, label)
    tree = queries.version_tree(version.id)
    return render_template("catalogue/browse.html", model=model, version=tree,
                           sections=[(d, d.criteria) for d in tree.dimensions],
                           shown=sum(len(d.criteria) for d in tree.dimensions), query="", dimension_key="",
                           scope="", alerts_by_code=queries.alert_titles(tree), sdg=sdg_reference(),
                           provenance_counts=queries.provenance_counts(tree),
                           current=queries.current_version(model), printable=True)


@bp.route("/<key>/<label>/criteria/<code>")
@public
@shared_page("catalogue")
def criterion(key: str, label: str, code: str):
    model = _model_or_404(key)
    version = _version_or_login(model, label)
    tree = queries.version_tree(version.id)
    for dimension in tree.dimensions:
        for item in dimension.criteria:
            if item.code == code:
                return render_template("catalogue/criterion.html", model=model, version=tree, dimension=dimension,
                                       criterion=item, alerts=queries.alert_titles(tree).get(code, []),
                                       sdg=sdg_reference())
    abort(404)


@bp.route("/sdg/")
@public
@shared_page("catalogue")
def sdg_index():
    return render_template("catalogue/sdg_index.html", sdg=sdg_reference())


@bp.route("/sdg/<int:number>")
@public
@shared_page("catalogue")
def sdg_goal(number: int):
    """One goal: its targets in the UN's words and the criteria of the current approved versions that link to
    them, across models."""
    sdg = sdg_reference()
    goal = str(number)
    if goal not in sdg.titles:
        abort(404)
    current = [(m, queries.current_version(m)) for m in queries.planning_models()]
    approved = {v.id: (m, v) for m, v in current if v is not None and v.status == "approved"}
    linked: dict[str, list] = {}
    rows = []
    for criterion in queries.criteria_with_sdg_targets(list(approved)):
        codes = [t for t in criterion.sdg_targets if sdg.goal_of(t) == goal]
        if codes:
            model, version = approved[criterion.version_id]
            rows.append((model, version, criterion, codes))
            for code in codes:
                linked.setdefault(code, []).append(criterion.code)
    targets = [code for code in sdg.targets if sdg.goal_of(code) == goal]
    return render_template("catalogue/sdg_goal.html", sdg=sdg, goal=goal, targets=targets, rows=rows,
                           linked=linked)


@bp.route("/<key>/compare")
def compare_versions(key: str):
    model = _model_or_404(key)
    labels = [v.label for v in model.versions]
    a_label = request.args.get("a") or (labels[-2] if len(labels) > 1 else (labels[0] if labels else ""))
    b_label = request.args.get("b") or (labels[-1] if labels else "")
    a, b = queries.version_by_label(model, a_label), queries.version_by_label(model, b_label)
    result = None
    if a is not None and b is not None:
        result = compare.diff(queries.version_content(queries.version_tree(a.id)),
                              queries.version_content(queries.version_tree(b.id)))
    return render_template("catalogue/compare.html", model=model, labels=labels, a=a, b=b, result=result)


@bp.route("/<key>/<label>/piloting", methods=["POST"])
def piloting(key: str, label: str):
    if not permissions.can_manage_catalogue(current_user):
        abort(403)
    version = _version_or_login(_model_or_404(key), label)
    services.set_piloting(current_user, version, request.form.get("open") == "1")
    db.session.commit()
    flash(_("Piloting opened: assessments may now use this draft.") if version.is_open_for_piloting
          else _("Piloting closed."), "success")
    return redirect(url_for("catalogue.browse", key=key, label=label))


@bp.route("/<key>/<label>/approve", methods=["GET", "POST"])
def approve(key: str, label: str):
    if not permissions.can_manage_catalogue(current_user):
        abort(403)
    model = _model_or_404(key)
    version = _version_or_login(model, label)
    form = CrpDecisionForm()
    if form.validate_on_submit():
        services.record_crp_approval(current_user, version, form.decision_date.data, form.reference.data)
        db.session.commit()
        flash(_("The CRP decision is recorded: version %(label)s is now the approved version.", label=label),
              "success")
        return redirect(url_for("catalogue.browse", key=key, label=label))
    return render_template("catalogue/approve.html", model=model, version=version, form=form,
                           current=queries.current_version(model)), 400 if request.method == "POST" else 200
