"""Shared public pages: what an anonymous visitor sees on a public page (the catalogue, the published
scorecards) is the same for every anonymous visitor with the same address and language, so it is rendered once
per data revision and kept by the process.

A page is kept under (endpoint, path with its query, language, the data revisions it depends on): a change to
that data raises its revision (models/revision.py) and the next view renders the page anew, in every worker.
Only complete 200 answers are kept. What differs per visitor is left out of the kept copy and put back on each
answer: the CSRF token of the page's forms (the language switch), rendered as a placeholder and replaced by the
visitor's own token. Signed-in users, other methods and a visitor with a message waiting (a flash) always get
the page rendered for them."""
from __future__ import annotations

import secrets
from functools import wraps
from typing import Any, Callable

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from .caching import BoundedCache
from .models import revision

PAGES = 256   # kept pages per process (a catalogue page is 50-150 kB)
EXTENSION = "whitepaper.shared_pages"


def _csrf_token() -> str:
    """The templates' csrf_token(): while a shared page renders, a placeholder unique to this process."""
    if g.get("rendering_shared_page"):
        return current_app.extensions[EXTENSION]["placeholder"]
    return generate_csrf()


def init_app(app: Flask) -> None:
    """Keeps the pages of this app (after CSRFProtect, whose template global and context value it wraps)."""
    app.extensions[EXTENSION] = {"pages": BoundedCache(PAGES), "placeholder": "csrf-" + secrets.token_hex(16)}
    app.jinja_env.globals["csrf_token"] = _csrf_token
    app.context_processor(lambda: {"csrf_token": _csrf_token})


def _personal() -> bool:
    return bool(current_user.is_authenticated or request.method != "GET" or session.get("_flashes"))


def _with_token(body: bytes) -> bytes:
    placeholder = current_app.extensions[EXTENSION]["placeholder"].encode()
    return body.replace(placeholder, generate_csrf().encode()) if placeholder in body else body


def _keepable(response: Response) -> bool:
    """A complete 200 answer that sets nothing for the visitor (no cookie) and carries no header of its own."""
    return (response.status_code == 200 and not response.direct_passthrough and not response.is_streamed
            and set(response.headers.keys()) <= {"Content-Type", "Content-Length"})


def _known(depends_on: tuple[str, ...]) -> None:
    unknown = set(depends_on) - set(revision.NAMES)
    if unknown:
        raise ValueError(f"unknown data revisions: {sorted(unknown)}")


def kept_json(parts: tuple, depends_on: tuple[str, ...], build: Callable[[], Any]) -> Response:
    """A JSON answer that depends only on `parts`, the language and the data revisions named, serialised once
    per process and kept. The caller decides what may be kept, after its own permission check: data that
    cannot change without raising those revisions, whoever reads it (parts carry what differs per reader)."""
    _known(depends_on)
    pages = current_app.extensions[EXTENSION]["pages"]
    key = ("json", *parts, str(get_locale()), revision.current(depends_on))
    body = pages.get(key)
    if body is None:
        body = current_app.json.response(build()).get_data()
        pages.put(key, body)
    return Response(body, 200, mimetype="application/json")


def shared_page(*depends_on: str) -> Callable:
    """Marks a public view whose anonymous answer depends only on its address, the language and the data
    revisions named (`catalogue`, `published`)."""
    _known(depends_on)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs):
            if _personal():
                return view(**kwargs)
            pages = current_app.extensions[EXTENSION]["pages"]
            key = (request.endpoint, request.full_path, str(get_locale()), revision.current(depends_on))
            kept = pages.get(key)
            if kept is not None:
                body, mimetype = kept
                return Response(_with_token(body), 200, mimetype=mimetype)
            g.rendering_shared_page = True
            try:
                response = make_response(view(**kwargs))
            finally:
                g.rendering_shared_page = False
            if _keepable(response):
                pages.put(key, (response.get_data(), response.mimetype))
            if not response.direct_passthrough and not response.is_streamed:
                response.set_data(_with_token(response.get_data()))
            return response
        return wrapper
    return decorate
