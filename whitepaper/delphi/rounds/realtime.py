"""Real-time Delphi rounds: while a closed round chosen as real-time is open, a member who has answered an
agreement statement sees the group's current aggregate for it, and may revise until the round closes
(docs/methods.md §3.11).

What members see is a stored snapshot per statement (models.realtime.RealtimeSnapshot), the same for all of them.
It is recomputed only once the answers of at least `batch_size` (3, or the committee's larger minimum cell size)
*different members* differ from what the snapshot holds: new answers, changed answers, and answers that are gone.
So two views of a statement never differ by one member's answer alone:

- one member changing an answer many times counts once (members, not saves, are counted), and a member who
  goes back to the answer the snapshot holds no longer counts at all;
- one reader, comparing the views before and after, can take out their own change, and still faces at least
  two others mixed together;
- no time is shown or stored, only how many members the aggregate rests on, which also moves in batches.

The aggregate obeys the rules of the published feedback: only submitted answers count, "don't know" is an answer
but not a rating, under 3 valid ratings only n is shown, and there is no breakdown by subregion (so the
small-cell rule has nothing to hide). Open questions and rankings get no real-time aggregate; the JSON API gives
none either (its results stay closed to members until the round is published)."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import or_, select

from ... import audit, locks
from ...errors import InvalidInput
from ...extensions import db
from ...models import User
from ...models.delphi import Answer, Item, Membership, Response, Round
from ...models.realtime import RealtimeSnapshot
from .. import stats
from . import display

BATCH = 3  # the fewest members whose new or changed answers move the aggregate


def batch_size(round_: Round) -> int:
    """At least 3; a committee that raised its minimum cell size gets batches as large."""
    return max(BATCH, round_.committee.min_cell_size)


# --- the option --------------------------------------------------------------------------------------------


def set_realtime(actor: User, round_: Round, realtime: bool) -> None:
    """Chooses (or drops) the real-time option: only for closed rounds, and only while the round is a draft."""
    realtime = bool(realtime)
    if realtime == bool(round_.realtime):
        return
    if round_.status != "draft":
        raise InvalidInput(_("The real-time option is chosen before the round opens: it can no longer be changed."))
    if realtime and round_.kind != "closed":
        raise InvalidInput(_("Only closed rounds can be real-time: open questions have no aggregate to show."))
    round_.realtime = realtime
    audit.record(actor, "delphi_round.realtime", round_, before={"realtime": not realtime},
                 after={"realtime": realtime})
    db.session.flush()


# --- the snapshots -----------------------------------------------------------------------------------------


def _digest(round_: Round, item_id: int, membership_id: int, value: str) -> str:
    message = f"{item_id}:{membership_id}:{value}".encode("ascii")
    return hmac.new(round_.listing_secret.encode("ascii"), message, hashlib.sha256).hexdigest()[:32]


def _current_answers(round_: Round, item_ids: list[int],
                     membership_id: Optional[int] = None) -> dict[int, dict[int, str]]:
    """Per statement, each member's submitted answer (or only one member's): the rating as text, or "dk"."""
    out: dict[int, dict[int, str]] = {item_id: {} for item_id in item_ids}
    if not item_ids:
        return out
    query = (select(Answer.item_id, Response.membership_id, Answer.rating, Answer.dont_know)
             .join(Response, Response.id == Answer.response_id)
             .where(Response.round_id == round_.id, Response.status == "submitted", Answer.item_id.in_(item_ids),
                    or_(Answer.rating.is_not(None), Answer.dont_know.is_(True))))
    if membership_id is not None:
        query = query.where(Response.membership_id == membership_id)
    for item_id, member, rating, dont_know in db.session.execute(query):
        out[item_id][member] = "dk" if dont_know else str(rating)
    return out


def _changed_members(round_: Round, item_id: int, current: dict[int, str],
                     snapshot: Optional[RealtimeSnapshot]) -> int:
    """How many members' answers differ from what the snapshot holds (new, changed or gone)."""
    basis = snapshot.basis if snapshot is not None else {}
    digests = {str(m): _digest(round_, item_id, m, value) for m, value in current.items()}
    return sum(1 for m in set(digests) | set(basis) if digests.get(m) != basis.get(m))


def _agreement_items(round_: Round) -> list[int]:
    return list(db.session.scalars(select(Item.id).where(Item.round_id == round_.id, Item.kind == "agreement")
                                   .order_by(Item.id)))


def _snapshots(round_: Round) -> dict[int, RealtimeSnapshot]:
    return {s.item_id: s for s in db.session.scalars(select(RealtimeSnapshot)
                                                     .where(RealtimeSnapshot.round_id == round_.id)
                                                     .execution_options(populate_existing=True))}


def _due(round_: Round, item_ids: list[int]) -> tuple[list[int], dict[int, dict[int, str]], dict]:
    current = _current_answers(round_, item_ids)
    snapshots = _snapshots(round_)
    size = batch_size(round_)
    due = [i for i in item_ids if _changed_members(round_, i, current[i], snapshots.get(i)) >= size]
    return due, current, snapshots


def refresh(round_: Round) -> int:
    """Recomputes the snapshot of every statement whose batch is complete; returns how many. Flushes; the caller
    commits. Cheap when nothing is due (two reads, no lock); when something is, the round is locked and the
    answers read again, so two readers never compute the same batch twice."""
    if not round_.realtime or round_.kind != "closed":
        return 0
    item_ids = _agreement_items(round_)
    due, _current, _snaps = _due(round_, item_ids)
    if not due:
        return 0
    locks.lock_row(Round, round_.id)
    due, current, snapshots = _due(round_, item_ids)
    for item_id in due:
        answers = current[item_id]
        distribution = {str(point): 0 for point in range(1, round_.scale + 1)}
        for value in answers.values():
            if value != "dk":
                distribution[value] += 1
        snapshot = snapshots.get(item_id)
        if snapshot is None:
            snapshot = RealtimeSnapshot(item_id=item_id, round_id=round_.id)
            db.session.add(snapshot)
        snapshot.answered = len(answers)
        snapshot.distribution = distribution
        snapshot.basis = {str(m): _digest(round_, item_id, m, value) for m, value in answers.items()}
    db.session.flush()
    return len(due)


# --- what a member sees ------------------------------------------------------------------------------------


@dataclass
class LiveAggregate:
    """One statement's shown aggregate, in the shape the feedback macros read (`agreement`, `n`, `is_small`).
    `agreement` is None while no snapshot exists yet."""
    answered: int
    agreement: Optional[stats.AgreementResult] = None
    chart: Optional[Markup] = None

    @property
    def n(self) -> int:
        return self.agreement.n if self.agreement is not None else 0

    @property
    def is_small(self) -> bool:
        return self.n < stats.SMALL_NUMBER_LIMIT


def member_view(round_: Round, membership: Optional[Membership]) -> dict[int, LiveAggregate]:
    """The aggregates a member may see: only for the statements they have answered (a submitted rating or "don't
    know"), only from the stored snapshots. Statements without a snapshot yet map to an empty LiveAggregate."""
    if not round_.realtime or membership is None:
        return {}
    item_ids = _agreement_items(round_)
    own = {item_id: answers[membership.id]
           for item_id, answers in _current_answers(round_, item_ids, membership.id).items() if answers}
    snapshots = _snapshots(round_)
    out: dict[int, LiveAggregate] = {}
    for item_id in item_ids:
        if item_id not in own:
            continue
        snapshot = snapshots.get(item_id)
        if snapshot is None:
            out[item_id] = LiveAggregate(answered=0)
            continue
        counts = {int(point): count for point, count in snapshot.distribution.items()}
        result = stats.agreement_stats_from_counts(counts, round_.scale, round_.rule, round_.band)
        entry = LiveAggregate(answered=snapshot.answered, agreement=result)
        if not entry.is_small:
            highlight = None if own[item_id] == "dk" else int(own[item_id])
            entry.chart = display.distribution(result, round_.scale, round_.rule, highlight)
        out[item_id] = entry
    return out
