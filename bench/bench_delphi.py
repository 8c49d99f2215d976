"""Committees, through the real stack at two sizes (items × members: 200 × 100 and 50 × 20, one committee
each in one SQLite database): the facilitators' round-results page, `GET /api/v1/rounds/<id>/results` (an API
token), the member's answer page and the systemizing page of an open round. Each is viewed cold (right after
one answer changed) and warm; "value" is the cold median, the figure issue 14 sets targets for."""
from __future__ import annotations

import random
from typing import Any, Callable

from . import pages
from .results import entry

SIZES = ((200, 100), (50, 20))  # (items, members); the first is the one with targets
RANKING_ITEMS = 5
COUNTRIES = ("ARG", "BOL", "BRA", "CHL", "COL", "ECU", "PRY", "PER", "URY", "CRI", "CUB", "SLV", "GTM", "HND", "MEX",
             "NIC", "PAN", "DOM", "JAM", "TTO", "BRB", "GUY")
WORDS = ("presupuesto", "coordinación", "rectoría", "seguimiento", "participación", "datos", "equipos",
         "continuidad", "territorio", "ODS")


def _committee(admin, fac, committee, items: int, members: int, rng: random.Random) -> dict[str, Any]:
    """An open round (three questions, every member answered, coded) and a closed round of `items` items that
    every member submitted."""
    from whitepaper.auth import services as accounts
    from whitepaper.delphi import committees as delphi_committees
    from whitepaper.delphi.rounds import answers as round_answers
    from whitepaper.delphi.rounds import codebook as round_codebook
    from whitepaper.delphi.rounds import items as round_items
    from whitepaper.delphi.rounds import lifecycle as round_lifecycle
    from whitepaper.delphi.rounds import queries as round_queries
    from whitepaper.extensions import db
    from whitepaper.models import Answer

    delphi_committees.add_membership(admin, committee, fac, role="facilitator", notify=False)
    people = []
    for i in range(members):
        user = accounts.create_user(None, f"bench-{items}x{members}-m{i:03d}@example.org", roles={"member"},
                                    country_iso3=COUNTRIES[i % len(COUNTRIES)], password=pages.PASSWORD)
        delphi_committees.add_membership(fac, committee, user, notify=False)
        people.append(user)
    db.session.commit()

    first = round_lifecycle.create_open_round(fac, committee)
    round_lifecycle.open_round(fac, first)
    first = round_queries.round_detail(first.id)
    good, obstacles, ranking = first.items
    for user in people:
        chosen = rng.sample(WORDS, 3)
        round_answers.save_response(user, first, {
            good.id: round_answers.AnswerInput(text=f"Un buen plan necesita {chosen[0]}, {chosen[1]} y {chosen[2]}. "
                                               "Sin eso el plan no orienta la gestión del sector."),
            obstacles.id: round_answers.AnswerInput(
                text=f"Falta de {chosen[2]} y poca {chosen[0]} entre instituciones."),
            ranking.id: round_answers.AnswerInput(ranking=dict(zip(ranking.option_keys, rng.sample(range(1, 6), 5))))},
            submit=True)
    codes = [round_codebook.add_code(fac, first, label_es=w.capitalize(), definition_es=f"Menciones de {w}.")
             for w in WORDS]
    for answer in db.session.scalars(db.select(Answer).where(Answer.item_id.in_([good.id, obstacles.id]))).all():
        for code in rng.sample(codes, 2):
            round_codebook.assign_code(fac, answer, code)
    db.session.commit()

    second = round_lifecycle.create_closed_round(fac, committee)
    for i in range(items - RANKING_ITEMS):
        round_items.add_agreement_item(fac, second, {"es": f"Enunciado {i + 1}", "en": f"Statement {i + 1}"})
    for i in range(RANKING_ITEMS):
        round_items.add_ranking_item(fac, second, {"es": f"Ordene {i + 1}", "en": f"Rank {i + 1}"}, dimensions=True)
    round_lifecycle.open_round(fac, second)
    db.session.commit()
    first_id, good_id, second_id = first.id, good.id, second.id
    second = round_queries.round_detail(second_id)
    agreement = [i.id for i in second.items if i.kind == "agreement"]
    for user in people:
        inputs = {}
        for item in second.items:
            if item.kind == "agreement":
                rating = rng.choice((1, 2, 3, 4, 4, 5, 5, 5, None))
                inputs[item.id] = round_answers.AnswerInput(rating=rating, dont_know=rating is None,
                                                            comment="Comentario." if rng.random() < 0.05 else None)
            else:
                inputs[item.id] = round_answers.AnswerInput(ranking=dict(zip(item.option_keys,
                                                                             rng.sample(range(1, 6), 5))))
        round_answers.save_response(user, second, inputs, submit=True)
    db.session.commit()
    return {"open": first_id, "closed": second_id, "good": good_id, "members": [u.id for u in people],
            "member_email": people[0].email, "agreement": agreement}


def _build(app) -> tuple[str, dict[tuple[int, int], dict[str, Any]]]:
    from whitepaper.auth import services as accounts
    from whitepaper.delphi import committees as delphi_committees
    from whitepaper.extensions import db

    rng = random.Random(6)
    with app.app_context():
        admin = accounts.create_user(None, "bench-admin@example.org", roles={"admin"}, password=pages.PASSWORD)
        fac = accounts.create_user(None, "bench-fac@example.org", roles={"facilitator"}, password=pages.PASSWORD)
        committees = {c.planning_model.key: c for c in delphi_committees.ensure_committees(admin)}
        built = {size: _committee(admin, fac, committees[key], *size, rng)
                 for size, key in zip(SIZES, ("sectoral", "national"))}
        db.session.remove()
    return "bench-fac@example.org", built


def _rating_touch(data: dict[str, Any]) -> Callable[[int], None]:
    """Before the n-th cold view: member n changes their rating of item n (a draft save of one answer)."""
    def touch(n: int) -> None:
        _change_rating(data["members"][n % len(data["members"])], data["closed"],
                       data["agreement"][n % len(data["agreement"])])
    return touch


def _own_touch(data: dict[str, Any]) -> Callable[[int], None]:
    """Before the n-th cold view of the answer page: its member changes their rating of item n."""
    def touch(n: int) -> None:
        _change_rating(data["members"][0], data["closed"], data["agreement"][n % len(data["agreement"])])
    return touch


def _change_rating(user_id: int, round_id: int, item_id: int) -> None:
    from whitepaper.delphi.rounds import answers as round_answers
    from whitepaper.delphi.rounds import queries as round_queries
    from whitepaper.extensions import db
    from whitepaper.models import Answer, Membership, Response, User

    user = db.session.get(User, user_id)
    current = db.session.scalar(db.select(Answer.rating).join(Response, Answer.response_id == Response.id)
                                .join(Membership, Response.membership_id == Membership.id).where(
        Response.round_id == round_id, Membership.user_id == user_id, Answer.item_id == item_id))
    rating = 1 if current != 1 else 5
    round_answers.save_response(user, round_queries.round_detail(round_id),
                                {item_id: round_answers.AnswerInput(rating=rating)}, submit=False)
    db.session.commit()


def _text_touch(data: dict[str, Any]) -> Callable[[int], None]:
    """Before the n-th cold view of the systemizing page: member n rewrites one open answer."""
    def touch(n: int) -> None:
        from whitepaper.delphi.rounds import answers as round_answers
        from whitepaper.delphi.rounds import queries as round_queries
        from whitepaper.extensions import db
        from whitepaper.models import User
        user = db.session.get(User, data["members"][n % len(data["members"])])
        round_answers.save_response(user, round_queries.round_detail(data["open"]), {
            data["good"]: round_answers.AnswerInput(text=f"Un buen plan necesita datos y seguimiento ({n}).")},
            submit=False)
        db.session.commit()
    return touch


def _figure(name: str, size: str, measured: dict[str, Any]) -> dict[str, Any]:
    return entry(name, size, measured["cold_ms"], "ms", queries=measured["cold_queries"], **measured)


def run() -> list[dict[str, Any]]:
    figures: dict[str, list[dict[str, Any]]] = {"results": [], "answer": [], "api": [], "systemize": []}
    with pages.scratch("wp-bench-delphi-") as folder:
        app = pages.make_app(folder)
        fac_email, built = _build(app)
        fac = pages.logged_in(app, fac_email)
        token = pages.api_token(app, fac_email)
        for (items, members), data in built.items():
            size = f"{items}x{members}"
            member = pages.logged_in(app, data["member_email"])
            closed, open_ = data["closed"], data["open"]
            figures["results"].append(_figure(f"results_page_{size}", size, pages.measure(
                app, fac, f"/committees/rounds/{closed}/results", _rating_touch(data))))
            figures["answer"].append(_figure(f"answer_page_{size}", size, pages.measure(
                app, member, f"/committees/rounds/{closed}/answer", _own_touch(data))))
            figures["api"].append(_figure(f"api_round_results_{size}", size, pages.measure(
                app, app.test_client(), f"/api/v1/rounds/{closed}/results", _rating_touch(data), headers=token)))
            figures["systemize"].append(_figure(f"systemize_page_{members}", f"3x{members}", pages.measure(
                app, fac, f"/committees/rounds/{open_}/systemize", _text_touch(data))))
        from whitepaper.extensions import db
        with app.app_context():
            db.engine.dispose()
    return [figure for kind in figures.values() for figure in kind]
