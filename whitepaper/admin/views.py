"""Administration pages: users (invite, edit, deactivate), facilitator assignments, countries, outbox, audit
trail."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import formatting, permissions
from ..auth import privacy, throttle
from ..auth import services as accounts
from ..errors import DomainError
from ..extensions import db
from ..links import external_url, mask_link_tokens
from ..models import AuditEvent, Country, OutboxMessage, User, UserRole
from ..web import select_locale
from . import assignments as facilitator_assignments
from .forms import AssignmentForm, InviteForm, UserForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def only_admins():
    if not permissions.is_admin(current_user):
        abort(403)


def _country_choices() -> list[tuple[str, str]]:
    lang = select_locale()
    countries = db.session.scalars(select(Country)).all()
    return sorted(((c.iso3, c.name(lang)) for c in countries), key=lambda pair: pair[1])


@bp.route("/users")
def users():
    query = select(User).options(selectinload(User.role_rows)).order_by(User.email)
    search = request.args.get("q", "").strip()
    if search:
        like = f"%{search.lower()}%"
        query = query.where(or_(User.email.ilike(like), User.name.ilike(like)))
    role = request.args.get("role", "")
    if role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    page = db.paginate(query, per_page=25, error_out=False)
    return render_template("admin/users.html", page=page, search=search, role=role)


@bp.route("/users/invite", methods=["GET", "POST"])
def invite_user():
    form = InviteForm(_country_choices())
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_user, form.email.data, roles=set(form.roles.data),
                                        name=form.name.data or "", country_iso3=form.country.data or None)
            accounts.invite(current_user, user,
                            lambda raw: external_url("auth.accept_invitation", token=raw))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            response = make_response(render_template("admin/user_form.html", form=form, user=None), error.status)
            return throttle.with_retry_after(response, error) if isinstance(error, throttle.Throttled) else response
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None), 400 if request.method == "POST" else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(_country_choices(), data=None if request.method == "POST" else {
        "name": user.name, "roles": sorted(user.roles), "country": user.country.iso3 if user.country else "",
        "active": user.is_active_account})
    if form.validate_on_submit():
        try:
            accounts.update_user(current_user, user, name=form.name.data or "", roles=set(form.roles.data),
                                 country_iso3=form.country.data or None, active=form.active.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("admin/user_form.html", form=form, user=user), error.status
        db.session.commit()
        flash(_("The user has been updated."), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), 400 if request.method == "POST" else 200


@bp.route("/assignments")
def assignments():
    return render_template("admin/assignments.html", rows=facilitator_assignments.overview())


@bp.route("/assignments/<int:user_id>", methods=["GET", "POST"])
def edit_assignments(user_id: int):
    """Which committees a facilitator runs and which countries' self-evaluations they follow."""
    user = db.get_or_404(User, user_id)
    if not user.has_role("facilitator"):
        abort(404)
    lang = select_locale()
    committees = facilitator_assignments.committees()
    countries = facilitator_assignments.countries()
    current = facilitator_assignments.of(user)
    form = AssignmentForm([(c.id, formatting.text(c.planning_model.title, lang)) for c in committees],
                          sorted(((c.iso3, c.name(lang)) for c in countries), key=lambda pair: pair[1]),
                          data=None if request.method == "POST" else {
                              "committees": [c.id for c in current.committees],
                              "countries": [c.iso3 for c in current.countries]})
    if form.validate_on_submit():
        chosen_committees, chosen_countries = set(form.committees.data or []), set(form.countries.data or [])
        facilitator_assignments.assign(current_user, user,
                                       committees=[c for c in committees if c.id in chosen_committees],
                                       countries=[c for c in countries if c.iso3 in chosen_countries])
        db.session.commit()
        flash(_("The assignments of %(email)s are saved.", email=user.email), "success")
        return redirect(url_for("admin.assignments"))
    return render_template("admin/assignment_form.html", form=form, user=user), \
        400 if request.method == "POST" else 200


@bp.route("/users/<int:user_id>/anonymise", methods=["POST"])
def anonymise_user(user_id: int):
    user = db.get_or_404(User, user_id)
    privacy.anonymise(current_user, user)
    db.session.commit()
    flash(_("The account has been anonymised: its name and e-mail are gone and it can no longer sign in."),
          "success")
    return redirect(url_for("admin.users"))


@bp.route("/countries")
def countries():
    rows = db.session.scalars(select(Country).order_by(Country.subregion, Country.iso3)).all()
    return render_template("admin/countries.html", countries=rows)


@bp.route("/outbox")
def outbox():
    page = db.paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=25, error_out=False)
    return render_template("admin/outbox.html", page=page, mask=mask_link_tokens)


@bp.route("/audit")
def audit_trail():
    page = db.paginate(select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc()),
                       per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page)
