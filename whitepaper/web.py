"""Request-wide behaviour: login required by default, language choice, security headers."""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .errors import error_response
from .ids import MAX_PAGE, parse_int

# TEMPORARY re-export, only for whitepaper/delphi/views.py (being moved by others): drop once it imports
# safe_next from .redirects.

LANG_COOKIE = "lang"


def public(view: Callable) -> Callable:
    """Marks a view as reachable without logging in (every other view requires it)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI and the worker speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def _carries_nul() -> bool:
    """Whether the path, the query string or a urlencoded form holds a NUL character, which no text column can
    store (PostgreSQL refuses it). Multipart forms are parsed by their views, under their own size limit."""
    if "\x00" in request.path:
        return True
    fields = [request.args]
    if request.mimetype == "application/x-www-form-urlencoded":
        fields.append(request.form)
    return any("\x00" in key or "\x00" in value for multi in fields for key, value in multi.items(multi=True))


def _bad_page_number() -> bool:
    """Whether `?page=` (read by every paginated list, db.paginate() included) is not a page number."""
    raw = request.args.get("page")
    return raw is not None and raw != "" and parse_int(raw, minimum=1, maximum=MAX_PAGE) is None


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_unusable_input():
        if _carries_nul():
            return error_response(400, _("The request contains a character that cannot be stored (a NUL byte). "
                                         "Remove it and try again."))
        if _bad_page_number():
            return error_response(400, _("The page number is a whole number from 1 to %(max)s, written with the "
                                         "digits 0 to 9.", max=MAX_PAGE))
        return None

    @app.before_request
    def require_login():
        view = app.view_functions.get(request.endpoint or "")
        if request.endpoint == "static" or view is None or getattr(view, "is_public", False):
            return None
        if current_user.is_authenticated:
            return None
        if request.path.startswith("/api/"):
            return error_response(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["WHITEPAPER_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault("Cache-Control", "private, no-store")
        if headers.get("Content-Disposition", "").lstrip().lower().startswith("attachment"):
            headers["Cache-Control"] = "no-store"  # a download (evidence, export, PDF) is never kept by a cache
        return response

    from .navigation import role_label
    app.jinja_env.filters["role_label"] = role_label

    @app.context_processor
    def inject_globals():
        from . import navigation, permissions
        return {"perm": permissions, "lang": select_locale(), "nav_items": navigation.nav_items,
                "home_cards": navigation.home_cards, "role_label": role_label,
                "subregion_label": navigation.subregion_label, "job_status": navigation.job_status}
