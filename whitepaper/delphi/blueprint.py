"""The committees' blueprint (/committees) and the loading and checking helpers that its committee, round and
systemizing pages share."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import select

from .. import permissions
from ..extensions import db
from ..links import external_url
from ..models import Country
from ..models.delphi import Committee, Round
from ..web import select_locale
from . import committees

bp = Blueprint("delphi", __name__, url_prefix="/committees")


def committee_or_404(committee_id: int) -> Committee:
    committee = committees.committee(committee_id)
    if committee is None:
        abort(404)
    return committee


def see(visible: bool) -> None:
    """What the user may not see answers 404, as if it did not exist (docs/design.md §1.2)."""
    if not visible:
        abort(404)


def require(allowed: bool) -> None:
    """What the user sees but may not do answers 403."""
    if not allowed:
        abort(403)


def sees(round_or_committee: Round | Committee) -> bool:
    if isinstance(round_or_committee, Round):
        return permissions.can_see_round(current_user, round_or_committee)
    return permissions.can_view_committee(current_user, round_or_committee)


def manage(round_or_committee: Round | Committee) -> None:
    committee = round_or_committee.committee if isinstance(round_or_committee, Round) else round_or_committee
    see(sees(round_or_committee))
    require(permissions.can_manage_committee(current_user, committee))


def country_choices() -> list[tuple[str, str]]:
    lang = select_locale()
    return sorted(((c.iso3, c.name(lang)) for c in db.session.scalars(select(Country))), key=lambda p: p[1])


def committee_link(committee: Committee) -> str:
    return external_url("delphi.committee_page", committee_id=committee.id)
