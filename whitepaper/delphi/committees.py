"""The technical committees and their members: one committee per planning model, memberships,
invitations and voting representatives. Writes flush; the caller commits once."""
from __future__ import annotations

from typing import Any, Callable, Optional

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit, mail
from ..auth import services as accounts
from ..catalogue import queries as catalogue_queries
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import CatalogueVersion, Country, PlanningModel, User
from ..models.base import utcnow
from ..models.delphi import MEMBERSHIP_ROLES, Committee, Membership, Response, Round
from . import stats


def consulted_version(model: PlanningModel) -> Optional[CatalogueVersion]:
    """The version under consultation, or for a model with none, its current version."""
    consulting = [v for v in model.versions if v.status == "in_consultation"]
    return consulting[-1] if consulting else catalogue_queries.current_version(model)


def ensure_committees(actor: Optional[User]) -> list[Committee]:
    """One committee per planning model (idempotent)."""
    existing = {c.planning_model_id: c for c in db.session.scalars(select(Committee))}
    out = []
    for model in catalogue_queries.planning_models():
        committee = existing.get(model.id)
        if committee is None:
            version = consulted_version(model)
            if version is None:
                continue
            committee = Committee(planning_model=model, catalogue_version=version)
            db.session.add(committee)
            db.session.flush()
            audit.record(actor, "committee.create", committee,
                         after={"model": model.key, "version": version.label})
        out.append(committee)
    return out


def _country(iso3: str | None) -> Optional[Country]:
    if not iso3:
        return None
    country = db.session.scalar(select(Country).where(Country.iso3 == iso3.upper()))
    if country is None:
        raise InvalidInput(_("Unknown country code %(code)s.", code=iso3))
    return country


def _membership_snapshot(m: Membership) -> dict[str, Any]:
    return {"user": m.user_id, "role": m.role, "country": m.country.iso3 if m.country else None,
            "expertise": m.expertise, "voting_representative": m.is_voting_representative}


def _check_representative(committee: Committee, membership: Membership) -> None:
    if not membership.is_voting_representative:
        return
    if membership.role != "member" or membership.country is None:
        raise InvalidInput(_("Only a member with a country can be that country's voting representative."))
    for other in committee.memberships:
        if other is not membership and other.is_voting_representative and other.country is membership.country:
            raise Conflict(_("%(country)s already has a voting representative on this committee.",
                             country=membership.country.name_es if membership.country else ""))


def add_membership(actor: User, committee: Committee, user: User, *, role: str = "member",
                   country_iso3: str | None = None, expertise: str = "", is_voting_representative: bool = False,
                   committee_link: str | None = None, notify: bool = True) -> Membership:
    if role not in MEMBERSHIP_ROLES:
        raise InvalidInput(_("Choose member or facilitator."))
    if committee.membership_of(user) is not None:
        raise Conflict(_("%(email)s already sits on this committee.", email=user.email))
    country = _country(country_iso3) if country_iso3 else user.country
    if role == "member":
        if country is None:
            raise InvalidInput(_("A committee member represents a country: choose one."))
        if not user.has_role("member"):
            before = sorted(user.roles)
            user.set_roles(set(user.roles) | {"member"})
            audit.record(actor, "user.update", user, before={"roles": before}, after={"roles": sorted(user.roles)})
    elif not user.has_role("facilitator", "admin"):
        raise InvalidInput(_("Only ILPES staff with the facilitator role can facilitate a committee."))
    membership = Membership(committee=committee, user=user, role=role, country=country if role == "member" else None,
                            expertise=(expertise or "").strip()[:300],
                            is_voting_representative=bool(is_voting_representative) and role == "member")
    _check_representative(committee, membership)
    db.session.add(membership)
    if notify:
        membership.invited_at = utcnow()
        title = committee.planning_model.title
        if role == "member":
            body = _("You have been invited to the technical committee of the %(model)s, which validates ILPES's "
                     "Planbarómetro. The committee works in consultation rounds: you answer on the platform, "
                     "and the other members never see who said what.\n\n%(link)s",
                     model=title.get("es") or title.get("en"), link=committee_link or "")
        else:
            body = _("You now facilitate the technical committee of the %(model)s.\n\n%(link)s",
                     model=title.get("es") or title.get("en"), link=committee_link or "")
        mail.queue(user.email, _("Technical committee of the Planbarómetro"), body)
    db.session.flush()
    audit.record(actor, "committee.membership.add", membership, after=_membership_snapshot(membership))
    return membership


def invite_to_committee(actor: User, committee: Committee, *, email: str, name: str = "",
                        country_iso3: str | None = None, role: str = "member", expertise: str = "",
                        is_voting_representative: bool = False, committee_link: str | None = None,
                        invitation_link_for: Callable[[str], str] | None = None) -> Membership:
    """Adds a person to the committee; someone without an account gets one, with an invitation to set a password."""
    user = accounts.user_by_email(email)
    if user is None:
        if role != "member":
            raise InvalidInput(_("A facilitator needs an account first; an administrator creates it."))
        user = accounts.create_user(actor, email, roles={"member"}, name=name, country_iso3=country_iso3)
        if invitation_link_for is not None:
            accounts.invite(actor, user, invitation_link_for)
    return add_membership(actor, committee, user, role=role, country_iso3=country_iso3, expertise=expertise,
                          is_voting_representative=is_voting_representative, committee_link=committee_link)


def update_membership(actor: User, membership: Membership, *, country_iso3: str | None, expertise: str,
                      is_voting_representative: bool) -> Membership:
    before = _membership_snapshot(membership)
    if membership.role == "member":
        country = _country(country_iso3)
        if country is None:
            raise InvalidInput(_("A committee member represents a country: choose one."))
        membership.country = country
    membership.expertise = (expertise or "").strip()[:300]
    membership.is_voting_representative = bool(is_voting_representative) and membership.role == "member"
    _check_representative(membership.committee, membership)
    db.session.flush()
    after = _membership_snapshot(membership)
    if after != before:
        audit.record(actor, "committee.membership.update", membership, before=before, after=after)
    return membership


def remove_membership(actor: User, membership: Membership) -> None:
    answered = db.session.scalar(select(func.count()).select_from(Response)
                                 .where(Response.membership_id == membership.id))
    if answered:
        raise Conflict(_("This person has already answered a round; their answers must stay with the committee."))
    audit.record(actor, "committee.membership.remove", membership, before=_membership_snapshot(membership))
    membership.committee.memberships.remove(membership)
    db.session.flush()


def set_min_cell_size(actor: User, committee: Committee, size: Any) -> Committee:
    """The committee's minimum cell size for breakdowns (docs/methods.md §3.10): a whole number, never below 3."""
    try:
        size = stats.check_min_cell_size(size)
    except ValueError:
        raise InvalidInput(_("The minimum cell size is a whole number of at least %(n)d.",
                             n=stats.MIN_CELL_SIZE)) from None
    if size != committee.min_cell_size:
        before = {"min_cell_size": committee.min_cell_size}
        committee.min_cell_size = size
        db.session.flush()
        audit.record(actor, "committee.settings", committee, before=before, after={"min_cell_size": size})
    return committee


# --- reads ---


def _with_rounds():
    """A committee's rounds in one query. Each round's committee is the one just loaded (found in the session,
    no query): joining it again would reload every committee's memberships and their users' roles."""
    return selectinload(Committee.rounds).lazyload(Round.committee)


def committees() -> list[Committee]:
    """Every committee with its rounds and memberships, in the order of the planning models (four queries,
    whatever the number of committees, rounds and members)."""
    return list(db.session.scalars(select(Committee).join(PlanningModel, PlanningModel.id == Committee.planning_model_id)
                                   .options(_with_rounds()).order_by(PlanningModel.position)).unique())


def committee(committee_id: int) -> Optional[Committee]:
    return db.session.scalar(select(Committee).where(Committee.id == committee_id).options(_with_rounds()))


def committee_members_count(committee: Committee) -> tuple[int, int]:
    """Members and distinct countries of a committee."""
    members = committee.members
    return len(members), len({m.country_id for m in members if m.country_id is not None})
