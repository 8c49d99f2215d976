"""After a ballot: the facilitators' answers to the reasons given for rejection, a comment sent to a
draft round as a new statement, and follow-up ballots for what was not decided or was rejected."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit
from ...errors import Conflict, InvalidInput, InvalidTransition
from ...extensions import db
from ...models import User
from ...models.ballot import RESOLUTION_DECISIONS, Ballot, BallotItem, CommentResolution
from ...models.base import utcnow
from ...models.delphi import Item, Round
from ..rounds import items as round_items
from . import queries, tally
from .lifecycle import (
    check_dates,
    next_number,
    require_consultable,
    rule_of,
    set_rule,
    snapshot,
)
from .votes import MAX_ANSWER, MAX_REVISION


def answer_comment(actor: User, resolution: CommentResolution, *, decision: str, answer: str) -> None:
    answer = (answer or "").strip()[:MAX_ANSWER]
    if decision not in RESOLUTION_DECISIONS:
        raise InvalidInput(_("Choose how the comment is resolved."))
    if not answer:
        raise InvalidInput(_("Write the answer to the comment."))
    before = {"decision": resolution.decision, "answered": resolution.is_answered}
    resolution.decision, resolution.answer = decision, answer
    resolution.answered_by_id, resolution.answered_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "comment_resolution.answer", resolution, before=before,
                 after={"decision": decision, "answered": True})


def send_comment_to_round(actor: User, resolution: CommentResolution, round_: Round,
                          statement: dict[str, str]) -> Item:
    """An unresolved question becomes an agreement item of a draft closed round of the same committee."""

    item = resolution.item
    b = db.session.get(Ballot, item.ballot_id)
    if round_.committee_id != b.committee_id:
        raise InvalidInput(_("Choose a round of the same committee."))
    if round_.kind != "closed":
        raise InvalidInput(_("Choose a closed round (with agreement questions)."))
    round_item = round_items.add_agreement_item(actor, round_, statement)
    resolution.round_item_id = round_item.id
    db.session.flush()
    audit.record(actor, "comment_resolution.to_round", resolution, after={"round": round_.id,
                                                                          "item": round_item.id})
    return round_item


@dataclass
class FollowUpInput:
    revised_text: Optional[dict[str, str]] = None
    revised_value: Optional[int] = None


def _revised(text: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
    if not text:
        return None
    cleaned = {lang: (text.get(lang) or "").strip()[:MAX_REVISION] for lang in ("es", "en")}
    return cleaned if (cleaned["es"] or cleaned["en"]) else None


def create_follow_up(actor: Optional[User], b: Ballot, selections: Mapping[int, FollowUpInput], *,
                     rule: Optional[tally.BallotRule] = None, opens_at: Optional[datetime] = None,
                     closes_at: Optional[datetime] = None) -> Ballot:
    """A draft ballot of the same stage for items of a closed ballot: not decided items (as they were, or
    revised), rejected dimensions with a revised proposal, rejected optimal values with a revised value.
    A rejected criterion leaves the model and cannot be followed up."""
    if b.status != "closed":
        raise InvalidTransition(_("A follow-up ballot is prepared once the ballot has closed."))
    version = require_consultable(b.committee)
    if not selections:
        raise InvalidInput(_("Choose at least one item for the follow-up ballot."))
    check_dates(opens_at, closes_at)
    items = {i.id: i for i in db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == b.id))}
    on_ballots = queries.items_on_ballots(b.committee_id)
    new_items = []
    for item_id, given in selections.items():
        item = items.get(item_id)
        if item is None:
            raise InvalidInput(_("That item is not part of this ballot."))
        later = on_ballots.get((b.stage, item.subject))
        if later is not None and later[1].id != b.id:
            raise Conflict(_("%(subject)s is already on ballot %(number)d.", subject=item.subject,
                             number=later[1].number))
        text = _revised(given.revised_text) or item.revised_text
        value = item.proposed_value
        if item.outcome == "approved":
            raise Conflict(_("%(subject)s is approved: it needs no follow-up ballot.", subject=item.subject))
        if item.outcome == "rejected":
            if b.stage == "criteria":
                raise Conflict(_("%(subject)s was rejected: a rejected criterion leaves the model. A revised "
                                 "criterion can be discussed as a new question in a round.", subject=item.subject))
            if b.stage == "dimensions_levels" and not _revised(given.revised_text):
                raise InvalidInput(_("A rejected dimension goes to a follow-up ballot with a revised proposal: "
                                     "write it for %(subject)s.", subject=item.subject))
            if b.stage == "optimal_levels" and given.revised_value is None:
                raise InvalidInput(_("A rejected optimal value goes to a follow-up ballot with a revised value: "
                                     "give one for %(subject)s.", subject=item.subject))
        if b.stage == "optimal_levels" and given.revised_value is not None:
            if not 1 <= given.revised_value <= (item.value_max or 0):
                raise InvalidInput(_("For %(subject)s, the value lies between 1 and %(max)d.", subject=item.subject,
                                     max=item.value_max or 0))
            if item.outcome == "rejected" and given.revised_value == item.proposed_value:
                raise InvalidInput(_("The revised value of %(subject)s must differ from the rejected one.",
                                     subject=item.subject))
            value = given.revised_value
        new_items.append((item, text if b.stage == "dimensions_levels" else None, value))
    follow = Ballot(committee_id=b.committee_id, catalogue_version_id=version.id,
                    number=next_number(b.committee), stage=b.stage, status="draft", opens_at=opens_at,
                    closes_at=closes_at, follow_up_of_id=b.id, created_by_id=actor.id if actor else None)
    set_rule(follow, rule or rule_of(b))
    db.session.add(follow)
    for position, (item, text, value) in enumerate(sorted(new_items, key=lambda t: t[0].position)):
        db.session.add(BallotItem(ballot=follow, position=position, subject=item.subject,
                                  dimension_key=item.dimension_key, proposed_value=value, value_max=item.value_max,
                                  revised_text=text, follow_up_of_item_id=item.id))
    db.session.flush()
    audit.record(actor, "ballot.create", follow, after={**snapshot(follow),
                                                         "items": [i.subject for i, _t, _v in new_items]})
    return follow
