"""A round's results (docs/methods.md §3): every item's statistics from the submitted responses, read in a
constant number of queries whatever the number of rounds, items and members, and kept in the process for as
long as the round's data stays the same.

The data version. Before any answer is read, one query reads what the results depend on besides the items: each
round's status, settings, random listing secret and committee's minimum cell size, and each of its responses
(status, `data_version`, last change, pseudonym, the member's country and subregion), for the round and for the
rounds its carried items come from. Its digest, with the items' identities, kinds and options, is the round's
data version. Any change to an answer (it raises its response's `data_version`: `_count_answer_changes`, on every
flush, whoever writes; so does hiding or unhiding its comment, rounds/moderation.py), to a response, a pseudonym,
a member's country or the round gives another version, and the entry computed before is never read again. The
version is read before the answers, so an entry is never older than its version (a change committed in between
makes the entry newer, never older).

What is kept: statistics only, no ORM object and no translated text; the items, countries and the small-cell
rule (stats.visible_groups, applied for each reader) come from the request."""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Hashable, Optional

from sqlalchemy import and_, case, event, func, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, selectinload

from ...caching import BoundedCache
from ...extensions import db
from ...models import Country
from ...models.delphi import Answer, Committee, Item, Membership, Pseudonym, Response, Round
from ...models.moderation import CommentHiding
from .. import stats

SUBREGION_ORDER = ("south_america", "central_america_mexico", "caribbean")


def listing_key(round_: Round, answer_id: int) -> str:
    """Where an answer stands in the facilitators' lists and exports: HMAC-SHA256 of its id under the round's
    random secret. Stable from one load to the next, and unrelated to who saved or submitted first
    (docs/methods.md §4.2)."""
    return hmac.new(round_.listing_secret.encode("ascii"), str(answer_id).encode("ascii"), hashlib.sha256).hexdigest()


@dataclass
class Comment:
    text: str
    pseudonym: str
    country: Optional[Country]
    order: str = ""  # listing_key of the answer


@dataclass
class ItemResult:
    item: Item
    n: int  # valid ratings, complete rankings, or non-empty open answers
    agreement: Optional[stats.AgreementResult] = None
    ranking: Optional[stats.RankingResult] = None
    # None: only n is shown (the small-cell rule, stats.visible_groups)
    subregions: dict[str, Optional[stats.AgreementResult]] = field(default_factory=dict)
    subregion_n: dict[str, int] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    previous: Optional[stats.AgreementResult] = None
    stability: Optional[stats.Stability] = None
    cv_change: Optional[float] = None

    @property
    def is_small(self) -> bool:
        return self.n < stats.SMALL_NUMBER_LIMIT


@dataclass
class RoundResults:
    round: Round
    items: list[ItemResult]
    respondents: int

    def item(self, item_id: int) -> Optional[ItemResult]:
        return next((r for r in self.items if r.item.id == item_id), None)


# --- what is cached --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemData:
    n: int
    agreement: Optional[stats.AgreementResult] = None
    ranking: Optional[stats.RankingResult] = None
    groups: tuple[tuple[Hashable, int], ...] = ()  # valid ratings per subregion (None: members without a country)
    group_stats: tuple[tuple[str, stats.AgreementResult], ...] = ()  # every non-empty listed subregion
    comments: tuple[tuple[str, str, Optional[int], str], ...] = ()  # text, pseudonym, country id, listing key
    previous: Optional[stats.AgreementResult] = None
    stability: Optional[stats.Stability] = None
    cv_change: Optional[float] = None


@dataclass(frozen=True)
class RoundData:
    respondents: int
    items: dict[int, ItemData]


CACHE = BoundedCache(32)  # rounds; one is a few hundred kB at 200 items


@lru_cache(maxsize=16384)
def _agreement(counts: tuple[int, ...], scale: int, rule: str, band: Optional[tuple[int, int]]) -> stats.AgreementResult:
    """Agreement statistics by their exact input (counts[point] valid ratings): the same counts, the same result,
    so an item whose answers did not change is not computed again."""
    return stats.agreement_stats_from_counts({point: n for point, n in enumerate(counts) if point}, scale, rule, band)


def _counted(by_point: dict[int, int], scale: int) -> tuple[int, ...]:
    return tuple(by_point.get(point, 0) for point in range(scale + 1))


def _band(low: Optional[int], high: Optional[int]) -> Optional[tuple[int, int]]:
    return None if low is None or high is None else (low, high)


WROTE = "whitepaper.wrote"  # session.info: this transaction has flushed changes, not yet committed


@event.listens_for(Session, "before_flush")
def _count_answer_changes(session: Session, _context: Any, _instances: Any) -> None:
    """Whatever writes an answer (the answer form, a script, a test), the flush that stores it raises its
    response's data_version by one, in the database (`data_version + 1`), so every process sees another data
    version for the round. And the session remembers that it wrote: what it reads until it commits is not
    kept (a rollback would leave an entry for data that never was)."""
    if session.new or session.dirty or session.deleted:
        session.info[WROTE] = True
    ids: set[int] = set()
    parents: list[Response] = []
    for collection in (session.new, session.dirty, session.deleted):
        for obj in collection:
            if isinstance(obj, CommentHiding):  # hiding or unhiding a comment changes the feedback too
                hidden = session.get(Answer, obj.answer_id)
                if hidden is not None:
                    ids.add(hidden.response_id)
                continue
            if not isinstance(obj, Answer):
                continue
            if obj.response_id is not None:
                ids.add(obj.response_id)
            elif (parent := sa_inspect(obj).dict.get("response")) is not None:
                parents.append(parent)  # added through the relationship: no response_id before this flush
    responses = {id(r): r for r in [session.get(Response, i) for i in ids] + parents if r is not None}
    for response in responses.values():
        if response in session.deleted or sa_inspect(response).pending:
            continue  # a new response is a change of its own; a deleted one takes its answers along
        response.data_version = Response.data_version + 1


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _transaction_over(session: Session) -> None:
    session.info.pop(WROTE, None)


# --- reading -----------------------------------------------------------------------------------------------


def _items_by_round(rounds: list[Round]) -> dict[int, list[Item]]:
    """Each round's items in order: those already loaded (queries.round_detail), the others in one query."""
    out: dict[int, list[Item]] = {}
    missing = []
    for round_ in rounds:
        if "items" in sa_inspect(round_).dict:
            out[round_.id] = sorted(round_.items, key=lambda i: (i.position, i.id))
        else:
            out[round_.id] = []
            missing.append(round_.id)
    if missing:
        for item in db.session.scalars(select(Item).where(Item.round_id.in_(missing))
                                       .options(selectinload(Item.sources)).order_by(Item.position, Item.id)):
            out[item.round_id].append(item)
    return out


def _state_rows(round_ids: list[int]) -> dict[int, list[tuple]]:
    """The data version's query: per round, its settings and each of its responses."""
    rows = db.session.execute(
        select(Round.id, Round.status, Round.kind, Round.scale, Round.rule, Round.band_low, Round.band_high,
               Round.listing_secret, Committee.min_cell_size, Response.id, Response.status, Response.data_version,
               Response.updated_at, Response.submitted_at, Response.membership_id, Membership.country_id,
               Country.subregion, Pseudonym.label)
        .join(Committee, Committee.id == Round.committee_id)
        .outerjoin(Response, Response.round_id == Round.id)
        .outerjoin(Membership, Membership.id == Response.membership_id)
        .outerjoin(Country, Country.id == Membership.country_id)
        .outerjoin(Pseudonym, and_(Pseudonym.round_id == Round.id, Pseudonym.membership_id == Response.membership_id))
        .where(Round.id.in_(round_ids)).order_by(Round.id, Response.id)).all()
    out: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(tuple(row))
    return out


def _version(round_: Round, items: list[Item], state: dict[int, list[tuple]], source_round: dict[int, int]) -> str:
    sources = sorted({source_round[i.carried_from_item_id] for i in items if i.carried_from_item_id in source_round})
    signature = [(i.id, i.kind, i.position, tuple(i.option_keys), i.carried_from_item_id) for i in items]
    text = repr((state.get(round_.id, []), [state.get(s, []) for s in sources], signature))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def _load(rounds: list[Round], items_of: dict[int, list[Item]], state: dict[int, list[tuple]],
          source_round: dict[int, int]) -> dict[int, RoundData]:
    """The statistics of some rounds, all of them at once: ratings counted by the database per item, subregion
    and scale point; one pass over the answers that are read one by one (rankings, open answers, comments);
    one more for the ratings of carried items in both rounds."""
    ids = [r.id for r in rounds]
    by_id = {r.id: r for r in rounds}
    round_of = {item.id: round_id for round_id in ids for item in items_of[round_id]}
    submitted = and_(Response.round_id.in_(ids), Response.status == "submitted")

    overall: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    groups: dict[int, dict[Any, dict[int, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    if any(i.kind == "agreement" for r in ids for i in items_of[r]):
        # valid ratings only ("don't know" and no rating do not count); only agreement items have ratings
        for item_id, subregion, rating, count in db.session.execute(
                select(Answer.item_id, Country.subregion, Answer.rating, func.count())
                .join(Response, Response.id == Answer.response_id)
                .join(Membership, Membership.id == Response.membership_id)
                .outerjoin(Country, Country.id == Membership.country_id)  # no country: a group of its own
                .where(submitted, Answer.rating.is_not(None), Answer.dont_know.is_(False))
                .group_by(Answer.item_id, Country.subregion, Answer.rating)):
            overall[item_id][rating] += count
            groups[item_id][subregion][rating] += count

    rankings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    texts: dict[int, int] = defaultdict(int)
    comments: dict[int, list[tuple[str, str, Optional[int], str]]] = defaultdict(list)
    has_text = case((and_(Answer.text.is_not(None), func.trim(Answer.text) != ""), 1), else_=0)
    has_comment = and_(Answer.comment.is_not(None), Answer.comment != "")
    # a comment hidden by a facilitator (rounds/moderation.py) is read for nobody's feedback
    for item_id, kind, answer_id, ranking, text, comment, country_id, label, hidden in db.session.execute(
            select(Answer.item_id, Item.kind, Answer.id, Answer.ranking, has_text, Answer.comment,
                   Membership.country_id, Pseudonym.label, CommentHiding.answer_id)
            .join(Response, Response.id == Answer.response_id)
            .join(Item, Item.id == Answer.item_id)
            .join(Membership, Membership.id == Response.membership_id)
            .outerjoin(Pseudonym, (Pseudonym.round_id == Response.round_id)
                       & (Pseudonym.membership_id == Response.membership_id))
            .outerjoin(CommentHiding, CommentHiding.answer_id == Answer.id)
            .where(submitted, or_(Item.kind.in_(("ranking", "open_text")), has_comment))):
        if kind == "ranking" and ranking:
            rankings[item_id].append(ranking)
        elif kind == "open_text":
            texts[item_id] += text or 0
        if comment and comment.strip() and item_id in round_of and hidden is None:
            comments[item_id].append((comment.strip(), label or "—", country_id,
                                      listing_key(by_id[round_of[item_id]], answer_id)))

    # Items carried over from an earlier round: per-member ratings in both rounds, for their stability.
    carried = {i.id: i.carried_from_item_id for r in ids for i in items_of[r]
               if i.carried_from_item_id is not None and i.carried_from_item_id in source_round}
    member_ratings: dict[int, dict[int, Optional[int]]] = defaultdict(dict)
    if carried:
        for item_id, membership_id, rating, dont_know in db.session.execute(
                select(Answer.item_id, Response.membership_id, Answer.rating, Answer.dont_know)
                .join(Response, Response.id == Answer.response_id)
                .where(Answer.item_id.in_(list(carried) + list(carried.values())), Response.status == "submitted")):
            member_ratings[item_id][membership_id] = None if dont_know else rating

    out = {}
    for round_ in rounds:
        band = round_.band
        data: dict[int, ItemData] = {}
        for item in items_of[round_.id]:
            said = tuple(sorted(comments.get(item.id, []), key=lambda c: c[3]))
            if item.kind == "agreement":
                result = _agreement(_counted(overall.get(item.id, {}), round_.scale), round_.scale, round_.rule, band)
                item_groups = groups.get(item.id, {})
                extra: dict[str, Any] = {}
                if item.id in carried:
                    settings = state[source_round[item.carried_from_item_id]][0]
                    before = member_ratings.get(item.carried_from_item_id, {})
                    before_counts: dict[int, int] = defaultdict(int)
                    for rating in stats.valid_ratings(list(before.values()), settings[3]):
                        before_counts[rating] += 1
                    previous = _agreement(_counted(before_counts, settings[3]), settings[3], settings[4],
                                          _band(settings[5], settings[6]))
                    extra = {"previous": previous,
                             "stability": stats.stability(before, member_ratings.get(item.id, {})),
                             "cv_change": stats.cv_change(previous, result)}
                data[item.id] = ItemData(
                    result.n, agreement=result, comments=said,
                    groups=tuple((key, sum(points.values())) for key, points in item_groups.items()),
                    group_stats=tuple((key, _agreement(_counted(item_groups[key], round_.scale), round_.scale,
                                                       round_.rule, band))
                                      for key in SUBREGION_ORDER if key in item_groups),
                    **extra)
            elif item.kind == "ranking":
                keys = set(item.option_keys)
                ranking_result = stats.kendall_w([r for r in rankings.get(item.id, []) if set(r) == keys])
                data[item.id] = ItemData(ranking_result.r, ranking=ranking_result, comments=said)
            else:
                data[item.id] = ItemData(texts.get(item.id, 0))
        respondents = sum(1 for row in state.get(round_.id, []) if row[9] is not None and row[10] == "submitted")
        out[round_.id] = RoundData(respondents, data)
    return out


def _assemble(round_: Round, items: list[Item], data: RoundData, countries: dict[int, Country], *,
              subregions: bool, full: bool) -> RoundResults:
    """The request's view of the cached statistics: its own items and countries, and the small-cell rule for
    its reader (`full`: facilitators)."""
    results = []
    for item in items:
        d = data.items[item.id]
        comments = [Comment(text, label, countries.get(country_id), order)
                    for text, label, country_id, order in d.comments]
        if d.agreement is not None:
            entry = ItemResult(item, d.n, agreement=d.agreement, comments=comments, previous=d.previous,
                               stability=d.stability, cv_change=d.cv_change)
            if subregions:
                counts = dict(d.groups)
                computed = dict(d.group_stats)
                shown = stats.visible_groups(counts, round_.committee.min_cell_size, full=full)
                for key in SUBREGION_ORDER:
                    entry.subregion_n[key] = counts.get(key, 0)
                    entry.subregions[key] = computed[key] if key in shown else None
            results.append(entry)
        elif d.ranking is not None:
            results.append(ItemResult(item, d.n, ranking=d.ranking, comments=comments))
        else:
            results.append(ItemResult(item, d.n))
    return RoundResults(round_, results, data.respondents)


def round_results_many(rounds: list[Round], *, subregions: bool = False, full: bool = False) -> dict[int, RoundResults]:
    """`round_results` of several rounds at once, in the same constant number of queries as for one."""
    if not rounds:
        return {}
    items_of = _items_by_round(rounds)
    carried_ids = {i.carried_from_item_id for items in items_of.values() for i in items
                   if i.carried_from_item_id is not None}
    source_round: dict[int, int] = dict(db.session.execute(
        select(Item.id, Item.round_id).where(Item.id.in_(sorted(carried_ids)))).all()) if carried_ids else {}
    # The version first, the answers after: an entry is never older than its version.
    state = _state_rows(sorted({r.id for r in rounds} | set(source_round.values())))
    versions = {r.id: _version(r, items_of[r.id], state, source_round) for r in rounds}
    found: dict[int, RoundData] = {}
    for round_ in rounds:
        entry = CACHE.get((round_.id, round_.listing_secret))
        if entry is not None and entry[0] == versions[round_.id]:
            found[round_.id] = entry[1]
    missing = [r for r in rounds if r.id not in found]
    if missing:
        loaded = _load(missing, items_of, state, source_round)
        if not db.session.info.get(WROTE):
            for round_ in missing:
                CACHE.put((round_.id, round_.listing_secret), (versions[round_.id], loaded[round_.id]))
        found.update(loaded)
    has_comments = any(d.comments for data in found.values() for d in data.items.values())
    countries = {c.id: c for c in db.session.scalars(select(Country))} if has_comments else {}
    return {r.id: _assemble(r, items_of[r.id], found[r.id], countries, subregions=subregions, full=full)
            for r in rounds}


def round_results(round_: Round, *, subregions: bool = False, full: bool = False) -> RoundResults:
    """Every item's statistics (docs/methods.md §3) from the submitted responses, in a constant number of
    queries. Drafts never count. With `subregions`, each agreement item also gets its breakdown by subregion
    under the small-cell rule of the committee (stats.visible_groups): for members and observers a subregion's
    statistics are computed only when every non-empty group has the minimum cell size; with `full`
    (facilitators) each subregion that has it on its own. Any other subregion carries only its n.

    The database counts the ratings per item, subregion and scale point; individual answers are read only where
    they are needed (rankings, open answers, comments, stability of carried items). Uses the round's items when
    they are already loaded (queries.round_detail), else loads them. Computed once per data version of the
    round (see the module's notes), then read from the process's cache."""
    return round_results_many([round_], subregions=subregions, full=full)[round_.id]
