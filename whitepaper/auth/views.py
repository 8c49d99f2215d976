"""Account pages: log in, log out, password change and reset, invitation acceptance, API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import DomainError
from ..extensions import db
from ..links import external_url
from ..models import ApiToken
from ..redirects import safe_next
from ..web import public
from . import personal_data, services, throttle
from .forms import ApiTokenForm, ChangePasswordForm, LoginForm, NewPasswordForm, ResetRequestForm

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or ""
        try:
            throttle.claim_sign_in(form.email.data, address)
        except throttle.Throttled as refusal:
            db.session.rollback()
            form.email.errors.append(refusal.message)
            return throttle.with_retry_after(make_response(render_template("auth/login.html", form=form), 429),
                                             refusal)
        db.session.commit()  # the claim is seen by concurrent attempts before this password is checked
        user = services.authenticate(form.email.data, form.password.data, address)
        db.session.commit()
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=user.display_name()), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        form.password.errors.append(_("The e-mail or the password is not correct."))
        status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_sessions(current_user)  # a copy of this session's cookies stops working too
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except DomainError as error:
            form.current.errors.append(error.message)
            return render_template("auth/change_password.html", form=form), 400
        db.session.commit()
        login_user(current_user._get_current_object())  # keep this session; the new nonce ends the others
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/password/reset", methods=["GET", "POST"])
@public
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data, request.remote_addr or "",
                                            lambda raw: external_url("auth.reset_password", token=raw))
        except throttle.Throttled as refusal:
            db.session.rollback()
            form.email.errors.append(refusal.message)
            return throttle.with_retry_after(
                make_response(render_template("auth/reset_request.html", form=form), 429), refusal)
        db.session.commit()
        flash(_("If an account exists for that address, we have sent it a link to choose a new password."),
              "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


def _token_page(purpose: str, title: str):
    token = request.view_args["token"]
    if services.find_action_token(token, purpose) is None:
        return render_template("auth/token_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.use_action_token(token, purpose, form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
            return render_template("auth/set_password.html", form=form, title=title), 400
        db.session.commit()
        login_user(user)
        flash(_("Your password has been saved."), "success")
        return redirect(url_for("main.home"))
    return render_template("auth/set_password.html", form=form, title=title)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _token_page("password_reset", _("Choose a new password"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _token_page("invitation", _("Welcome: choose your password"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        _token, new_token = services.create_api_token(current_user, form.name.data)
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    rows = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()
    return render_template("auth/tokens.html", form=form, tokens=rows, new_token=new_token)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != current_user.id:
        abort(404)
    services.revoke_api_token(current_user, token)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("auth.tokens"))


@bp.route("/account/data.json")
@login_required
def my_data():
    response = jsonify(personal_data.export(current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="planbarometro-my-data.json"'
    return response
