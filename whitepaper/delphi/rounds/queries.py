"""Reads for the rounds: a round with its items, a member's answers, participation, the systemizing
workspace and code frequencies, and round results with their statistics (docs/methods.md §3). Views and the
API call these; each eager-loads what its page needs."""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import Country, User
from ...models.delphi import (
    Answer,
    Code,
    Codebook,
    Coding,
    Item,
    ItemSource,
    Membership,
    Pseudonym,
    Response,
    Round,
    UncodableMark,
)
from .. import stats


def round_detail(round_id: int) -> Optional[Round]:
    """A round with its items, their source codes and the items they were carried from."""
    return db.session.scalar(select(Round).where(Round.id == round_id).options(
        selectinload(Round.items).selectinload(Item.sources).joinedload(ItemSource.code),
        selectinload(Round.items).selectinload(Item.carried_from)))


def response_with_answers(round_: Round, membership: Membership) -> tuple[Optional[Response], dict[int, Answer]]:
    response = db.session.scalar(select(Response).where(Response.round_id == round_.id,
                                                        Response.membership_id == membership.id))
    if response is None:
        return None, {}
    answers = db.session.scalars(select(Answer).where(Answer.response_id == response.id))
    return response, {a.item_id: a for a in answers}


def own_answers_for_items(item_ids: list[int], membership: Membership) -> dict[int, Answer]:
    """A member's own submitted answers to some items (of any round), for highlighting in the feedback."""
    if not item_ids:
        return {}
    rows = db.session.scalars(select(Answer).join(Response, Response.id == Answer.response_id).where(
        Answer.item_id.in_(item_ids), Response.membership_id == membership.id, Response.status == "submitted"))
    return {a.item_id: a for a in rows}


def listing_key(round_: Round, answer_id: int) -> str:
    """Where an answer stands in the facilitators' lists and exports: HMAC-SHA256 of its id under the round's
    random secret. Stable from one load to the next, and unrelated to who saved or submitted first
    (docs/methods.md §4.2)."""
    return hmac.new(round_.listing_secret.encode("ascii"), str(answer_id).encode("ascii"), hashlib.sha256).hexdigest()


def earlier_rounds(round_: Round) -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.committee_id == round_.committee_id,
                                                       Round.number < round_.number).order_by(Round.number)))


@dataclass
class ParticipationRow:
    membership: Membership
    status: str  # not_started, draft, submitted
    submitted_on: Optional[date]  # the day only: a time would help link a pseudonym to a person


@dataclass
class CountryRate:
    country: Optional[Country]
    members: int
    submitted: int

    @property
    def rate(self):
        from fractions import Fraction
        return Fraction(100 * self.submitted, self.members) if self.members else None


@dataclass
class Participation:
    rows: list[ParticipationRow]
    by_country: list[CountryRate]
    overall: CountryRate


def participation(round_: Round) -> Participation:
    """Who has answered (never what), and the response rate by country and overall."""
    responses = {r.membership_id: r for r in db.session.scalars(select(Response)
                                                               .where(Response.round_id == round_.id))}
    rows = []
    per_country: dict[Any, CountryRate] = {}
    overall = CountryRate(None, 0, 0)
    members = sorted(round_.committee.members,
                     key=lambda m: ((m.country.name_es if m.country else ""), m.user.display_name().lower()))
    for membership in members:
        response = responses.get(membership.id)
        status = response.status if response is not None else "not_started"
        submitted_on = response.submitted_at.date() if response is not None and response.submitted_at else None
        rows.append(ParticipationRow(membership, status, submitted_on if status == "submitted" else None))
        rate = per_country.setdefault(membership.country_id, CountryRate(membership.country, 0, 0))
        rate.members += 1
        overall.members += 1
        if status == "submitted":
            rate.submitted += 1
            overall.submitted += 1
    return Participation(rows, list(per_country.values()), overall)


@dataclass
class OpenAnswer:
    answer: Answer
    pseudonym: str
    country: Optional[Country]
    codings: list[Coding] = field(default_factory=list)
    not_codable: bool = False

    @property
    def is_uncoded(self) -> bool:
        return not self.codings and not self.not_codable


@dataclass
class CodeFrequency:
    code: Code
    answers: int
    countries: int
    fragments: int


@dataclass
class Workspace:
    round: Round
    items: list[tuple[Item, list[OpenAnswer]]]
    codes: list[Code]  # active codes, in order
    merged: list[Code]
    frequencies: list[CodeFrequency]
    uncoded: int
    total: int
    single_member_countries: set[int]
    pseudonyms: list[Pseudonym]


def _open_answer_rows(round_: Round) -> list[tuple[Answer, str, Optional[int]]]:
    """Submitted, non-empty answers to the open questions of a round, with their pseudonym and country id, per
    question in the round's listing order (`listing_key`)."""
    rows = db.session.execute(
        select(Answer, Pseudonym.label, Membership.country_id, Item.position)
        .join(Response, Response.id == Answer.response_id)
        .join(Item, Item.id == Answer.item_id)
        .join(Membership, Membership.id == Response.membership_id)
        .outerjoin(Pseudonym, (Pseudonym.round_id == Response.round_id)
                   & (Pseudonym.membership_id == Response.membership_id))
        .where(Response.round_id == round_.id, Response.status == "submitted", Item.kind == "open_text",
               Answer.text.is_not(None), Answer.text != "")).all()
    rows = sorted(rows, key=lambda row: (row[3], listing_key(round_, row[0].id)))
    return [(answer, label or "—", country_id) for answer, label, country_id, _position in rows]


def uncoded_count(round_: Round) -> int:
    answered = {a.id for a, _label, _c in _open_answer_rows(round_)}
    if not answered:
        return 0
    coded = set(db.session.scalars(select(Coding.answer_id).where(Coding.answer_id.in_(answered))))
    marked = set(db.session.scalars(select(UncodableMark.answer_id).where(UncodableMark.answer_id.in_(answered))))
    return len(answered - coded - marked)


def code_frequencies(round_: Round, codes: list[Code] | None = None) -> list[CodeFrequency]:
    """Per active code: the answers coded with it and the distinct countries of those answers."""
    codebook = db.session.scalar(select(Codebook).where(Codebook.round_id == round_.id))
    if codebook is None:
        return []
    if codes is None:
        codes = list(db.session.scalars(select(Code).where(Code.codebook_id == codebook.id,
                                                           Code.merged_into_id.is_(None)).order_by(Code.position)))
    rows = db.session.execute(
        select(Coding.code_id, Coding.answer_id, Coding.fragment, Membership.country_id)
        .join(Answer, Answer.id == Coding.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Membership, Membership.id == Response.membership_id)
        .join(Code, Code.id == Coding.code_id)
        .where(Code.codebook_id == codebook.id, Response.status == "submitted"))
    answers: dict[int, set[int]] = defaultdict(set)
    countries: dict[int, set[int]] = defaultdict(set)
    fragments: dict[int, int] = defaultdict(int)
    for code_id, answer_id, fragment, country_id in rows:
        answers[code_id].add(answer_id)
        if country_id is not None:
            countries[code_id].add(country_id)
        if fragment is not None:
            fragments[code_id] += 1
    return [CodeFrequency(c, len(answers[c.id]), len(countries[c.id]), fragments[c.id]) for c in codes]


def workspace(round_: Round) -> Workspace:
    rows = _open_answer_rows(round_)
    answer_ids = [a.id for a, _l, _c in rows]
    countries = {c.id: c for c in db.session.scalars(select(Country))}
    codings: dict[int, list[Coding]] = defaultdict(list)
    marked: set[int] = set()
    if answer_ids:
        for coding in db.session.scalars(select(Coding).where(Coding.answer_id.in_(answer_ids))
                                         .order_by(Coding.id)):
            codings[coding.answer_id].append(coding)
        marked = set(db.session.scalars(select(UncodableMark.answer_id)
                                        .where(UncodableMark.answer_id.in_(answer_ids))))
    items = [i for i in round_.items if i.kind == "open_text"]
    grouped: dict[int, list[OpenAnswer]] = {i.id: [] for i in items}
    for answer, label, country_id in rows:
        grouped.setdefault(answer.item_id, []).append(
            OpenAnswer(answer, label, countries.get(country_id), codings[answer.id], answer.id in marked))
    codebook = db.session.scalar(select(Codebook).where(Codebook.round_id == round_.id))
    all_codes = [] if codebook is None else list(db.session.scalars(
        select(Code).where(Code.codebook_id == codebook.id).order_by(Code.position)))
    active = [c for c in all_codes if c.is_active]
    by_id = {c.id: c for c in all_codes}
    for entries in grouped.values():  # the codes are already loaded: attach them without a query per coding
        for entry in entries:
            for coding in entry.codings:
                set_committed_value(coding, "code", by_id[coding.code_id])
    member_counts: dict[int, int] = defaultdict(int)
    for membership in round_.committee.members:
        if membership.country_id is not None:
            member_counts[membership.country_id] += 1
    entries_all = [e for entries in grouped.values() for e in entries]
    pseudonyms = list(db.session.scalars(select(Pseudonym).where(Pseudonym.round_id == round_.id)
                                         .order_by(Pseudonym.label)))
    return Workspace(round=round_, items=[(i, grouped[i.id]) for i in items], codes=active,
                     merged=[c for c in all_codes if not c.is_active],
                     frequencies=code_frequencies(round_, active),
                     uncoded=sum(1 for e in entries_all if e.is_uncoded), total=len(entries_all),
                     single_member_countries={cid for cid, n in member_counts.items() if n == 1},
                     pseudonyms=pseudonyms)


def workspace_codes(round_: Round) -> list[Code]:
    """The active codes of a round's codebook, in order."""
    return list(db.session.scalars(select(Code).join(Codebook).where(Codebook.round_id == round_.id,
                                                                     Code.merged_into_id.is_(None))
                                   .order_by(Code.position)))


def codings_of(code: Code) -> list[tuple[Coding, str]]:
    """A code's codings with the answers' pseudonyms (for splitting it), in the round's listing order."""
    rows = db.session.execute(
        select(Coding, Answer, Pseudonym.label, Round)
        .join(Answer, Answer.id == Coding.answer_id)
        .join(Response, Response.id == Answer.response_id)
        .join(Round, Round.id == Response.round_id)
        .outerjoin(Pseudonym, (Pseudonym.round_id == Response.round_id)
                   & (Pseudonym.membership_id == Response.membership_id))
        .where(Coding.code_id == code.id)).all()
    rows = sorted(rows, key=lambda row: (listing_key(row[3], row[1].id), row[0].id))
    out = []
    for coding, answer, label, _round in rows:
        set_committed_value(coding, "answer", answer)
        out.append((coding, label or "—"))
    return out


def codes_for_closed_items(round_: Round) -> list[tuple[Round, list[CodeFrequency]]]:
    """The active codes of the committee's earlier open rounds, with their frequencies."""
    out = []
    for earlier in earlier_rounds(round_):
        if earlier.kind == "open":
            frequencies = code_frequencies(earlier)
            if frequencies:
                out.append((earlier, frequencies))
    return out


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


SUBREGION_ORDER = ("south_america", "central_america_mexico", "caribbean")


def _ratings(rows) -> dict[int, dict[int, Optional[int]]]:
    """item id -> {membership id: rating or None (don't know / no rating)}."""
    out: dict[int, dict[int, Optional[int]]] = defaultdict(dict)
    for item_id, membership_id, rating, dont_know in rows:
        out[item_id][membership_id] = None if dont_know else rating
    return out


def _rating_counts(rows) -> dict[Any, list[Optional[int]]]:
    """Grouped (key, rating, don't know, count) rows as lists of ratings (None: "don't know" or no rating)."""
    out: dict[Any, list[Optional[int]]] = defaultdict(list)
    for key, rating, dont_know, count in rows:
        out[key].extend([None if dont_know else rating] * count)
    return out


def round_results(round_: Round, *, subregions: bool = False, full: bool = False) -> RoundResults:
    """Every item's statistics (docs/methods.md §3) from the submitted responses, in a constant number of
    queries. Drafts never count. With `subregions`, each agreement item also gets its breakdown by subregion
    under the small-cell rule of the committee (stats.visible_groups): for members and observers a subregion's
    statistics are computed only when every non-empty group has the minimum cell size; with `full`
    (facilitators) each subregion that has it on its own. Any other subregion carries only its n.

    The database counts the ratings per item and scale point; individual ratings are read only where they are
    needed (stability of carried items, rankings, comments). Uses the round's items when they are already
    loaded (queries.round_detail), else loads them."""
    if "items" in sa_inspect(round_).dict:
        items = sorted(round_.items, key=lambda i: (i.position, i.id))
    else:
        items = list(db.session.scalars(select(Item).where(Item.round_id == round_.id)
                                        .options(selectinload(Item.sources)).order_by(Item.position, Item.id)))
    submitted = (Response.round_id == round_.id) & (Response.status == "submitted")
    answered = select(Answer.item_id).join(Response, Response.id == Answer.response_id).where(submitted)
    respondents = db.session.scalar(select(func.count()).select_from(Response).where(submitted)) or 0
    agreement_ids = [i.id for i in items if i.kind == "agreement"]
    ratings_by_item: dict[Any, list[Optional[int]]] = {}
    subregion_ratings: dict[Any, list[Optional[int]]] = {}
    if agreement_ids:
        ratings_by_item = _rating_counts(db.session.execute(
            answered.with_only_columns(Answer.item_id, Answer.rating, Answer.dont_know, func.count())
            .where(Answer.item_id.in_(agreement_ids))
            .group_by(Answer.item_id, Answer.rating, Answer.dont_know)).all())
        if subregions:
            subregion_ratings = _rating_counts(
                ((item_id, sub), rating, dont_know, count) for item_id, sub, rating, dont_know, count in
                db.session.execute(
                    answered.with_only_columns(Answer.item_id, Country.subregion, Answer.rating, Answer.dont_know,
                                               func.count())
                    .join(Membership, Membership.id == Response.membership_id)
                    .outerjoin(Country, Country.id == Membership.country_id)  # no country: a group of its own
                    .where(Answer.item_id.in_(agreement_ids), Answer.rating.is_not(None),
                           Answer.dont_know.is_(False))
                    .group_by(Answer.item_id, Country.subregion, Answer.rating, Answer.dont_know)).all())
    ranking_ids = [i.id for i in items if i.kind == "ranking"]
    rankings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ranking_ids:
        for item_id, ranking in db.session.execute(
                answered.with_only_columns(Answer.item_id, Answer.ranking).where(Answer.item_id.in_(ranking_ids))):
            if ranking:
                rankings[item_id].append(ranking)
    text_ids = [i.id for i in items if i.kind == "open_text"]
    texts: dict[int, int] = {}
    if text_ids:
        texts = dict(db.session.execute(
            answered.with_only_columns(Answer.item_id, func.count())
            .where(Answer.item_id.in_(text_ids), Answer.text.is_not(None), func.trim(Answer.text) != "")
            .group_by(Answer.item_id)).all())
    comment_rows = db.session.execute(
        answered.with_only_columns(Answer.item_id, Answer.id, Answer.comment, Membership.country_id,
                                   Pseudonym.label)
        .join(Membership, Membership.id == Response.membership_id)
        .outerjoin(Pseudonym, (Pseudonym.round_id == Response.round_id)
                   & (Pseudonym.membership_id == Response.membership_id))
        .where(Answer.comment.is_not(None), Answer.comment != "")).all()
    countries = {c.id: c for c in db.session.scalars(select(Country))} if comment_rows else {}
    comments_by_item: dict[int, list[Comment]] = defaultdict(list)
    for item_id, answer_id, text, country_id, label in comment_rows:
        if text.strip():
            comments_by_item[item_id].append(Comment(text.strip(), label or "—", countries.get(country_id),
                                                     listing_key(round_, answer_id)))

    # Items carried over from an earlier round: per-member ratings in both rounds, for their stability.
    carried = {i.id: i.carried_from_item_id for i in items if i.carried_from_item_id is not None}
    member_ratings: dict[int, dict[int, Optional[int]]] = {}
    previous_rounds: dict[int, Round] = {}
    if carried:
        member_ratings = _ratings(db.session.execute(
            select(Answer.item_id, Response.membership_id, Answer.rating, Answer.dont_know)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.item_id.in_(list(carried) + list(carried.values())), Response.status == "submitted")).all())
        previous_rounds = {item_id: r for item_id, r in db.session.execute(
            select(Item.id, Round).join(Round, Round.id == Item.round_id).where(Item.id.in_(carried.values()))).all()}

    results = []
    band = round_.band
    for item in items:
        comments = sorted(comments_by_item.get(item.id, []), key=lambda c: c.order)
        if item.kind == "agreement":
            result = stats.agreement_stats(ratings_by_item.get(item.id, []), round_.scale, round_.rule, band)
            entry = ItemResult(item, result.n, agreement=result, comments=comments)
            if subregions:
                groups = {key: values for (item_id, key), values in subregion_ratings.items() if item_id == item.id}
                shown = stats.visible_groups({key: len(values) for key, values in groups.items()},
                                             round_.committee.min_cell_size, full=full)
                for key in SUBREGION_ORDER:
                    values = groups.get(key, [])
                    entry.subregion_n[key] = len(values)
                    entry.subregions[key] = (stats.agreement_stats(values, round_.scale, round_.rule, band)
                                             if key in shown else None)
            earlier = previous_rounds.get(item.carried_from_item_id) if item.carried_from_item_id else None
            if earlier is not None:
                before = member_ratings.get(item.carried_from_item_id, {})
                entry.previous = stats.agreement_stats(list(before.values()), earlier.scale, earlier.rule,
                                                       earlier.band)
                entry.stability = stats.stability(before, member_ratings.get(item.id, {}))
                entry.cv_change = stats.cv_change(entry.previous, result)
            results.append(entry)
        elif item.kind == "ranking":
            keys = set(item.option_keys)
            ranking_result = stats.kendall_w([r for r in rankings.get(item.id, []) if set(r) == keys])
            results.append(ItemResult(item, ranking_result.r, ranking=ranking_result, comments=comments))
        else:
            results.append(ItemResult(item, texts.get(item.id, 0)))
    return RoundResults(round_, results, respondents)


def member_rounds_status(user: User, rounds: list[Round]) -> dict[int, str]:
    """For a member: the status of their own response in each round (not_started, draft, submitted)."""
    if not rounds:
        return {}
    rows = db.session.execute(select(Response.round_id, Response.status)
                              .join(Membership, Membership.id == Response.membership_id)
                              .where(Membership.user_id == user.id,
                                     Response.round_id.in_([r.id for r in rounds]))).all()
    status = dict(rows)
    return {r.id: status.get(r.id, "not_started") for r in rounds}


def response_counts(rounds: list[Round]) -> dict[int, int]:
    if not rounds:
        return {}
    return dict(db.session.execute(select(Response.round_id, func.count())
                                   .where(Response.round_id.in_([r.id for r in rounds]),
                                          Response.status == "submitted")
                                   .group_by(Response.round_id)).all())
