"""Domain errors raised by services and models, and the one place that turns them into responses."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .redirects import safe_next, same_site_path


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status, code = 400, "invalid"


class NotAllowed(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class InvalidTransition(DomainError):
    status, code = 409, "invalid_transition"


class Conflict(DomainError):
    status, code = 409, "conflict"


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests",
              500: "server_error", 503: "unavailable"}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check the form and try again."),
        401: _("You need to log in to see this."),
        403: _("You do not have permission to do this."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        409: _("That change conflicts with the current state."),
        413: _("The file or form is too large: a file can have at most %(max)d MB.",
               max=current_app.config["MAX_UPLOAD_MB"]),
        429: _("Too many attempts. Wait a few minutes and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
        503: _("The service is temporarily unavailable."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str | None = None, code: str | None = None):
    message = message or _messages().get(status, _messages()[500])
    code = code or HTTP_CODES.get(status, "error")
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        """A refusal keeps its status and says why; on a page, with a way back to where the action started."""
        db.session.rollback()
        back = None if wants_json() else (safe_next(request.form.get("back")) or same_site_path(request.referrer))
        if back is None:
            return error_response(error.status, error.message, error.code)
        return render_template("errors/refused.html", message=error.message, back=back), error.status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return error_response(400, _("The form expired or was sent from elsewhere. Reload the page and try again."),
                              "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        db.session.rollback()
        return error_response(error.code or 500, None)

    @app.errorhandler(DataError)
    def unstorable(error: DataError):
        """A value the database refuses (too long, out of range, unstorable characters) that no form check
        caught: the request's fault, answered as such, and logged so the missing check gets added."""
        db.session.rollback()
        app.logger.warning("Value refused by the database: %s", error.orig)
        return error_response(400, _("One of the values sent is too long or cannot be stored. Shorten or correct "
                                     "it and try again."), "invalid")

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return error_response(500)
