"""The codebook's refusals and edge cases, at the service level: what may be coded and when, labels, merges,
splits, fragments, repeated codings and the not-codable mark (the page-level journey is in test_systemize.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.errors import Conflict, InvalidInput, InvalidTransition
from whitepaper.models import Answer, Coding, UncodableMark

from .test_systemize import open_world  # noqa: F401  (the fixture: an answered, closed open round)


@pytest.fixture(autouse=True)
def english(app):
    from flask_babel import force_locale
    with app.test_request_context(), force_locale("en"):
        yield


def _round(world):
    return round_codebook.db.session.get(round_codebook.Round, world.round_id)


def _answers(db, item_id):
    return list(db.session.scalars(select(Answer).where(Answer.item_id == item_id).order_by(Answer.id)))


def test_only_open_rounds_before_publication_are_coded(db, open_world, closed_round):
    fac = open_world.facilitator
    closed = closed_round([[4, 5]], status="closed")
    with pytest.raises(InvalidInput, match="open rounds"):
        round_codebook.add_code(closed.facilitator, closed.round, label_es="Presupuesto")
    round_ = _round(open_world)
    code = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    for item_id in (open_world.good, open_world.obstacles):
        for answer in _answers(db, item_id):
            round_codebook.mark_not_codable(fac, answer, round_)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="before its feedback is published"):
        round_codebook.edit_code(fac, code, label_es="Gasto")


def test_a_code_needs_a_label_in_one_language_and_an_unchanged_edit_leaves_no_trail(db, open_world):
    from whitepaper.models import AuditEvent
    fac, round_ = open_world.facilitator, _round(open_world)
    with pytest.raises(InvalidInput, match="label"):
        round_codebook.add_code(fac, round_, label_es="  ", label_en="")
    code = round_codebook.add_code(fac, round_, label_es="Presupuesto", definition_es="Plan y gasto")
    with pytest.raises(InvalidInput, match="label"):
        round_codebook.edit_code(fac, code, label_es="", label_en=" ")
    edits = lambda: db.session.scalar(select(func.count()).select_from(AuditEvent)  # noqa: E731
                                      .where(AuditEvent.action == "delphi_code.edit"))
    round_codebook.edit_code(fac, code, label_es="Presupuesto", definition_es="Plan y gasto")
    assert edits() == 0
    round_codebook.edit_code(fac, code, label_es="Presupuesto", label_en="Budget", definition_es="Plan y gasto")
    assert edits() == 1 and code.label == {"es": "Presupuesto", "en": "Budget"}


def test_merging_refuses_itself_and_merged_codes_and_drops_repeated_codings(db, open_world):
    fac, round_ = open_world.facilitator, _round(open_world)
    first, second, *_ = _answers(db, open_world.good)
    budget = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    money = round_codebook.add_code(fac, round_, label_es="Dinero")
    spare = round_codebook.add_code(fac, round_, label_es="Otro")
    with pytest.raises(InvalidInput, match="another code"):
        round_codebook.merge_codes(fac, budget, budget)
    round_codebook.assign_code(fac, first, budget)
    round_codebook.assign_code(fac, first, money)       # the same whole answer under both codes
    round_codebook.assign_code(fac, second, money)
    round_codebook.merge_codes(fac, money, budget)
    db.session.commit()
    codings = db.session.scalars(select(Coding).where(Coding.code_id == budget.id)).all()
    assert sorted(c.answer_id for c in codings) == sorted([first.id, second.id])     # first once, not twice
    assert db.session.scalars(select(Coding).where(Coding.code_id == money.id)).all() == []
    with pytest.raises(Conflict, match="already been merged"):
        round_codebook.merge_codes(fac, money, spare)
    with pytest.raises(Conflict, match="merged into another"):
        round_codebook.assign_code(fac, second, money)


def test_a_split_takes_only_codings_of_the_code_being_split(db, open_world):
    fac, round_ = open_world.facilitator, _round(open_world)
    first, second, *_ = _answers(db, open_world.good)
    budget = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    other = round_codebook.add_code(fac, round_, label_es="Otro")
    mine = round_codebook.assign_code(fac, first, budget)
    foreign = round_codebook.assign_code(fac, second, other)
    db.session.commit()
    with pytest.raises(InvalidInput, match="codings of the code being split"):
        round_codebook.split_code(fac, budget, label_es="Plurianual", coding_ids=[mine.id, foreign.id])
    db.session.rollback()
    new = round_codebook.split_code(fac, budget, label_es="Plurianual", coding_ids=[mine.id])
    assert new.split_from_id == budget.id and db.session.get(Coding, mine.id).code_id == new.id


def test_fragments_must_be_copied_exactly_and_short_and_a_whole_text_fragment_is_the_whole_answer(db, open_world):
    fac, round_ = open_world.facilitator, _round(open_world)
    first = _answers(db, open_world.good)[0]
    code = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    with pytest.raises(InvalidInput, match="copied exactly"):
        round_codebook.assign_code(fac, first, code, fragment="presupuesto anual")
    with pytest.raises(InvalidInput, match="at most"):
        round_codebook.assign_code(fac, first, code, fragment="x" * (round_codebook.MAX_FRAGMENT + 1))
    whole = round_codebook.assign_code(fac, first, code, fragment=f"  {first.text}  ")
    assert whole.fragment is None
    again = round_codebook.assign_code(fac, first, code)            # the same coding twice is one coding
    assert again.id == whole.id
    part = round_codebook.assign_code(fac, first, code, fragment="presupuesto plurianual")
    assert round_codebook.assign_code(fac, first, code, fragment="presupuesto plurianual").id == part.id
    assert db.session.scalar(select(func.count()).select_from(Coding).where(Coding.answer_id == first.id)) == 2


def test_only_submitted_open_answers_of_the_round_are_codable(db, open_world, closed_round):
    fac, round_ = open_world.facilitator, _round(open_world)
    code = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    closed = closed_round([[4, 5]], status="closed")
    rating = _answers(db, closed.items[0].id)[0]          # a rating, in another round
    with pytest.raises(InvalidInput, match="open questions of this round"):
        round_codebook.assign_code(fac, rating, code)
    with pytest.raises(InvalidInput, match="open questions of this round"):
        round_codebook.mark_not_codable(fac, rating, round_)


def test_not_codable_needs_no_codes_is_idempotent_and_a_coding_lifts_it(db, open_world):
    fac, round_ = open_world.facilitator, _round(open_world)
    first, second, *_ = _answers(db, open_world.good)
    code = round_codebook.add_code(fac, round_, label_es="Presupuesto")
    coding = round_codebook.assign_code(fac, first, code)
    with pytest.raises(Conflict, match="remove them"):
        round_codebook.mark_not_codable(fac, first, round_)
    round_codebook.remove_coding(fac, coding)
    round_codebook.mark_not_codable(fac, first, round_)
    round_codebook.mark_not_codable(fac, first, round_)              # twice is once
    assert db.session.scalar(select(func.count()).select_from(UncodableMark)) == 1
    round_codebook.assign_code(fac, first, code)                     # coding it lifts the mark
    assert db.session.get(UncodableMark, first.id) is None
    round_codebook.mark_not_codable(fac, second, round_)
    round_codebook.mark_not_codable(fac, second, round_, not_codable=False)
    round_codebook.mark_not_codable(fac, second, round_, not_codable=False)   # lifting twice changes nothing
    assert db.session.get(UncodableMark, second.id) is None
