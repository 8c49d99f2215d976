"""Committees: the time to build a round's results (200 items answered by 100 members, data in the database),
and the median server time of the member's answer page and of the systemizing page."""
from __future__ import annotations

import os
import random
import tempfile

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries

from .timing import median_ms

MEMBERS = 100
ITEMS = 200
RANKING_ITEMS = 5
REPEATS = 30
COUNTRIES = ("ARG", "BOL", "BRA", "CHL", "COL", "ECU", "PRY", "PER", "URY", "CRI", "CUB", "SLV", "GTM", "HND", "MEX",
             "NIC", "PAN", "DOM", "JAM", "TTO", "BRB", "GUY")


def _build(app):
    from whitepaper.auth import services as accounts
    from whitepaper.extensions import db
    from whitepaper.models import Answer

    rng = random.Random(6)
    admin = accounts.create_user(None, "bench-admin@example.org", roles={"admin"}, password="bench-password")
    fac = accounts.create_user(None, "bench-fac@example.org", roles={"facilitator"}, password="bench-password")
    committee = {c.planning_model.key: c for c in delphi_committees.ensure_committees(admin)}["sectoral"]
    delphi_committees.add_membership(admin, committee, fac, role="facilitator", notify=False)
    members = []
    for i in range(MEMBERS):
        user = accounts.create_user(None, f"bench-member{i:03d}@example.org", roles={"member"},
                                    country_iso3=COUNTRIES[i % len(COUNTRIES)], password="bench-password")
        delphi_committees.add_membership(fac, committee, user, notify=False)
        members.append(user)
    db.session.commit()

    # Round 1 (open): 100 members' answers, coded with ten codes, for the systemizing page.
    first = round_lifecycle.create_open_round(fac, committee)
    round_lifecycle.open_round(fac, first)
    first = round_queries.round_detail(first.id)
    good, obstacles, ranking = first.items
    words = ("presupuesto", "coordinación", "rectoría", "seguimiento", "participación", "datos", "equipos",
             "continuidad", "territorio", "ODS")
    for user in members:
        chosen = rng.sample(words, 3)
        round_answers.save_response(user, first, {
            good.id: round_answers.AnswerInput(text=f"Un buen plan necesita {chosen[0]}, {chosen[1]} y {chosen[2]}. "
                                               "Sin eso el plan no orienta la gestión del sector."),
            obstacles.id: round_answers.AnswerInput(text=f"Falta de {chosen[2]} y poca {chosen[0]} entre instituciones."),
            ranking.id: round_answers.AnswerInput(ranking={k: r for k, r in zip(ranking.option_keys,
                                                                           rng.sample(range(1, 6), 5))})},
            submit=True)
    codes = [round_codebook.add_code(fac, first, label_es=w.capitalize(), definition_es=f"Menciones de {w}.") for w in words]
    answers = db.session.scalars(db.select(Answer).where(Answer.item_id.in_([good.id, obstacles.id]))).all()
    for answer in answers:
        for code in rng.sample(codes, 2):
            round_codebook.assign_code(fac, answer, code)
    db.session.commit()

    # Round 2 (closed, still open): 200 items answered by the 100 members.
    second = round_lifecycle.create_closed_round(fac, committee)
    for i in range(ITEMS - RANKING_ITEMS):
        round_items.add_agreement_item(fac, second, {"es": f"Enunciado {i + 1}", "en": f"Statement {i + 1}"})
    for i in range(RANKING_ITEMS):
        round_items.add_ranking_item(fac, second, {"es": f"Ordene {i + 1}", "en": f"Rank {i + 1}"}, dimensions=True)
    round_lifecycle.open_round(fac, second)
    db.session.commit()
    second = round_queries.round_detail(second.id)
    for user in members:
        inputs = {}
        for item in second.items:
            if item.kind == "agreement":
                rating = rng.choice((1, 2, 3, 4, 4, 5, 5, 5, None))
                inputs[item.id] = round_answers.AnswerInput(rating=rating, dont_know=rating is None,
                                                       comment="Comentario." if rng.random() < 0.05 else None)
            else:
                inputs[item.id] = round_answers.AnswerInput(ranking={k: r for k, r in zip(
                    item.option_keys, rng.sample(range(1, 6), 5))})
        round_answers.save_response(user, second, inputs, submit=True)
    db.session.commit()
    return first.id, second.id, fac.id, members[0].id


def run() -> list[tuple[str, float, str]]:
    from flask_migrate import upgrade

    from whitepaper import create_app
    from whitepaper.catalogue import loader
    from whitepaper.extensions import db
    from whitepaper.models import User

    folder = tempfile.mkdtemp(prefix="wp-bench-delphi-")
    os.environ.setdefault("WHITEPAPER_INSTANCE", os.path.join(folder, "instance"))
    app = create_app({"DATABASE_URL": "sqlite:///" + os.path.join(folder, "bench.sqlite"), "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade()
        loader.load()
        db.session.commit()
        first_id, second_id, fac_id, member_id = _build(app)
        db.session.remove()

        def results(subregions: bool = False):
            round_ = round_queries.round_detail(second_id)
            round_queries.round_results(round_, subregions=subregions)
            db.session.remove()  # each computation starts from a fresh session, as a request would
        results()
        results_ms = median_ms(results, REPEATS)
        breakdown_ms = median_ms(lambda: results(True), REPEATS)
        fac = db.session.get(User, fac_id).get_id()
        member = db.session.get(User, member_id).get_id()
        db.session.remove()

    def page(user_id: str, path: str) -> float:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
        assert client.get(path).status_code == 200, path

        def hit():
            response = client.get(path)
            assert response.status_code == 200
        return median_ms(hit, REPEATS)

    answer_ms = page(member, f"/committees/rounds/{second_id}/answer")
    systemize_ms = page(fac, f"/committees/rounds/{first_id}/systemize")
    with app.app_context():
        db.engine.dispose()
    return [(f"delphi: results of a round, 200 items x 100 members (median of {REPEATS})", results_ms, "ms"),
            (f"delphi: the same with subregion breakdowns (median of {REPEATS})", breakdown_ms, "ms"),
            (f"delphi: member's answer page, 200 items (median of {REPEATS})", answer_ms, "ms"),
            (f"delphi: systemizing page, 200 open answers (median of {REPEATS})", systemize_ms, "ms")]
