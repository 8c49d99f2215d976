"""Factories for the committee tests: a committee with a facilitator and members, and a closed round whose
members have rated its statements (published, so that its feedback and results can be read)."""
from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Callable, Sequence

import pytest
from sqlalchemy import select

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries

# Twelve countries: five of South America, five of Central America and Mexico, two of the Caribbean.
COUNTRIES = ("CHL", "ARG", "COL", "PER", "URY", "MEX", "CRI", "GTM", "PAN", "DOM", "JAM", "TTO")


@pytest.fixture
def committee(db, make_user) -> Callable:
    """committee(model="sectoral", countries=("CHL", "ARG")) -> namespace(committee, admin, facilitator,
    members (users, in the order of `countries`), memberships)."""
    calls = itertools.count()

    def make(model: str = "sectoral", countries: Sequence[str] = COUNTRIES[:4]) -> SimpleNamespace:
        call = next(calls)
        admin = make_user("admin", name="Admin Person")
        committees = {c.planning_model.key: c for c in delphi_committees.ensure_committees(admin)}
        target = committees[model]
        facilitator = make_user("facilitator", name="Facilitator Person")
        delphi_committees.add_membership(admin, target, facilitator, role="facilitator", notify=False)
        memberships = []
        for index, iso3 in enumerate(countries):
            user = make_user("member", country=iso3, name=f"Member{index:02d}{model} Surname{index:02d}",
                             email=f"{model}-{call}-member{index:02d}@example.org")
            memberships.append(delphi_committees.add_membership(facilitator, target, user, notify=False))
        db.session.commit()
        return SimpleNamespace(committee=delphi_committees.committee(target.id), admin=admin, facilitator=facilitator,
                               members=[m.user for m in memberships], memberships=memberships)
    return make


def rate(db, round_, members, ratings_by_item: Sequence[Sequence[int | None]], comments=None) -> None:
    """Member i submits ratings_by_item[j][i] for agreement item j (None: "don't know")."""
    items = [i for i in round_queries.round_detail(round_.id).items]
    for index, member in enumerate(members):
        inputs = {}
        for item, ratings in zip(items, ratings_by_item):
            if index >= len(ratings):
                continue
            rating = ratings[index]
            comment = (comments or {}).get((item.position, index))
            inputs[item.id] = round_answers.AnswerInput(rating=rating, dont_know=rating is None, comment=comment)
        if inputs:
            round_answers.save_response(member, round_, inputs, submit=True)
    db.session.commit()


def answered_open_round(db, world, good_texts: Sequence[str], other_text: str):
    """An open round of `world`'s committee that member i answered (first question: good_texts[i], second:
    other_text, and a ranking), then closed. Returns the round and its three items."""
    fac = world.facilitator
    round_ = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, round_)
    round_ = round_queries.round_detail(round_.id)
    good, obstacles, ranking = round_.items
    for member, text in zip(world.members, good_texts):
        round_answers.save_response(member, round_, {
            good.id: round_answers.AnswerInput(text=text), obstacles.id: round_answers.AnswerInput(text=other_text),
            ranking.id: round_answers.AnswerInput(ranking={k: i + 1 for i, k in enumerate(ranking.option_keys)})},
            submit=True)
    round_lifecycle.close_round(fac, round_)
    db.session.commit()
    return round_, good, obstacles, ranking


def answers_to(db, item_id) -> list:
    """The answers to one item, in the order they were given."""
    from whitepaper.models import Answer
    return list(db.session.scalars(select(Answer).where(Answer.item_id == item_id).order_by(Answer.id)))


@pytest.fixture
def closed_round(db, committee) -> Callable:
    """closed_round([[4, 5, …], …], scale=5, rule="default", status="published") -> namespace(round, items,
    plus the committee's namespace). One agreement item per list; member i gives the i-th rating."""

    def make(ratings_by_item: Sequence[Sequence[int | None]], *, scale: int = 5, rule: str = "default",
             band=None, status: str = "published", countries: Sequence[str] | None = None,
             comments=None, model: str = "sectoral") -> SimpleNamespace:
        size = max(len(r) for r in ratings_by_item) if ratings_by_item else 0
        world = committee(model, countries or [COUNTRIES[i % len(COUNTRIES)] for i in range(size)])
        fac = world.facilitator
        round_ = round_lifecycle.create_closed_round(fac, world.committee, scale=scale, rule=rule, band=band)
        for position in range(len(ratings_by_item)):
            round_items.add_agreement_item(fac, round_, {"es": f"Enunciado {position + 1}",
                                                      "en": f"Statement {position + 1}"})
        round_lifecycle.open_round(fac, round_)
        db.session.commit()
        rate(db, round_, world.members, ratings_by_item, comments)
        if status in ("closed", "published"):
            round_lifecycle.close_round(fac, round_)
        if status == "published":
            round_lifecycle.publish_round(fac, round_)
        db.session.commit()
        world.round = round_queries.round_detail(round_.id)
        world.items = list(world.round.items)
        return world
    return make


@pytest.fixture(autouse=True)
def english(request):
    """The committee tests read English texts: they must not break when the Spanish catalogue grows."""
    if "client" in request.fixturenames:
        request.getfixturevalue("client").set_cookie("lang", "en", domain="localhost")
