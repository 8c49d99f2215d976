"""A member's answers to a round: validation against each item, drafts and submission, and the coding
that an edited open answer can no longer carry. Writes flush; the caller commits once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, formatting, locks
from ...errors import Conflict, InvalidInput, NotAllowed
from ...extensions import db
from ...models import User
from ...models.base import utcnow
from ...models.delphi import Answer, Coding, Item, Membership, Response, Round
from .lifecycle import assign_pseudonyms

MAX_TEXT = 5000


class AnswerConflict(Conflict):
    """A save made from a page opened before the member's answers were last saved (in another window or tab,
    or by a request sent at the same moment): nothing was written."""

    def __init__(self, saved_at: datetime | None):
        super().__init__(_("You (or someone using your account) saved answers to this round in another window or "
                           "tab at %(when)s, after this page was opened. Nothing was overwritten: compare the "
                           "saved answers with yours below, then save again to keep yours.",
                           when=formatting.when(saved_at)))
        self.saved_at = saved_at


def version_token(response: Response | None) -> str:
    """What the answer form carries to tell whether the answers changed since it was opened ("" for none yet)."""
    return response.updated_at.isoformat() if response is not None and response.updated_at else ""


@dataclass
class AnswerInput:
    """What a member typed for one item; every field optional in a draft."""
    text: str | None = None
    rating: int | None = None
    dont_know: bool = False
    ranking: dict[str, int] | None = None
    comment: str | None = None


def _clean_text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise InvalidInput(_("An answer may have at most %(n)d characters.", n=limit))
    return value or None


def _validate(item: Item, scale: int, given: AnswerInput) -> AnswerInput:
    """Checks one item's input against the item and the round's scale; returns it cleaned."""
    out = AnswerInput(comment=_clean_text(given.comment))
    if item.kind == "open_text":
        out.text = _clean_text(given.text)
    elif item.kind == "agreement":
        if given.dont_know:
            if not item.allow_dont_know:
                raise InvalidInput(_("“Don't know” is not an option for this statement."))
            out.dont_know = True
        elif given.rating is not None:
            if not 1 <= given.rating <= scale:
                raise InvalidInput(_("Ratings go from 1 to %(m)d.", m=scale))
            out.rating = given.rating
    else:
        ranking = {k: v for k, v in (given.ranking or {}).items() if v is not None}
        keys = item.option_keys
        unknown = set(ranking) - set(keys)
        if unknown:
            raise InvalidInput(_("That option is not part of the ranking."))
        if any(not 1 <= rank <= len(keys) for rank in ranking.values()):
            raise InvalidInput(_("Ranks go from 1 to %(c)d.", c=len(keys)))
        out.ranking = ranking or None
    return out


def _is_complete(item: Item, value: AnswerInput) -> bool:
    if item.kind == "open_text":
        return bool(value.text)
    if item.kind == "agreement":
        return value.dont_know or value.rating is not None
    return value.ranking is not None and set(value.ranking) == set(item.option_keys)


def _same(answer: Answer, value: AnswerInput) -> bool:
    return (answer.text, answer.rating, bool(answer.dont_know), answer.ranking or None, answer.comment) == \
        (value.text, value.rating, value.dont_know, value.ranking, value.comment)


def save_response(actor: User, round_: Round, inputs: dict[int, AnswerInput], *, submit: bool,
                  now: datetime | None = None, loaded: str | None = None) -> Response:
    """Saves a member's answers as a draft, or submits them. A submitted response stays submitted: later
    changes must be complete too. Refused once the round has closed. `loaded` is the `version_token` the form
    was opened with: when the answers were saved since, AnswerConflict and nothing is written (None: no check)."""
    now = now or utcnow()
    membership = round_.committee.membership_of(actor, "member")
    if membership is None:
        raise NotAllowed(_("Only the members of this committee answer its rounds."))
    if round_.status == "draft":
        raise Conflict(_("This round has not opened yet."))
    if not round_.accepts_answers(now):
        raise Conflict(_("This round is closed: answers can no longer be given or changed."))
    items = list(db.session.scalars(select(Item).where(Item.round_id == round_.id).order_by(Item.position)))
    by_id = {item.id: item for item in items}
    if set(inputs) - set(by_id):
        raise InvalidInput(_("Some answers are not for this round's questions."))
    # A member's saves run one after the other: the second of two sent at the same moment waits here, then
    # reads what the first stored (never a unique-key error on the response or an answer).
    locks.lock_row(Membership, membership.id)
    response = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                        Response.membership_id == membership.id)
                                 .execution_options(populate_existing=True))
    if loaded is not None and loaded != version_token(response):
        raise AnswerConflict(response.updated_at if response is not None else None)
    existing: dict[int, Answer] = {}
    if response is None:
        response = Response(round=round_, membership=membership, status="draft", created_at=now)
        db.session.add(response)
        db.session.flush()
        assign_pseudonyms(round_, [membership])
    else:
        existing = {a.item_id: a for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id)
                                                             .execution_options(populate_existing=True))}
    cleaned = {item_id: _validate(by_id[item_id], round_.scale, value) for item_id, value in inputs.items()}
    final = submit or response.status == "submitted"
    if final:
        state = {item.id: cleaned.get(item.id) or _as_input(existing.get(item.id)) for item in items}
        missing = [item.position + 1 for item in items if not _is_complete(item, state[item.id])]
        if missing:
            raise InvalidInput(_("Answer every question before submitting (missing: %(items)s).",
                                 items=", ".join(str(n) for n in missing)))
    changed = 0
    for item_id, value in cleaned.items():
        answer = existing.get(item_id)
        if answer is not None and _same(answer, value):
            continue
        if answer is None:
            if value == AnswerInput():
                continue
            answer = Answer(response_id=response.id, item_id=item_id)
            db.session.add(answer)
        else:
            _drop_stale_fragments(answer, value.text)
        answer.text, answer.rating, answer.dont_know = value.text, value.rating, value.dont_know
        answer.ranking, answer.comment, answer.updated_at = value.ranking, value.comment, now
        changed += 1
    was = response.status
    if final:
        response.status = "submitted"
        response.submitted_at = response.submitted_at if was == "submitted" else now
    if changed or was != response.status:
        response.updated_at = now
        action = ("delphi_response.submit" if was != "submitted" and final
                  else "delphi_response.change" if was == "submitted" else "delphi_response.save")
        audit.record(actor, action, response, before={"status": was},
                     after={"round": round_.id, "status": response.status, "items_changed": changed})
    db.session.flush()
    return response


def _as_input(answer: Answer | None) -> AnswerInput:
    if answer is None:
        return AnswerInput()
    return AnswerInput(text=answer.text, rating=answer.rating, dont_know=bool(answer.dont_know),
                       ranking=answer.ranking or None, comment=answer.comment)


def _drop_stale_fragments(answer: Answer, new_text: str | None) -> None:
    """Fragment codings that the changed answer no longer contains go; whole-answer codings stay."""
    if answer.text == new_text:
        return
    for coding in db.session.scalars(select(Coding).where(Coding.answer_id == answer.id,
                                                          Coding.fragment.is_not(None))):
        if not new_text or coding.fragment not in new_text:
            db.session.delete(coding)
