"""A person's own data, as they download it from My account (JSON): their profile, tokens and committee
memberships, their Delphi answers, the ratings they last edited and their votes in ballots that are not secret.
Reads only, a fixed number of queries."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select

from ..extensions import db
from ..models import (Answer, ApiToken, Ballot, BallotItem, Committee, Criterion, GroupRating, Item, Membership,
                      Rating, Response, Round, User, Vote, WorkshopGroup)


def _when(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _profile(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "roles": sorted(user.roles),
            "country": user.country.iso3 if user.country else None,
            "organization": user.organization.name if user.organization_id else None, "locale": user.locale,
            "active": user.is_active_account, "created_at": _when(user.created_at),
            "last_login_at": _when(user.last_login_at)}


def _api_tokens(user: User) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [{"name": t.name, "begins_with": t.prefix, "created_at": _when(t.created_at),
             "last_used_at": _when(t.last_used_at), "revoked_at": _when(t.revoked_at)} for t in rows]


def _memberships(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(select(Membership, Committee.id).join(Committee)
                              .where(Membership.user_id == user.id).order_by(Membership.id))
    return [{"committee_id": committee_id, "role": m.role, "country": m.country.iso3 if m.country else None,
             "expertise": m.expertise, "voting_representative": m.is_voting_representative,
             "invited_at": _when(m.invited_at), "since": _when(m.created_at)} for m, committee_id in rows]


def _answers(user: User) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Answer, Response.status, Round.committee_id, Round.number, Item.id)
        .join(Response, Answer.response_id == Response.id).join(Membership, Response.membership_id == Membership.id)
        .join(Round, Response.round_id == Round.id).join(Item, Answer.item_id == Item.id)
        .where(Membership.user_id == user.id).order_by(Round.committee_id, Round.number, Answer.id))
    return [{"committee_id": committee_id, "round": number, "item_id": item_id, "response_status": status,
             "text": a.text, "rating": a.rating, "dont_know": a.dont_know, "ranking": a.ranking,
             "comment": a.comment, "updated_at": _when(a.updated_at)}
            for a, status, committee_id, number, item_id in rows]


def _ratings(user: User) -> list[dict[str, Any]]:
    """The ratings whose last edit is theirs (the model records the last editor, not every author)."""
    consolidated = db.session.execute(
        select(Rating, Criterion.code).join(Criterion, Rating.criterion_id == Criterion.id)
        .where(Rating.updated_by_id == user.id).order_by(Rating.id))
    by_group = db.session.execute(
        select(GroupRating, Criterion.code, WorkshopGroup.assessment_id, WorkshopGroup.id)
        .join(Criterion, GroupRating.criterion_id == Criterion.id)
        .join(WorkshopGroup, GroupRating.group_id == WorkshopGroup.id)
        .where(GroupRating.updated_by_id == user.id).order_by(GroupRating.id))
    out = [{"assessment_id": r.assessment_id, "group_id": None, "criterion": code, "kind": r.kind,
            "level": r.level, "justification": r.justification, "means_of_verification": r.means_of_verification,
            "updated_at": _when(r.updated_at)} for r, code in consolidated]
    out += [{"assessment_id": assessment_id, "group_id": group_id, "criterion": code, "kind": r.kind,
             "level": r.level, "justification": r.justification, "means_of_verification": None,
             "updated_at": _when(r.updated_at)} for r, code, assessment_id, group_id in by_group]
    return out


def _votes(user: User) -> list[dict[str, Any]]:
    """Votes in ballots that are not secret; a secret ballot's votes are nobody's to read, the voter's too."""
    rows = db.session.execute(
        select(Vote, BallotItem.ballot_id, BallotItem.subject).join(BallotItem, Vote.item_id == BallotItem.id)
        .join(Ballot, BallotItem.ballot_id == Ballot.id)
        .where(Vote.voter_id == user.id, Ballot.is_secret.is_(False)).order_by(Vote.id))
    return [{"ballot_id": ballot_id, "subject": subject, "choice": v.choice, "reason": v.reason,
             "proposed_value": v.proposed_value, "revision": v.revision} for v, ballot_id, subject in rows]


def export(user: User) -> dict[str, Any]:
    return {"profile": _profile(user), "api_tokens": _api_tokens(user), "committee_memberships": _memberships(user),
            "delphi_answers": _answers(user), "assessment_ratings": _ratings(user), "ballot_votes": _votes(user)}
