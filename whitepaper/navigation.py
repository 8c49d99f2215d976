"""Role-aware navigation and home-page cards, shown only for the features a user may use."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import permissions


@dataclass(frozen=True)
class Entry:
    endpoint: str
    title: Any
    text: Any
    allowed: Callable[[Any], bool]


def _logged_in(user: Any) -> bool:
    return bool(user.is_authenticated)


ENTRIES = (
    Entry("catalogue.index", _l("Planning models"),
          _l("The four planning models, their dimensions, criteria and achievement levels, version by version."),
          _logged_in),
    Entry("assessment.index", _l("Self-evaluations"),
          _l("Rate your planning system against an approved model in a consensus workshop, and read its scorecard."),
          lambda u: u.has_role("admin", "assessor", "facilitator", "observer")),
    Entry("delphi.index", _l("Technical committees"),
          _l("Answer consultation rounds, read the group's feedback and vote on the models."),
          lambda u: u.has_role("admin", "facilitator", "member", "observer")),
    Entry("ballots.index", _l("Ballots"),
          _l("Vote on the dimensions, criteria and optimal levels of the models, and read the results."),
          lambda u: u.has_role("admin", "facilitator", "member", "observer")),
    Entry("reports.index", _l("Reports for the CRP"),
          _l("Regional reports for the Regional Council for Planning."),
          permissions.can_view_crp_reports),
    Entry("admin.users", _l("Administration"),
          _l("Users, countries, outgoing mail and the audit trail."), permissions.is_admin),
)


def _visible() -> list[Entry]:
    if not current_user.is_authenticated:
        return []
    return [e for e in ENTRIES if e.endpoint in current_app.view_functions and e.allowed(current_user)]


def nav_items() -> list[dict[str, Any]]:
    return [{"url": url_for(e.endpoint), "label": e.title} for e in _visible() if e.endpoint != "admin.users"]


def home_cards() -> list[dict[str, Any]]:
    return [{"url": url_for(e.endpoint), "title": e.title, "text": e.text} for e in _visible()]


def job_status(status: str) -> str:
    return str({"queued": _l("waiting"), "running": _l("in progress"), "done": _l("ready"),
                "failed": _l("failed")}.get(status, status))


def subregion_label(key: str) -> str:
    return str({"south_america": _l("South America"), "central_america_mexico": _l("Central America and Mexico"),
                "caribbean": _l("The Caribbean")}.get(key, key))


def role_label(role: str) -> str:
    return str({"admin": _l("Administrator"), "facilitator": _l("Facilitator"), "member": _l("Committee member"),
                "assessor": _l("Assessor"), "observer": _l("Observer")}[role])
