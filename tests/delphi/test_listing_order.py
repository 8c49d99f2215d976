"""Facilitators cannot link a pseudonym to a person through order or time (docs/methods.md §4): answers are
listed in each round's secret listing order, not in the order they were saved; the participation page gives the
day of submission, never the time; pseudonyms are drawn at random in each round."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics

from .conftest import COUNTRIES


def _answered_open_round(db, world):
    """An open round that every member answers, one after the other, then closed."""
    fac = world.facilitator
    round_ = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, round_)
    round_ = round_queries.round_detail(round_.id)
    good, obstacles, ranking = round_.items
    for index, member in enumerate(world.members):
        inputs = {good.id: round_answers.AnswerInput(text=f"Respuesta {index:02d}"),
                  obstacles.id: round_answers.AnswerInput(text=f"Obstáculo {index:02d}"),
                  ranking.id: round_answers.AnswerInput(ranking={k: n + 1 for n, k in enumerate(ranking.option_keys)},
                                                        comment="Porque sí.")}
        round_answers.save_response(member, round_, inputs, submit=True)
    round_lifecycle.close_round(fac, round_)
    db.session.commit()
    return round_, good


def test_facilitators_pages_and_exports_list_answers_in_a_stable_order_that_is_not_the_order_of_saving(
        db, client, login_as, committee):
    from whitepaper.models import Answer
    world = committee("sectoral", COUNTRIES)
    round_, good = _answered_open_round(db, world)
    saved = list(db.session.scalars(select(Answer.id).where(Answer.item_id == good.id).order_by(Answer.id)))
    assert len(saved) == 12
    login_as(world.facilitator)

    def listed_on_the_page() -> list[int]:
        page = client.get(f"/committees/rounds/{round_.id}/systemize").get_data(as_text=True)
        section = page.split(f'id="question-{good.id}"', 1)[1].split("</section>", 1)[0]
        return [int(i) for i in re.findall(r'<article class="open-answer[^"]*" id="answer-(\d+)"', section)]

    listed = listed_on_the_page()
    assert sorted(listed) == saved
    assert listed != saved                      # not the order of saving (chance 1 in 12!)
    assert listed == listed_on_the_page()       # the same at the next load
    assert listed == sorted(saved, key=lambda answer_id: round_statistics.listing_key(round_, answer_id))

    export = client.get(f"/committees/rounds/{round_.id}/export/answers.csv").get_data(as_text=True)
    texts = [row["text"] for row in csv.DictReader(io.StringIO(export.lstrip("\ufeff"))) if row["item"] == "1"]
    assert sorted(texts) == [f"Respuesta {i:02d}" for i in range(12)]
    assert texts != sorted(texts)               # members answered in the order of their number
    again = client.get(f"/committees/rounds/{round_.id}/export/answers.csv").get_data(as_text=True)
    assert again == export


def test_each_round_has_its_own_listing_secret(db, committee):
    world = committee("sectoral", COUNTRIES[:3])
    one = round_lifecycle.create_open_round(world.facilitator, world.committee)
    two = round_lifecycle.create_closed_round(world.facilitator, world.committee)
    db.session.commit()
    assert len(one.listing_secret) == 64 and one.listing_secret != two.listing_secret
    assert round_statistics.listing_key(one, 7) != round_statistics.listing_key(two, 7)


def test_participation_gives_the_day_of_submission_never_the_time(db, client, login_as, committee):
    world = committee("sectoral", COUNTRIES[:4])
    round_, _good = _answered_open_round(db, world)
    login_as(world.facilitator)
    page = client.get(f"/committees/rounds/{round_.id}/participation").get_data(as_text=True)
    table = page.split('id="participation"', 1)[1]
    assert table.count("Submitted") >= 4                   # every member's status is there
    assert not re.search(r"\b\d{1,2}:\d{2}\b", page), "a time of day on the participation page"
    rows = round_queries.participation(round_queries.round_detail(round_.id)).rows
    assert all(row.submitted_on is not None and not hasattr(row.submitted_on, "hour") for row in rows)


def _opened_round(db, world):
    round_ = round_lifecycle.create_closed_round(world.facilitator, world.committee)
    round_items.add_agreement_item(world.facilitator, round_, {"es": "Enunciado", "en": "Statement"})
    round_lifecycle.open_round(world.facilitator, round_)
    db.session.commit()
    return round_


def _labels_in_membership_order(db, round_) -> list[str]:
    from whitepaper.models.delphi import Pseudonym
    return [p.label for p in db.session.scalars(select(Pseudonym).where(Pseudonym.round_id == round_.id)
                                                .order_by(Pseudonym.membership_id))]


def test_pseudonyms_are_drawn_at_random_in_every_round(db, committee):
    world = committee("sectoral", COUNTRIES)
    drawn = []
    for _ in range(3):
        drawn.append(_labels_in_membership_order(db, _opened_round(db, world)))
    in_order = [f"P-{n:02d}" for n in range(1, 13)]
    assert all(sorted(labels) == in_order for labels in drawn)
    assert all(labels != in_order for labels in drawn)      # each not in membership order (chance 1 in 12!)
    assert len({tuple(labels) for labels in drawn}) == 3     # and different from round to round


def test_pseudonyms_come_from_the_systems_random_source(db, committee, monkeypatch):
    """The draw is the operating system's (random.SystemRandom): replaced here by a stub that reverses."""
    calls = []

    class Reverse:
        def shuffle(self, values):
            calls.append(len(values))
            values.reverse()

    monkeypatch.setattr(round_lifecycle.random, "SystemRandom", Reverse)
    world = committee("sectoral", COUNTRIES[:5])
    round_ = _opened_round(db, world)
    assert calls == [5]
    assert _labels_in_membership_order(db, round_) == ["P-05", "P-04", "P-03", "P-02", "P-01"]
