"""Real-time rounds (whitepaper/delphi/rounds/realtime.py): members who have answered a statement see the group's
stored aggregate, which moves only after the answers of at least 3 different members are new or changed; the
option is chosen before the round opens and is fixed after; only closed rounds, only agreement statements."""
from __future__ import annotations

import re
from collections import Counter

import pytest


from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi import stats
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import realtime
from whitepaper.models import AuditEvent, RealtimeSnapshot, Round

from .conftest import COUNTRIES


@pytest.fixture
def live_round(db, committee):
    """live_round(members=6, statements=2) -> the committee's namespace with a real-time closed round, open, with
    `statements` agreement statements (the first allows "don't know") and one ranking of the five dimensions."""

    def make(members: int = 6, statements: int = 2, ranking: bool = True, min_cell_size: int | None = None):
        world = committee("sectoral", [COUNTRIES[i % len(COUNTRIES)] for i in range(members)])
        fac = world.facilitator
        if min_cell_size is not None:
            delphi_committees.set_min_cell_size(fac, world.committee, min_cell_size)
        round_ = round_lifecycle.create_closed_round(fac, world.committee)
        realtime.set_realtime(fac, round_, True)
        for position in range(statements):
            round_items.add_agreement_item(fac, round_, {"es": f"Enunciado {position + 1}",
                                                      "en": f"Statement {position + 1}"})
        if ranking:
            round_items.add_ranking_item(fac, round_, {"es": "Orden", "en": "Order"}, dimensions=True)
        round_lifecycle.open_round(fac, round_)
        db.session.commit()
        world.round = round_queries.round_detail(round_.id)
        world.items = list(world.round.items)
        world.statements = [i for i in world.items if i.kind == "agreement"]
        return world
    return make


def answer(db, world, member_index: int, ratings, *, submit: bool = True) -> None:
    """Member `member_index` answers every statement (ratings[j] for statement j; None: "don't know") and
    ranks the dimensions in their order."""
    inputs = {}
    for item in world.items:
        if item.kind == "agreement":
            rating = ratings[world.statements.index(item)]
            inputs[item.id] = round_answers.AnswerInput(rating=rating, dont_know=rating is None)
        else:
            inputs[item.id] = round_answers.AnswerInput(ranking={k: n + 1 for n, k in enumerate(item.option_keys)})
    round_answers.save_response(world.members[member_index], db.session.get(Round, world.round.id), inputs,
                                submit=submit)
    db.session.commit()


def live_block(page: str, item_id: int) -> str | None:
    """The aggregate shown under one statement on the answer page (None: nothing shown), with the reader's own
    answer taken out of the chart (each reader sees their own marked): its heading, its statistics and the
    chart's text (every count and the median)."""
    match = re.search(rf'<div class="card realtime" id="live-{item_id}">(.*?)</fieldset>', page, re.S)
    if match is None:
        return None
    block = match.group(1)
    shown = re.findall(r"<p>.*?</p>|<p class=\"meta\">.*?</p>|<dl.*?</dl>", block, re.S)
    chart = re.search(r"<desc[^>]*>(.*?)</desc>", block, re.S)
    if chart is not None:
        shown.append(re.sub(r" your answer: [^.]*\.", "", chart.group(1)))
        shown.append("<svg")
    return "\n".join(shown)


def view(client, login_as, world, member_index: int) -> str:
    login_as(world.members[member_index])
    response = client.get(f"/committees/rounds/{world.round.id}/answer")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def snapshot_counts(db, item_id: int) -> dict[int, int]:
    snapshot = db.session.scalar(db.select(RealtimeSnapshot).where(RealtimeSnapshot.item_id == item_id))
    return {int(point): n for point, n in snapshot.distribution.items() if n}


def test_one_changed_answer_does_not_change_what_others_see_and_three_do(db, client, login_as, live_round):
    world = live_round()
    ratings = {0: 4, 1: 5, 2: 2, 3: 3}
    for member, rating in ratings.items():
        answer(db, world, member, [rating, 3])
    statement = world.statements[0].id
    first = view(client, login_as, world, 0)
    shown = live_block(first, statement)
    assert shown is not None and "based on the answers of 4 members" in shown
    assert snapshot_counts(db, statement) == dict(Counter(ratings.values()))
    # the same snapshot for every member who has answered
    assert live_block(view(client, login_as, world, 3), statement) == shown

    # one member changes, then changes again, then again: still one member, nobody sees a difference
    for rating in (1, 2, 3):
        answer(db, world, 1, [rating, 3])
        assert live_block(view(client, login_as, world, 0), statement) == shown
        assert live_block(view(client, login_as, world, 1), statement) == shown
    # a second member: still nothing moves
    answer(db, world, 2, [5, 3])
    assert live_block(view(client, login_as, world, 0), statement) == shown
    # a third member: the aggregate moves, for everybody, to the answers now given
    answer(db, world, 3, [5, 3])
    moved = live_block(view(client, login_as, world, 0), statement)
    assert moved != shown and "based on the answers of 4 members" in moved
    now = {0: 4, 1: 3, 2: 5, 3: 5}
    assert snapshot_counts(db, statement) == dict(Counter(now.values()))
    expected = stats.agreement_stats(list(now.values()))
    assert f"{float(expected.median):g}" in moved and live_block(view(client, login_as, world, 2), statement) == moved
    # the other statement had no change at all: its aggregate stayed where it was
    other = world.statements[1].id
    assert live_block(first, other) == live_block(view(client, login_as, world, 0), other)


def test_a_member_going_back_no_longer_counts(db, client, login_as, live_round):
    world = live_round(statements=1)
    for member, rating in enumerate((4, 4, 4)):
        answer(db, world, member, [rating])
    statement = world.statements[0].id
    shown = live_block(view(client, login_as, world, 0), statement)
    answer(db, world, 0, [1])
    answer(db, world, 0, [4])  # back to what the snapshot holds
    answer(db, world, 1, [2])
    answer(db, world, 3, [5])  # new: with member 1, two members differ from the snapshot
    assert live_block(view(client, login_as, world, 0), statement) == shown
    assert snapshot_counts(db, statement) == {4: 3}
    answer(db, world, 2, [3])
    assert live_block(view(client, login_as, world, 0), statement) != shown
    assert snapshot_counts(db, statement) == {4: 1, 2: 1, 3: 1, 5: 1}


def test_who_has_not_answered_sees_no_aggregate(db, client, login_as, live_round):
    world = live_round(statements=1)
    for member in range(3):
        answer(db, world, member, [5])
    answer(db, world, 3, [2], submit=False)  # a draft is not an answer: it neither counts nor shows
    statement = world.statements[0].id
    assert live_block(view(client, login_as, world, 0), statement) is not None
    for outsider in (3, 4):
        page = view(client, login_as, world, outsider)
        assert live_block(page, statement) is None and "The group now" not in page
        assert 'id="realtime-note"' in page  # they are told how the round works
    assert snapshot_counts(db, statement) == {5: 3}


def test_under_three_ratings_only_n_and_no_aggregate_before_the_first_batch(db, client, login_as, live_round):
    world = live_round(statements=2)
    answer(db, world, 0, [None, 4])
    answer(db, world, 1, [None, 5])
    first, second = (s.id for s in world.statements)
    page = view(client, login_as, world, 0)
    for statement in (first, second):  # two members only: no snapshot yet
        block = live_block(page, statement)
        assert "shown once at least 3 members have answered" in block and "<svg" not in block
    answer(db, world, 2, [3, 4])
    page = view(client, login_as, world, 2)
    small = live_block(page, first)  # three answers, two of them "don't know": one valid rating
    assert "n = 1." in small and "<svg" not in small and "Median" not in small
    assert "based on the answers of 3 members" in small
    enough = live_block(page, second)
    assert "<svg" in enough and "Median" in enough


def test_rankings_and_open_questions_get_no_aggregate(db, client, login_as, live_round, committee):
    world = live_round(statements=1)
    for member in range(4):
        answer(db, world, member, [4])
    page = view(client, login_as, world, 0)
    ranking = next(i for i in world.items if i.kind == "ranking")
    assert live_block(page, world.statements[0].id) is not None
    assert live_block(page, ranking.id) is None and page.count('class="card realtime"') == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(RealtimeSnapshot)) == 1
    # an open round cannot be real-time, whichever way it is asked
    other = committee("vision", COUNTRIES[:3])
    login_as(other.facilitator)
    response = client.post(f"/committees/{other.committee.id}/rounds",
                           data={"kind": "open", "scale": "5", "rule": "default", "realtime": "y"})
    assert response.status_code == 400
    assert "Only closed rounds can be real-time" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Round)
                             .where(Round.committee_id == other.committee.id)) == 0
    open_round = round_lifecycle.create_open_round(other.facilitator, other.committee)
    assert realtime.refresh(open_round) == 0  # not real-time: nothing to compute


def test_the_option_is_chosen_before_opening_and_fixed_after(db, client, login_as, committee):
    world = committee("national", COUNTRIES[:3])
    login_as(world.facilitator)
    response = client.post(f"/committees/{world.committee.id}/rounds",
                           data={"kind": "closed", "scale": "5", "rule": "default", "realtime": "y"})
    assert response.status_code == 302
    round_ = db.session.scalar(db.select(Round).where(Round.committee_id == world.committee.id))
    assert round_.realtime is True
    page = client.get(f"/committees/rounds/{round_.id}/").get_data(as_text=True)
    assert 'id="realtime-badge"' in page and 'name="realtime"' in page and "checked" in page
    settings = {"scale": "5", "rule": "default"}
    # while a draft, the facilitator may drop it and choose it again
    assert client.post(f"/committees/rounds/{round_.id}/settings", data=settings).status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, round_.id).realtime is False
    assert client.post(f"/committees/rounds/{round_.id}/settings",
                       data={**settings, "realtime": "y"}).status_code == 302
    actions = db.session.scalars(db.select(AuditEvent.after).where(AuditEvent.action == "delphi_round.realtime"))
    assert [a["realtime"] for a in actions] == [True, False, True]
    round_items.add_agreement_item(world.facilitator, db.session.get(Round, round_.id), {"es": "E", "en": "S"})
    round_lifecycle.open_round(world.facilitator, db.session.get(Round, round_.id))
    db.session.commit()
    # once open: the settings form keeps the option (hidden), and any change is refused with a clear message
    page = client.get(f"/committees/rounds/{round_.id}/").get_data(as_text=True)
    assert '<input type="hidden" name="realtime" value="y">' in page and 'id="realtime-badge"' in page
    refused = client.post(f"/committees/rounds/{round_.id}/settings", data=settings)
    assert refused.status_code == 400
    assert "can no longer be changed" in refused.get_data(as_text=True)
    assert client.post(f"/committees/rounds/{round_.id}/settings",
                       data={**settings, "realtime": "y", "closes_at": "2099-01-01T10:00"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Round, round_.id).realtime is True


def test_the_api_says_which_rounds_are_real_time_and_shows_no_live_aggregate(db, client, login_as, live_round):
    world = live_round(statements=1)
    for member in range(4):
        answer(db, world, member, [4])
    login_as(world.members[0])
    rounds = [r for c in client.get("/api/v1/committees").get_json()["committees"] for r in c["rounds"]]
    assert {r["id"]: r["realtime"] for r in rounds} == {world.round.id: True}
    # members read no results through the API while the round runs, real-time or not
    assert client.get(f"/api/v1/rounds/{world.round.id}/results").status_code == 403
    login_as(world.facilitator)
    body = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()
    assert body["realtime"] is True and body["items"][0]["n"] == 4


def test_a_larger_minimum_cell_size_makes_larger_batches(db, client, login_as, live_round):
    world = live_round(members=7, statements=1, ranking=False, min_cell_size=4)
    for member in range(3):
        answer(db, world, member, [2])
    statement = world.statements[0].id
    page = view(client, login_as, world, 0)
    assert "shown once at least 4 members have answered" in live_block(page, statement)
    answer(db, world, 3, [3])
    assert "based on the answers of 4 members" in live_block(view(client, login_as, world, 0), statement)
    for member in (4, 5, 6):
        answer(db, world, member, [5])
    assert "based on the answers of 4 members" in live_block(view(client, login_as, world, 0), statement)
    answer(db, world, 0, [5])
    assert "based on the answers of 7 members" in live_block(view(client, login_as, world, 0), statement)


def test_once_the_round_closes_nothing_is_shown_or_recomputed(db, client, login_as, live_round):
    world = live_round(statements=1, ranking=False)
    for member in range(3):
        answer(db, world, member, [4])
    round_lifecycle.close_round(world.facilitator, db.session.get(Round, world.round.id))
    db.session.commit()
    page = view(client, login_as, world, 0)
    assert live_block(page, world.statements[0].id) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(RealtimeSnapshot)) == 0


def test_a_round_that_is_not_real_time_shows_nothing(db, client, login_as, closed_round):
    world = closed_round([[4, 5, 3, 4]], status="open")
    page = view(client, login_as, world, 0)
    assert 'class="card realtime"' not in page and 'id="realtime-note"' not in page
    assert realtime.member_view(world.round, world.memberships[0]) == {}
    assert db.session.scalar(db.select(db.func.count()).select_from(RealtimeSnapshot)) == 0
