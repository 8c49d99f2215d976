"""Facilitator assignments, decided by administrators: the committees a facilitator runs (a `Membership` with role
"facilitator") and the countries whose self-evaluations they follow (`CountryAssignment`). Every change is
audited. Writes flush; the view commits once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..errors import Conflict, InvalidInput
from ..extensions import db
from ..models import Country, CountryAssignment, PlanningModel, User, UserRole
from ..models.delphi import Committee, Membership


@dataclass
class Assignments:
    """What one facilitator is assigned to."""
    user: User
    committees: list[Committee] = field(default_factory=list)
    countries: list[Country] = field(default_factory=list)


# --- reads ---

def committees() -> list[Committee]:
    """Every committee, in the order of the planning models."""
    return list(db.session.scalars(
        select(Committee).join(PlanningModel, PlanningModel.id == Committee.planning_model_id)
        .order_by(PlanningModel.position)))


def countries() -> list[Country]:
    return list(db.session.scalars(select(Country).order_by(Country.iso3)))


def _facilitated(user_ids: list[int]) -> dict[int, set[int]]:
    rows = db.session.execute(select(Membership.user_id, Membership.committee_id)
                              .where(Membership.user_id.in_(user_ids), Membership.role == "facilitator"))
    out: dict[int, set[int]] = {}
    for user_id, committee_id in rows:
        out.setdefault(user_id, set()).add(committee_id)
    return out


def _assignments(users: list[User]) -> list[Assignments]:
    in_order = committees()
    facilitated = _facilitated([u.id for u in users])
    return [Assignments(user=u, committees=[c for c in in_order if c.id in facilitated.get(u.id, set())],
                        countries=sorted((a.country for a in u.country_assignments), key=lambda c: c.iso3))
            for u in users]


def overview() -> list[Assignments]:
    """Every user with the facilitator role and what they are assigned to (a constant number of queries)."""
    return _assignments(list(db.session.scalars(
        select(User).where(User.id.in_(select(UserRole.user_id).where(UserRole.role == "facilitator")))
        .options(selectinload(User.country_assignments)).order_by(User.email))))


def of(user: User) -> Assignments:
    return _assignments([user])[0]


# --- writes ---

def _snapshot(membership: Membership) -> dict[str, object]:
    return {"user": membership.user_id, "role": membership.role, "committee": membership.committee_id}


def _assign_committees(actor: User, facilitator: User, wanted: list[Committee]) -> int:
    current = {m.committee_id: m for m in db.session.scalars(
        select(Membership).where(Membership.user_id == facilitator.id, Membership.role == "facilitator"))}
    wanted_ids = {c.id for c in wanted}
    changes = 0
    for committee in wanted:
        if committee.id in current:
            continue
        if committee.membership_of(facilitator) is not None:
            raise Conflict(_("%(email)s is a member of the committee of the %(model)s: a member cannot also "
                             "facilitate it.", email=facilitator.email,
                             model=committee.planning_model.title.get("es") or committee.planning_model.key))
        membership = Membership(committee=committee, user=facilitator, role="facilitator", expertise="")
        db.session.add(membership)
        db.session.flush()
        audit.record(actor, "committee.membership.add", membership, after=_snapshot(membership))
        changes += 1
    for committee_id, membership in current.items():
        if committee_id not in wanted_ids:
            audit.record(actor, "committee.membership.remove", membership, before=_snapshot(membership))
            membership.committee.memberships.remove(membership)
            changes += 1
    return changes


def _assign_countries(actor: User, facilitator: User, wanted: list[Country]) -> int:
    current = {a.country_id: a for a in facilitator.country_assignments}
    wanted_ids = {c.id for c in wanted}
    changes = 0
    for country in wanted:
        if country.id in current:
            continue
        assignment = CountryAssignment(user=facilitator, country=country, assigned_by_id=actor.id)
        db.session.add(assignment)
        db.session.flush()
        audit.record(actor, "facilitator.country.add", assignment,
                     after={"user": facilitator.id, "country": country.iso3})
        changes += 1
    for country_id, assignment in current.items():
        if country_id not in wanted_ids:
            audit.record(actor, "facilitator.country.remove", assignment,
                         before={"user": facilitator.id, "country": assignment.country.iso3})
            facilitator.country_assignments.remove(assignment)
            changes += 1
    return changes


def assign(actor: User, facilitator: User, *, committees: Iterable[Committee], countries: Iterable[Country]) -> int:
    """Makes the facilitator's committees and countries exactly these; returns how many assignments changed."""
    if not facilitator.has_role("facilitator"):
        raise InvalidInput(_("Only a user with the facilitator role is assigned to committees and countries."))
    changes = _assign_committees(actor, facilitator, list(dict.fromkeys(committees)))
    changes += _assign_countries(actor, facilitator, list(dict.fromkeys(countries)))
    db.session.flush()
    return changes
