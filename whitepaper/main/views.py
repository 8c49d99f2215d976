"""The role-aware home page, the language switch and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db
from ..redirects import safe_next
from ..web import LANG_COOKIE, public

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return render_template("main/home.html")


@bp.route("/lang", methods=["POST"])
@public
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        lang = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    response = make_response(redirect(safe_next(request.form.get("next")) or url_for("main.home")))
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["WHITEPAPER_ENV"] == "production")
    return response


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any driver error means the database cannot serve
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", error)
        return jsonify({"status": "error", "db": "unreachable", "reason": type(error).__name__}), 503
    return jsonify({"status": "ok", "db": "ok"})
