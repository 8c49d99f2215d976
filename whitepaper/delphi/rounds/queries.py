"""Reads for the rounds: a round with its items, a member's answers, participation, the systemizing
workspace and code frequencies, and round results with their statistics (docs/methods.md §3). Views and the
API call these; each eager-loads what its page needs."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from sqlalchemy import func, select
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
from .statistics import listing_key


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
