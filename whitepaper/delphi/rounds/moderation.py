"""Moderation of the anonymous comments shown in a round's aggregated feedback.

A facilitator hides a comment with a reason and may unhide it; the comment's text stays in its answer, the
member whose comment it is reads the reason beside their own answer, and both actions go to the audit trail.
A hidden comment is left out of the statistics' comments (rounds/statistics.py, which keeps it out of every
feedback, results page and export), and hiding or unhiding gives the round a new data version, so no cached
feedback shows it. Members flag comments, once per member and comment; facilitators see how many flags a
comment has (never whose), flagged comments first.

A comment is named in URLs by its answer's listing key (statistics.listing_key: an HMAC under the round's
secret), never by the answer's id, which would tell members in what order the answers were created."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from ... import audit
from ...errors import Conflict, InvalidInput
from ...extensions import db
from ...models import Country, User
from ...models.delphi import Answer, Item, Membership, Pseudonym, Response, Round
from ...models.moderation import CommentFlag, CommentHiding
from .statistics import listing_key

MAX_REASON = 1000
KEY = re.compile(r"[0-9a-f]{64}")


def _in_round(round_id: int):
    return and_(Response.id == Answer.response_id, Response.round_id == round_id)


def hidden_count(round_id: int) -> int:
    """Comments hidden in that round (for the methods report)."""
    return db.session.scalar(select(func.count()).select_from(CommentHiding)
                             .join(Answer, Answer.id == CommentHiding.answer_id)
                             .join(Response, _in_round(round_id))) or 0


def flag_count(round_id: int) -> int:
    """Flags that members put on that round's comments (each member's flag on each comment counts once)."""
    return db.session.scalar(select(func.count()).select_from(CommentFlag)
                             .join(Answer, Answer.id == CommentFlag.answer_id)
                             .join(Response, _in_round(round_id))) or 0


def _commented():
    return and_(Answer.comment.is_not(None), func.trim(Answer.comment) != "", Response.status == "submitted")


def comment_by_key(round_: Round, key: str) -> Optional[Answer]:
    """The submitted answer with a comment in this round whose listing key is `key`; None if there is none."""
    if not KEY.fullmatch(key or ""):
        return None
    answers = db.session.scalars(select(Answer).join(Response, _in_round(round_.id)).where(_commented()))
    return next((a for a in answers if listing_key(round_, a.id) == key), None)


@dataclass
class ModeratedComment:
    key: str
    item: Item
    text: str
    pseudonym: str
    country: Optional[Country]
    flags: int
    hidden_reason: Optional[str]
    hidden_at: Optional[datetime]

    @property
    def hidden(self) -> bool:
        return self.hidden_reason is not None


def comments_for_moderation(round_: Round) -> list[ModeratedComment]:
    """Every comment of the round's submitted answers, hidden ones included, for facilitators: the most flagged
    first, then in the round's item order and listing order (which says nothing about who answered first)."""
    flags = select(CommentFlag.answer_id, func.count().label("n")).group_by(CommentFlag.answer_id).subquery()
    rows = db.session.execute(
        select(Answer.id, Answer.comment, Item, Pseudonym.label, Country, flags.c.n, CommentHiding.reason,
               CommentHiding.hidden_at)
        .join(Response, _in_round(round_.id))
        .join(Item, Item.id == Answer.item_id)
        .join(Membership, Membership.id == Response.membership_id)
        .outerjoin(Country, Country.id == Membership.country_id)
        .outerjoin(Pseudonym, (Pseudonym.round_id == Response.round_id)
                   & (Pseudonym.membership_id == Response.membership_id))
        .outerjoin(flags, flags.c.answer_id == Answer.id)
        .outerjoin(CommentHiding, CommentHiding.answer_id == Answer.id)
        .where(_commented())).all()
    out = [ModeratedComment(listing_key(round_, answer_id), item, comment.strip(), label or "—", country, n or 0,
                            reason, hidden_at)
           for answer_id, comment, item, label, country, n, reason, hidden_at in rows]
    out.sort(key=lambda c: (-c.flags, c.item.position, c.key))
    return out


def hide(actor: User, round_: Round, answer: Answer, reason: str) -> CommentHiding:
    """Hides a comment from the feedback with a reason (required; the member reads it). Audited without the
    comment's text."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the comment is hidden: the member who wrote it will read the reason."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("The reason is too long (at most %(n)d characters).", n=MAX_REASON))
    if db.session.get(CommentHiding, answer.id) is not None:
        raise Conflict(_("This comment is already hidden."))
    hiding = CommentHiding(answer_id=answer.id, reason=reason, hidden_by_id=actor.id)
    db.session.add(hiding)
    audit.record(actor, "delphi_comment.hide", object_type="delphi_answer", object_id=answer.id,
                 after={"round": round_.id, "item": answer.item_id, "reason": reason})
    return hiding


def unhide(actor: User, round_: Round, answer: Answer) -> None:
    """Shows a hidden comment in the feedback again. Audited with the reason it had been hidden for."""
    hiding = db.session.get(CommentHiding, answer.id)
    if hiding is None:
        raise Conflict(_("This comment is not hidden."))
    audit.record(actor, "delphi_comment.unhide", object_type="delphi_answer", object_id=answer.id,
                 before={"round": round_.id, "item": answer.item_id, "reason": hiding.reason})
    db.session.delete(hiding)


def flag(actor: User, round_: Round, membership: Membership, answer: Answer) -> CommentFlag:
    """A member flags another member's comment, once. The audit trail records that the member flagged a comment
    of the round, not which one: with the comment's answer it would tie one member to another."""
    response = db.session.get(Response, answer.response_id)
    if response is not None and response.membership_id == membership.id:
        raise InvalidInput(_("This is your own comment: you can change it on your answer page while the round "
                             "is open."))
    existing = db.session.scalar(select(CommentFlag).where(CommentFlag.answer_id == answer.id,
                                                           CommentFlag.membership_id == membership.id))
    if existing is not None:
        raise Conflict(_("You have already flagged this comment."))
    created = CommentFlag(answer_id=answer.id, membership_id=membership.id)
    db.session.add(created)
    audit.record(actor, "delphi_comment.flag", round_)
    return created


@dataclass
class MemberView:
    """What a member's feedback page needs: their own comments' keys (no flag button there), the keys they
    flagged, and the reasons their hidden comments were hidden, per item."""
    own: set[str]
    flagged: set[str]
    hidden: dict[int, str]
    can_flag: bool = True  # members only: observers and facilitators read the feedback without flagging


def member_view(round_: Round, membership: Optional[Membership]) -> MemberView:
    if membership is None:
        return MemberView(set(), set(), {}, can_flag=False)
    own = db.session.execute(
        select(Answer.id, Answer.item_id, CommentHiding.reason)
        .join(Response, _in_round(round_.id))
        .outerjoin(CommentHiding, CommentHiding.answer_id == Answer.id)
        .where(Response.membership_id == membership.id, Answer.comment.is_not(None))).all()
    flagged = db.session.scalars(select(CommentFlag.answer_id).join(Answer, Answer.id == CommentFlag.answer_id)
                                 .join(Response, _in_round(round_.id))
                                 .where(CommentFlag.membership_id == membership.id))
    return MemberView(own={listing_key(round_, answer_id) for answer_id, _item, _reason in own},
                      flagged={listing_key(round_, answer_id) for answer_id in flagged},
                      hidden={item_id: reason for _answer, item_id, reason in own if reason is not None})
