"""Double coding: a second facilitator codes blind (the first coding out of sight), Krippendorff's alpha
(nominal) checked against the `krippendorff` package and by hand, the disagreements side by side, settling them
into the final coding (the round's Coding rows), the summary for the methods report, and who may do what."""
from __future__ import annotations

import math
import random

import krippendorff
import numpy as np
import pytest
from sqlalchemy import select

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import double_coding
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds.agreement import nominal_alpha

from .conftest import answers_to
from .test_qda import open_round


# --- alpha ------------------------------------------------------------------------------------------------
def _package_alpha(units):
    coders = max(len(u) for u in units)
    data = np.array([[np.nan if i >= len(u) or u[i] is None else u[i] for u in units] for i in range(coders)],
                    dtype=float)
    try:
        with np.errstate(invalid="ignore", divide="ignore"):  # the package's own 0/0, read as undefined below
            value = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    except ValueError:  # the package refuses a single value: undefined
        return None
    return None if math.isnan(value) else value


def test_alpha_matches_the_krippendorff_package_on_random_data():
    rng = random.Random(20261202)
    compared = 0
    for _trial in range(300):
        coders, size, values = rng.randint(2, 5), rng.randint(1, 25), rng.randint(1, 4)
        units = [[None if rng.random() < 0.25 else rng.randrange(values) for _c in range(coders)]
                 for _u in range(size)]
        mine, theirs = nominal_alpha(units), _package_alpha(units)
        if theirs is None:
            assert mine is None
            continue
        compared += 1
        assert mine == pytest.approx(theirs, abs=1e-12)
    assert compared > 200


def test_alpha_by_hand_and_its_undefined_cases():
    # Two coders, four answers, one code: (1,1), (1,0), (0,0), (0,0). n = 8 values, three 1s and five 0s;
    # the one disagreement gives o(1,0) = o(0,1) = 1, so alpha = 1 - 7 * 2 / (2 * 3 * 5) = 8/15.
    assert nominal_alpha([[1, 1], [1, 0], [0, 0], [0, 0]]) == pytest.approx(8 / 15)
    assert nominal_alpha([["a", "a"], ["b", "b"]]) == 1.0
    assert nominal_alpha([[1, 0], [0, 1]]) == pytest.approx(-0.5)  # systematic disagreement
    assert nominal_alpha([[0, 0], [0, 0]]) is None  # no expected disagreement
    assert nominal_alpha([[1, None], [None, 0]]) is None  # nothing pairable
    assert nominal_alpha([]) is None


# --- the pages --------------------------------------------------------------------------------------------
@pytest.fixture
def world(db, committee, make_user):
    """A closed open round (three answers per question); the facilitator coded the first question; a second
    facilitator of the committee, who has coded nothing, is ready to code blind."""
    world = open_round(db, committee)
    fac = world.facilitator
    round_ = round_queries.round_detail(world.round_id)
    world.budget = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    world.coordination = round_codebook.add_code(fac, round_, label_es="Coordinación")
    world.first, world.second, world.third = answers_to(db, world.good)
    round_codebook.assign_code(fac, world.first, world.budget, "presupuesto plurianual")
    round_codebook.assign_code(fac, world.first, world.coordination)
    round_codebook.assign_code(fac, world.third, world.budget)
    round_codebook.mark_not_codable(fac, world.second, round_)
    world.other = make_user("facilitator", name="Second Coder")
    delphi_committees.add_membership(world.admin, world.committee, world.other, role="facilitator", notify=False)
    db.session.commit()
    world.base = f"/committees/rounds/{world.round_id}/double-coding"
    return world


def test_the_second_coder_codes_blind_then_the_pair_settles_the_disagreements(db, client, login_as, world):
    from whitepaper.models import Coding, CodingSettlement
    base = world.base
    login_as(world.other)
    assert "Start the second coding" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/start").status_code == 302
    assert double_coding.double_coding_summary(world.round_id)["finished"] is False
    # Blind: the workspace sends them to their own page, which shows none of the first coding.
    moved = client.get(f"/committees/rounds/{world.round_id}/systemize")
    assert moved.status_code == 302 and moved.headers["Location"].endswith(base)
    page = client.get(base).get_data(as_text=True)
    assert world.first.text in page and "«presupuesto plurianual»" not in page
    assert "6 answers still without your decision." in page
    assert client.get(f"/committees/codes/{world.budget.id}").status_code == 403
    assert client.post(f"/committees/answers/{world.first.id}/codings",
                       data={"code": world.budget.id}).status_code == 403
    assert client.get(f"/committees/rounds/{world.round_id}/coded-answers.qdpx").status_code == 403
    for kind in ("answers", "codebook", "results"):  # the exports carry the first coding
        assert client.get(f"/committees/rounds/{world.round_id}/export/{kind}.csv").status_code == 403
    assert client.get(f"/committees/answers/{world.first.id}/suggestions").status_code == 403  # its evidence
    assert client.post(f"/committees/answers/{world.first.id}/suggestions",
                       data={"code": world.budget.id, "decision": "accept"}).status_code == 403

    def code(answer, code_, fragment=""):
        return client.post(f"{base}/answers/{answer.id}/codings", data={"code": code_.id, "fragment": fragment})
    assert code(world.first, world.budget, "presupuesto").status_code == 302  # agrees on the code
    assert code(world.first, world.budget, "presupuesto").status_code == 302  # the same twice: one row
    assert code(world.second, world.coordination, "provincias").status_code == 302  # first said not codable
    assert code(world.third, world.budget, "no está").status_code == 400
    assert code(world.third, world.coordination, "Presupuesto ligado al plan.\r\nY evaluación.").status_code == 302
    client.post(f"{base}/answers/{world.third.id}/not-codable", data={"value": "1"})  # refused: it has codes
    from whitepaper.models import SecondCoding
    rows = db.session.scalars(select(SecondCoding).order_by(SecondCoding.id)).all()
    assert [(r.answer_id, r.code_id, r.fragment) for r in rows] == [
        (world.first.id, world.budget.id, "presupuesto"), (world.second.id, world.coordination.id, "provincias"),
        (world.third.id, world.coordination.id, None)]  # the whole text, trimmed, counts as the whole answer
    # Another facilitator sees that it is under way, not what it holds.
    login_as(world.facilitator)
    waiting = client.get(base).get_data(as_text=True)
    assert "Second Coder is coding this round blind." in waiting and "provincias" not in waiting
    assert client.post(f"{base}/answers/{world.first.id}/codings", data={"code": world.budget.id}).status_code == 403
    assert client.post(f"{base}/finish").status_code == 403
    login_as(world.other)
    assert client.post(f"{base}/finish").status_code == 302
    assert code(world.first, world.coordination).status_code == 409  # frozen

    # Compared on the three answers both decided: first {B, C}, {}, {B}; second {B}, {C}, {C}.
    first = {world.first.id: {1, 2}, world.second.id: set(), world.third.id: {1}}
    second = {world.first.id: {1}, world.second.id: {2}, world.third.id: {2}}
    units = [[int(c in first[a]), int(c in second[a])] for c in (1, 2) for a in first]
    result = double_coding.compare(double_coding.current(world.round_id))
    assert result.units == 3 and result.only_one == 0
    assert result.alpha == pytest.approx(_package_alpha(units))
    per_code = {c.id: a for c, a in result.per_code}
    assert per_code[world.budget.id] == pytest.approx(_package_alpha([[1, 1], [0, 0], [1, 0]]))
    assert per_code[world.coordination.id] == pytest.approx(_package_alpha([[1, 0], [0, 1], [0, 1]]))
    assert [(d.answer.id, d.code.id, d.first, d.second) for d in result.disagreements] == sorted([
        (world.first.id, world.coordination.id, [None], []),
        (world.second.id, world.coordination.id, [], ["provincias"]),
        (world.third.id, world.budget.id, [None], []),
        (world.third.id, world.coordination.id, [], [None])],
        key=lambda row: [e.answer.id for _i, es in round_queries.workspace(
            round_queries.round_detail(world.round_id)).items for e in es].index(row[0]))
    report = client.get(base).get_data(as_text=True)
    assert "«provincias»" in report and "0 of 4" in report

    def settle(answer, code_, decision):
        return client.post(f"{base}/settle", data={"answer": answer.id, "code": code_.id, "decision": decision})
    assert settle(world.second, world.coordination, "apply").status_code == 302
    assert settle(world.first, world.coordination, "omit").status_code == 302
    assert settle(world.third, world.budget, "apply").status_code == 302  # the first coder's, kept as it is
    assert settle(world.third, world.budget, "omit").status_code == 302  # changed their mind: the same row
    assert settle(world.first, world.budget, "apply").status_code == 400  # they agree there
    assert settle(world.third, world.coordination, "maybe").status_code == 400
    final = {(c.answer_id, c.code_id, c.fragment) for c in db.session.scalars(select(Coding))}
    assert (world.second.id, world.coordination.id, "provincias") in final
    assert not any(a == world.first.id and c == world.coordination.id for a, c, _f in final)
    assert not any(a == world.third.id and c == world.budget.id for a, c, _f in final)
    assert len(db.session.scalars(select(CodingSettlement)).all()) == 3
    summary = double_coding.double_coding_summary(world.round_id)
    assert summary["finished"] and summary["settled"] == 3 and summary["disagreements"] == 4
    assert summary["alpha"] == pytest.approx(result.alpha)  # settling changes the final coding, not the alpha
    assert summary["units"] == 3 and {p["code_id"] for p in summary["per_code"]} == {world.budget.id,
                                                                                   world.coordination.id}
    assert "3 of 4" in client.get(base).get_data(as_text=True)
    # The blind coder is blind no more.
    assert client.get(f"/committees/rounds/{world.round_id}/systemize").status_code == 200


def test_who_cannot_double_code(db, client, login_as, world, make_user):
    base = world.base
    login_as(world.facilitator)  # coded the answers: not blind
    refused = client.post(f"{base}/start")
    assert refused.status_code == 409 and "coded answers of this round yourself" in refused.get_data(as_text=True)
    for user, status in ((world.members[0], 403), (make_user("observer"), 404), (make_user("facilitator"), 404)):
        login_as(user)
        assert client.get(base).status_code == status
        assert client.post(f"{base}/start").status_code == status
        assert client.post(f"{base}/settle", data={"answer": world.first.id, "code": world.budget.id,
                                                   "decision": "apply"}).status_code == status
    login_as(world.other)
    assert client.post(f"{base}/answers/{world.first.id}/codings",
                       data={"code": world.budget.id}).status_code == 404  # nothing started
    assert client.post(f"{base}/start").status_code == 302
    assert client.post(f"{base}/start").status_code == 409  # one per round
    assert client.post(f"{base}/answers/{world.first.id}/codings", data={"code": 999999}).status_code == 404
    assert client.post(f"{base}/codings/999999/delete").status_code == 404
    assert client.post(f"{base}/answers/999999/not-codable").status_code == 404
    ranking = answers_to(db, world.ranking)[0]
    assert client.post(f"{base}/answers/{ranking.id}/codings", data={"code": world.budget.id}).status_code == 400
    assert client.post(f"{base}/settle", data={"answer": world.first.id, "code": world.budget.id,
                                               "decision": "apply"}).status_code == 409  # not finished


def test_marks_removals_discarding_and_the_published_round(db, client, login_as, world):
    from whitepaper.models import SecondCoding
    base = world.base
    login_as(world.other)
    client.post(f"{base}/start")
    assert client.post(f"{base}/answers/{world.second.id}/not-codable", data={"value": "1"}).status_code == 302
    assert "not codable" in client.get(base).get_data(as_text=True)
    client.post(f"{base}/answers/{world.second.id}/not-codable", data={"value": "1"})  # once is enough
    assert len(db.session.scalars(select(SecondCoding)).all()) == 1
    client.post(f"{base}/answers/{world.second.id}/codings", data={"code": world.budget.id})  # replaces the mark
    assert [r.code_id for r in db.session.scalars(select(SecondCoding))] == [world.budget.id]
    row = db.session.scalar(select(SecondCoding))
    assert client.post(f"{base}/codings/{row.id}/delete").status_code == 302
    client.post(f"{base}/answers/{world.third.id}/not-codable", data={"value": "1"})
    client.post(f"{base}/answers/{world.third.id}/not-codable", data={"value": "0"})
    assert db.session.scalars(select(SecondCoding)).all() == []
    # The other facilitator discards it; a new one can start.
    login_as(world.facilitator)
    assert client.post(f"{base}/discard").status_code == 302
    assert double_coding.current(world.round_id) is None and double_coding.double_coding_summary(world.round_id) is None
    assert client.post(f"{base}/discard").status_code == 404
    login_as(world.other)
    client.post(f"{base}/start")
    client.post(f"{base}/answers/{world.first.id}/codings", data={"code": world.budget.id})
    client.post(f"{base}/answers/{world.first.id}/codings", data={"code": world.coordination.id})
    client.post(f"{base}/finish")
    assert client.post(f"{base}/discard").status_code == 409
    result = double_coding.compare(double_coding.current(world.round_id))
    assert result.units == 1 and result.alpha is None  # one answer, both codes by both: nothing to expect
    assert result.disagreements == [] and [a for _c, a in result.per_code] == [None, None]
    assert "undefined" in client.get(base).get_data(as_text=True)
    # Publishing freezes everything.
    fac = world.facilitator
    round_ = round_queries.round_detail(world.round_id)
    for answer in answers_to(db, world.obstacles):
        round_codebook.mark_not_codable(fac, answer, round_)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    assert client.post(f"{base}/settle", data={"answer": world.first.id, "code": world.coordination.id,
                                               "decision": "apply"}).status_code == 409


def test_a_code_merged_after_the_comparison_counts_as_the_one_it_went_into(db, login_as, world):
    fac, other = world.facilitator, world.other
    round_ = round_queries.round_detail(world.round_id)
    work = double_coding.start(other, round_)
    double_coding.add_coding(other, work, world.first, world.coordination)
    double_coding.add_coding(other, work, world.third, world.coordination)
    double_coding.finish(other, work, round_.opened_at)
    before = double_coding.compare(work)
    assert {(d.answer.id, d.code.id) for d in before.disagreements} == {
        (world.first.id, world.budget.id), (world.third.id, world.budget.id), (world.third.id, world.coordination.id)}
    round_codebook.merge_codes(fac, world.coordination, world.budget)
    after = double_coding.compare(work)
    assert [c.id for c, _a in after.per_code] == [world.budget.id]
    assert after.disagreements == []  # both gave "budget" (or what became it) to the first and the third
    with pytest.raises(Exception) as refused:
        double_coding.add_coding(other, work, world.first, world.budget)
    assert getattr(refused.value, "status", None) == 409


def test_the_service_refuses_what_the_pages_never_send(db, committee, world, closed_round):
    from whitepaper.errors import DomainError
    other = world.other
    round_ = round_queries.round_detail(world.round_id)
    work = double_coding.start(other, round_)
    merged = round_codebook.add_code(world.facilitator, round_, label_es="Gasto")
    round_codebook.merge_codes(world.facilitator, merged, world.budget)
    closed = closed_round([[4, 5, 4]], status="closed")
    elsewhere = open_round(db, committee)
    foreign = round_codebook.add_code(elsewhere.facilitator, round_queries.round_detail(elsewhere.round_id),
                                      label_es="Ajeno")
    attempts = [
        (lambda: double_coding.add_coding(other, work, world.first, foreign), 400),
        (lambda: double_coding.add_coding(other, work, world.first, merged), 409),
        (lambda: double_coding.add_coding(other, work, world.first, world.budget, "x" * 2001), 400),
        (lambda: double_coding.start(closed.facilitator, closed.round), 400),
    ]
    for attempt, status in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.status == status
    db.session.rollback()


def test_a_code_gone_from_the_codebook_no_longer_counts(db, world):
    round_ = round_queries.round_detail(world.round_id)
    work = double_coding.start(world.other, round_)
    double_coding.add_coding(world.other, work, world.first, world.budget)
    double_coding.mark_not_codable(world.other, work, world.second)
    double_coding.mark_not_codable(world.other, work, world.third, False)  # nothing to take back
    double_coding.finish(world.other, work, round_.opened_at)
    work.first_snapshot = {**work.first_snapshot, str(world.first.id): [[world.budget.id, None], [999999, None]]}
    result = double_coding.compare(work)
    assert result.units == 2 and result.disagreements == []  # the second answer: not codable for both


def test_a_closed_round_has_no_double_coding_page(db, client, login_as, closed_round):
    closed = closed_round([[4, 5, 4]], status="closed")
    login_as(closed.facilitator)
    assert client.get(f"/committees/rounds/{closed.round.id}/double-coding").status_code == 404
