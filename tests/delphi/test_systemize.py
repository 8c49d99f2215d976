"""The systemizing workspace: the codebook (create, rename, merge, split), whole answers and fragments assigned
to codes, answers marked not codable, what is still uncoded, and frequencies by answers and countries."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries

from .conftest import answered_open_round, answers_to


@pytest.fixture
def open_world(db, committee):
    """An open round 1, closed, answered by members from CHL, ARG, ARG and MEX."""
    world = committee("sectoral", ("CHL", "ARG", "ARG", "MEX"))
    texts = ["Coordinación con otros sectores y presupuesto plurianual.", "Participación de las provincias.",
             "Presupuesto ligado al plan.", "Evaluación externa y presupuesto."]
    round_, good, obstacles, _ranking = answered_open_round(db, world, texts, "Rotación de personal.")
    world.round_id = round_.id
    world.good, world.obstacles = good.id, obstacles.id
    return world


def _round(round_id):
    return round_queries.round_detail(round_id)


def test_codes_fragments_frequencies_and_what_is_still_uncoded(db, client, login_as, open_world):
    from whitepaper.models import Code, Coding
    login_as(open_world.facilitator)
    rid = open_world.round_id
    assert round_queries.uncoded_count(_round(rid)) == 8
    client.post(f"/committees/rounds/{rid}/codes", data={"label_es": "Presupuesto", "definition_es": "Plan y gasto"})
    client.post(f"/committees/rounds/{rid}/codes", data={"label_es": "Coordinación", "label_en": "Coordination"})
    budget, coordination = db.session.scalars(select(Code).order_by(Code.id)).all()
    first, second, third, fourth = answers_to(db, open_world.good)
    # A fragment of the first answer, and its whole text under another code.
    assert client.post(f"/committees/answers/{first.id}/codings",
                       data={"code": budget.id, "fragment": "presupuesto plurianual"}).status_code == 302
    client.post(f"/committees/answers/{first.id}/codings", data={"code": coordination.id, "fragment": ""})
    client.post(f"/committees/answers/{third.id}/codings", data={"code": budget.id})
    client.post(f"/committees/answers/{fourth.id}/codings", data={"code": budget.id, "fragment": "presupuesto"})
    refused = client.post(f"/committees/answers/{second.id}/codings",
                          data={"code": budget.id, "fragment": "not in the answer"})
    assert refused.status_code == 400
    assert client.post(f"/committees/answers/{second.id}/not-codable", data={"value": "1"}).status_code == 302

    codings = db.session.scalars(select(Coding).order_by(Coding.id)).all()
    assert [(c.answer_id, c.code_id, c.fragment) for c in codings] == [
        (first.id, budget.id, "presupuesto plurianual"), (first.id, coordination.id, None),
        (third.id, budget.id, None), (fourth.id, budget.id, "presupuesto")]
    frequencies = {f.code.id: (f.answers, f.countries) for f in round_queries.code_frequencies(_round(rid))}
    assert frequencies == {budget.id: (3, 3), coordination.id: (1, 1)}  # CHL, ARG and MEX; CHL
    assert round_queries.uncoded_count(_round(rid)) == 4  # the four answers to the obstacles question
    page = client.get(f"/committees/rounds/{rid}/systemize?uncoded=1").get_data(as_text=True)
    assert "4 of 8 answers still uncoded" in page
    assert "Rotación de personal." in page and "Participación de las provincias." not in page
    # Publishing waits until every open answer is coded or marked not codable.
    assert client.post(f"/committees/rounds/{rid}/publish").status_code == 409
    for answer in answers_to(db, open_world.obstacles):
        client.post(f"/committees/answers/{answer.id}/codings", data={"code": coordination.id})
    assert client.post(f"/committees/rounds/{rid}/publish").status_code == 302
    # Once published, the codebook no longer changes.
    assert client.post(f"/committees/rounds/{rid}/codes", data={"label_es": "Tarde"}).status_code == 409


def test_rename_merge_and_split_codes(db, client, login_as, open_world):
    from whitepaper.models import AuditEvent, Code, Coding
    fac = open_world.facilitator
    round_ = _round(open_world.round_id)
    a = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    b = round_codebook.add_code(fac, round_, label_es="Gasto plurianual")
    answers = answers_to(db, open_world.good)
    round_codebook.assign_code(fac, answers[0], a)
    round_codebook.assign_code(fac, answers[2], a)
    round_codebook.assign_code(fac, answers[0], b)
    round_codebook.assign_code(fac, answers[3], b)
    db.session.commit()
    login_as(fac)
    assert client.post(f"/committees/codes/{a.id}", data={"label_es": "Vínculo plan-presupuesto",
                                                          "label_en": "Plan-budget link"}).status_code == 302
    assert db.session.get(Code, a.id).label == {"es": "Vínculo plan-presupuesto", "en": "Plan-budget link"}

    assert client.post(f"/committees/codes/{b.id}/merge", data={"target": a.id}).status_code == 302
    assert db.session.get(Code, b.id).merged_into_id == a.id
    on_a = db.session.scalars(select(Coding).where(Coding.code_id == a.id)).all()
    assert sorted(c.answer_id for c in on_a) == sorted([answers[0].id, answers[2].id, answers[3].id])  # no duplicate
    assert [f.code.id for f in round_queries.code_frequencies(_round(open_world.round_id))] == [a.id]

    move = [c.id for c in on_a if c.answer_id == answers[3].id]
    assert client.post(f"/committees/codes/{a.id}/split", data={"label_es": "Evaluación", "codings": move}
                       ).status_code == 302
    new = db.session.scalar(select(Code).where(Code.split_from_id == a.id))
    assert [c.answer_id for c in db.session.scalars(select(Coding).where(Coding.code_id == new.id))] == [answers[3].id]
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"delphi_code.create", "delphi_code.edit", "delphi_code.merge", "delphi_code.split",
            "delphi_coding.add"} <= actions


def test_a_changed_answer_drops_the_fragments_it_no_longer_contains(db, committee):
    from whitepaper.models import Coding
    world = committee("sectoral", ("CHL", "ARG"))
    fac = world.facilitator
    round_ = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, round_)
    round_ = round_queries.round_detail(round_.id)
    good, obstacles, ranking = round_.items
    ranks = {k: i + 1 for i, k in enumerate(ranking.option_keys)}

    def answer(text):
        round_answers.save_response(world.members[0], round_, {
            good.id: round_answers.AnswerInput(text=text), obstacles.id: round_answers.AnswerInput(text="x"),
            ranking.id: round_answers.AnswerInput(ranking=ranks)}, submit=True)
    answer("Uno dos tres.")
    code = round_codebook.add_code(fac, round_, label_es="C")
    target = answers_to(db, good.id)[0]
    round_codebook.assign_code(fac, target, code, "dos")
    other = round_codebook.add_code(fac, round_, label_es="D")
    round_codebook.assign_code(fac, target, other)
    answer("Uno tres.")
    remaining = db.session.scalars(select(Coding)).all()
    assert [(c.code_id, c.fragment) for c in remaining] == [(other.id, None)]


def test_the_systemizing_page_loads_in_a_constant_number_of_queries(db, client, login_as, open_world,
                                                                   count_queries):
    round_ = _round(open_world.round_id)
    codes = [round_codebook.add_code(open_world.facilitator, round_, label_es=f"Código {i}") for i in range(3)]
    for answer, code in zip(answers_to(db, open_world.good), codes * 2):
        round_codebook.assign_code(open_world.facilitator, answer, code)
    db.session.commit()
    login_as(open_world.facilitator)
    url = f"/committees/rounds/{open_world.round_id}/systemize"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for answer in answers_to(db, open_world.obstacles):  # more codings, codes and answers on the page
        for code in codes:
            round_codebook.assign_code(open_world.facilitator, answer, code)
    round_codebook.add_code(open_world.facilitator, _round(open_world.round_id), label_es="Otro")
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.n == few.n <= 20
