"""Sessions end on the server: the session version checked on every request, the idle timeout and the
longest a sign-in lasts.

A session and a remember-me cookie both carry `User.get_id()`: the user's id, their session version
(`session_nonce`) and the time of signing in. The user loader refuses the id when the version has changed
(logout, password change or reset, deactivation, anonymisation: a copied cookie stops working) or when the
sign-in is older than REMEMBER_COOKIE_DURATION (at most 30 days, whatever the cookie's own expiry says).
The signed session also carries the time it was last used; after IDLE_TIMEOUT_MINUTES without a request
the session's sign-in ends (a remember-me cookie, if the person chose one, signs them in again)."""
from __future__ import annotations

import secrets
import time
from typing import Optional

from flask import Flask, current_app, flash, request, session
from flask_babel import gettext as _

from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import User

LAST_SEEN = "_last_seen"
SIGN_IN_KEYS = ("_user_id", "_fresh", "_id", LAST_SEEN)
STAMP_EVERY_SECONDS = 60  # the last-seen time is rewritten at most once a minute


def now() -> float:
    """The clock of sessions (tests move it)."""
    return time.time()


def load_user(user_id: str) -> Optional[User]:
    uid, nonce, signed_in_at = (user_id.split(":") + ["", ""])[:3]
    if not uid.isdigit() or not signed_in_at.isdigit():
        return None
    if now() - int(signed_in_at) > current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds():
        return None
    user = db.session.get(User, int(uid), options=[joinedload(User.role_rows)])  # one query, roles included
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def _idle_seconds() -> float:
    return current_app.config["IDLE_TIMEOUT_MINUTES"] * 60


def init_app(app: Flask) -> None:
    @app.before_request
    def end_idle_session():
        last_seen = session.get(LAST_SEEN)
        if "_user_id" not in session or last_seen is None or now() - last_seen <= _idle_seconds():
            return
        for key in SIGN_IN_KEYS:
            session.pop(key, None)
        if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies:
            flash(_("You were logged out after a period of inactivity. Log in again."), "info")

    @app.after_request
    def stamp_last_seen(response):
        if "_user_id" in session:
            last_seen = session.get(LAST_SEEN)
            if last_seen is None or now() - last_seen >= STAMP_EVERY_SECONDS:
                session[LAST_SEEN] = int(now())
        return response
