"""Pages load in a number of queries that does not grow with the round (no N+1)."""
from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("page", ["results", "feedback", "answer", "", "participation"])
def test_round_pages_run_the_same_queries_for_one_item_or_many(db, client, login_as, closed_round, count_queries,
                                                              page):
    counts = []
    for model, ratings in (("sectoral", [[4, 5, 3, 4]]), ("vision", [[4, 5, 3, 4]] * 6)):
        world = closed_round(ratings, comments={(0, 1): "Uno", (0, 2): "Dos"}, model=model)
        reader = world.members[0] if page in ("feedback", "answer") else world.facilitator
        login_as(reader)
        url = f"/committees/rounds/{world.round.id}/{page}"
        assert client.get(url).status_code == 200
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.n)
    assert counts[0] == counts[1] <= 25


def test_the_committee_pages_run_a_constant_number_of_queries(db, client, login_as, closed_round, count_queries):
    world = closed_round([[4, 5, 3, 4]])
    login_as(world.facilitator)
    for url in ("/committees/", f"/committees/{world.committee.id}/", "/api/v1/committees"):
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        assert counter.n <= 15, url


def test_round_pages_do_not_load_every_members_roles(db, client, login_as, closed_round, count_queries):
    world = closed_round([[4, 5, 3, 4]] * 2)
    for reader, page in ((world.members[0], "feedback"), (world.members[0], "answer"), (world.facilitator, "results"),
                         (world.facilitator, "")):
        login_as(reader)
        url = f"/committees/rounds/{world.round.id}/{page}"
        assert client.get(url).status_code == 200
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        roles = [s for s in counter.statements if re.search(r"\bFROM user_roles\b", s)]
        assert roles == [], (url, roles)
