"""Casting votes: each choice checked against its item, written once per voter or country under
concurrency, the last vote counting until the ballot closes. A submission's votes go to the database in one
statement, and their audit events in another, however many items it carries. Writes flush; the caller commits
once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import audit, formatting
from ...errors import Conflict, InvalidInput, NotAllowed
from ...extensions import db, rows_insert
from ...models import User
from ...models.ballot import Ballot, BallotEligibility, BallotItem, Vote
from ...models.base import utcnow
from . import tally

MAX_REASON = 2000


MAX_ANSWER = 5000


MAX_REVISION = 5000


UPSERT_ATTEMPTS = 3


@dataclass
class VoteInput:
    choice: str
    reason: Optional[str] = None
    proposed_value: Optional[int] = None


@dataclass
class VoteSummary:
    cast: int = 0
    changed: int = 0
    unchanged: int = 0


def _refusal(status: str, closes_at: Optional[datetime], now: datetime) -> Optional[str]:
    if status == "draft":
        return _("This ballot has not opened yet.")
    if status == "closed":
        return _("This ballot is closed: votes are no longer accepted.")
    if closes_at is not None and now >= closes_at:
        return _("The voting period ended on %(date)s: votes are no longer accepted.",
                 date=formatting.when(closes_at))
    return None


def _clean_vote(b: Ballot, item: Any, given: VoteInput, label: str) -> VoteInput:
    """`item`: a ballot item, or a row with its proposed_value and value_max."""
    if given.choice not in tally.CHOICES:
        raise InvalidInput(_("Choose approve, reject or abstain for %(subject)s.", subject=label))
    reason = (given.reason or "").strip()[:MAX_REASON] or None
    value = given.proposed_value
    if given.choice == "reject":
        if not reason:
            raise InvalidInput(_("Give a reason for rejecting %(subject)s.", subject=label))
        if value is not None:
            if b.stage != "optimal_levels":
                raise InvalidInput(_("Another value can be proposed only in the ballot on optimal levels."))
            if not (1 <= value <= (item.value_max or 0)) or value == item.proposed_value:
                raise InvalidInput(_("For %(subject)s, propose a value from 1 to %(max)d other than %(value)d.",
                                     subject=label, max=item.value_max or 0, value=item.proposed_value or 0))
        return VoteInput("reject", reason, value)
    # approve and abstain carry no reason and no alternative value
    return VoteInput(given.choice, None, None)


def _upsert_votes(rows: list[dict[str, Any]], unit: str) -> dict[int, int]:
    """All of a submission's votes in one INSERT … ON CONFLICT DO UPDATE on the unit's unique key: two requests
    racing for the same voter (or country) and item leave one row, the last write winning. Rows go in item
    order, so that two submissions for the same unit take their row locks in the same order and never deadlock.
    Returns each item's revision (1: a new vote)."""
    if not rows:
        return {}
    target = ["item_id", "country_id"] if unit == "country" else ["item_id", "voter_id"]
    table = Vote.__table__
    insert, parameters = rows_insert(table, sorted(rows, key=lambda row: row["item_id"]))
    excluded = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=target,
        set_={"voter_id": excluded.voter_id, "choice": excluded.choice, "reason": excluded.reason,
              "proposed_value": excluded.proposed_value, "updated_at": excluded.updated_at,
              "revision": table.c.revision + 1},
    ).returning(table.c.item_id, table.c.revision)

    def write() -> dict[int, int]:
        return {item_id: revision for item_id, revision in db.session.execute(statement, parameters)}

    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite runs one writer at a time, so the upsert cannot race (and pysqlite's savepoints would end the
        # enclosing transaction early).
        return write()
    # With the country unit the row has two unique keys; PostgreSQL arbitrates only the target one, so a
    # racing insert can still trip the other. Inside a savepoint the statement is simply tried again: it then
    # finds the committed rows and updates them.
    for attempt in range(UPSERT_ATTEMPTS):
        try:
            with db.session.begin_nested():
                return write()
        except IntegrityError:
            if attempt == UPSERT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _ballot_state(b: Ballot, *, lock: bool) -> tuple[str, Optional[datetime]]:
    """The ballot's status as stored now (not as this session last saw it); `lock` takes a shared row lock on
    PostgreSQL so that closing waits for votes in flight and votes after closing see it closed."""
    query = select(Ballot.status, Ballot.closes_at).where(Ballot.id == b.id)
    if lock:
        query = query.with_for_update(read=True)
    status, closes_at = db.session.execute(query).one()
    return status, closes_at


def cast_votes(actor: User, b: Ballot, inputs: Mapping[int, VoteInput], *,
               now: Optional[datetime] = None) -> VoteSummary:
    """Records the actor's votes on some items of an open ballot; a new vote on an item replaces the previous
    one (the last vote counts). Items not in `inputs` keep their vote, or stay unvoted."""
    now = now or utcnow()
    # who votes and for which country, fixed at opening: read as stored (two columns, no objects to build)
    eligibility = db.session.execute(select(BallotEligibility.id, BallotEligibility.country_id).where(
        BallotEligibility.ballot_id == b.id, BallotEligibility.voter_id == actor.id)).first()
    if eligibility is None:
        if b.unit == "country":
            raise NotAllowed(_("With one vote per country, only each country's designated voting representative "
                               "(as the committee had them when the ballot opened) votes."))
        raise NotAllowed(_("You are not among the voters of this ballot (fixed when it opened)."))
    status, closes_at = _ballot_state(b, lock=True)
    refusal = _refusal(status, closes_at, now)
    if refusal:
        raise Conflict(refusal)
    items = {i.id: i for i in db.session.execute(
        select(BallotItem.id, BallotItem.subject, BallotItem.proposed_value, BallotItem.value_max)
        .where(BallotItem.ballot_id == b.id))}
    cleaned: dict[int, VoteInput] = {}
    for item_id, given in inputs.items():
        item = items.get(item_id)
        if item is None:
            raise InvalidInput(_("That item is not part of this ballot."))
        cleaned[item_id] = _clean_vote(b, item, given, item.subject)
    unit_filter = (Vote.country_id == eligibility.country_id) if b.unit == "country" else \
        (Vote.voter_id == actor.id)
    existing = {item_id: (choice, reason, value) for item_id, choice, reason, value in db.session.execute(
        select(Vote.item_id, Vote.choice, Vote.reason, Vote.proposed_value)
        .join(BallotItem, BallotItem.id == Vote.item_id).where(BallotItem.ballot_id == b.id, unit_filter))}
    unit_country = eligibility.country_id if b.unit == "country" else None
    to_write = [item_id for item_id, vote in cleaned.items()
                if existing.get(item_id) != (vote.choice, vote.reason, vote.proposed_value)]
    revisions = _upsert_votes([{"item_id": item_id, "voter_id": actor.id, "country_id": unit_country,
                                "choice": cleaned[item_id].choice, "reason": cleaned[item_id].reason,
                                "proposed_value": cleaned[item_id].proposed_value, "revision": 1,
                                "created_at": now, "updated_at": now} for item_id in to_write], b.unit)
    summary = VoteSummary(unchanged=len(cleaned) - len(to_write))
    entries = []
    for item_id in to_write:
        changed = revisions[item_id] > 1
        if changed:
            summary.changed += 1
        else:
            summary.cast += 1
        # that a vote was cast or changed, never its content
        entries.append(audit.Entry("vote.change" if changed else "vote.cast", "ballot_items", item_id,
                                   after={"ballot": b.id}))
    audit.record_many(actor, entries)
    if summary.cast or summary.changed:
        # SQLite takes its write lock at the first write: checked again under it, a close that committed in
        # between is seen here and this request is refused (the handler rolls it back).
        status, closes_at = _ballot_state(b, lock=False)
        refusal = _refusal(status, closes_at, now)
        if refusal:
            raise Conflict(refusal)
    db.session.flush()
    return summary
