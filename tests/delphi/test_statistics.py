"""A round's results (round_statistics.round_results, the API and the CSV) against independent computations with numpy,
and the hand-worked edge cases of docs/methods.md §3."""
from __future__ import annotations

import csv
import io
import math
import random

import numpy as np
import pytest

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics

DESIGN_EXAMPLE = [2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]


def _api_items(client, login_as, user, round_id):
    login_as(user)
    response = client.get(f"/api/v1/rounds/{round_id}/results")
    assert response.status_code == 200
    return response.get_json()


def test_design_example_comes_out_of_the_api_as_published(client, login_as, closed_round):
    world = closed_round([DESIGN_EXAMPLE])
    body = _api_items(client, login_as, world.members[0], world.round.id)
    assert body["scale"] == 5 and body["rule"] == "default"
    item = body["items"][0]
    assert item["kind"] == "agreement" and item["n"] == 12
    assert item["median"] == 4.0 and item["q1"] == 3.75 and item["q3"] == 5.0 and item["iqr"] == 1.25
    assert item["mean"] == pytest.approx(49 / 12, abs=1e-15)
    assert round(item["sd"], 4) == 0.9962 and round(item["cv"], 4) == 0.2440
    assert item["percent_agreement"] == 75.0
    assert item["consensus"] is False and item["consensus_outcome"] == "none"
    assert item["distribution"] == {"1": 0, "2": 1, "3": 2, "4": 4, "5": 5}
    assert isinstance(item["mean"], float) and item["mean"] != round(item["mean"], 4)  # unrounded


@pytest.mark.parametrize("seed", [1, 2])
def test_random_rounds_match_numpy(db, closed_round, seed):
    rng = random.Random(seed)
    members = 9
    ratings = [[rng.choice([1, 2, 3, 4, 5, None]) for _ in range(members)] for _ in range(6)]
    ratings.append([rng.randint(1, 5) for _ in range(members)])
    world = closed_round(ratings)
    results = round_statistics.round_results(world.round)
    for entry, given in zip(results.items, ratings):
        valid = np.array([r for r in given if r is not None], dtype=float)
        a = entry.agreement
        assert a.n == len(valid)
        if len(valid) == 0:
            assert a.median is None and a.sd is None and a.percent_agreement is None
            continue
        assert float(a.median) == pytest.approx(np.percentile(valid, 50, method="linear"))
        assert float(a.q1) == pytest.approx(np.percentile(valid, 25, method="linear"))
        assert float(a.q3) == pytest.approx(np.percentile(valid, 75, method="linear"))
        assert float(a.mean) == pytest.approx(valid.mean())
        if len(valid) > 1:
            assert a.sd == pytest.approx(valid.std(ddof=1))
            if valid.mean():
                assert a.cv == pytest.approx(valid.std(ddof=1) / valid.mean())
        else:
            assert a.sd is None and a.cv is None
        assert float(a.percent_agreement) == pytest.approx(100 * np.mean(valid >= 4))
        assert a.distribution == {p: int(np.sum(valid == p)) for p in range(1, 6)}


def test_edge_cases_n0_n1_n2_all_equal_and_dont_know(client, login_as, closed_round):
    world = closed_round([[None, None, None], [4, None, None], [2, 5, None], [3, 3, 3], [5, None, 5]])
    body = _api_items(client, login_as, world.facilitator, world.round.id)
    n0, n1, n2, same, dk = body["items"]
    assert n0["n"] == 0 and n0["median"] is None and n0["sd"] is None and n0["cv"] is None
    assert n0["percent_agreement"] is None and n0["consensus"] is False and n0["consensus_outcome"] == "none"
    assert n1["n"] == 1 and n1["median"] == 4.0 and n1["iqr"] == 0.0 and n1["sd"] is None and n1["cv"] is None
    assert n2["n"] == 2 and n2["median"] == 3.5 and n2["q1"] == 2.75 and n2["q3"] == 4.25
    assert n2["sd"] == pytest.approx(math.sqrt(4.5))
    assert same["sd"] == 0.0 and same["cv"] == 0.0 and same["iqr"] == 0.0 and same["percent_agreement"] == 0.0
    assert dk["n"] == 2 and dk["distribution"]["5"] == 2  # "don't know" is excluded, not a zero


def test_a_median_of_6_5_is_uncertain_under_rand_ucla(client, login_as, closed_round):
    world = closed_round([[6, 6, 7, 7, None, None], [7, 8, 8, 9, 9, 9]], scale=9, rule="rand_ucla")
    body = _api_items(client, login_as, world.facilitator, world.round.id)
    half, high = body["items"]
    assert half["median"] == 6.5
    assert half["rand_ucla"]["disagreement"] is False
    assert half["consensus_outcome"] == "uncertain" and half["consensus"] is False
    assert high["consensus_outcome"] == "appropriate" and high["consensus"] is True


def test_results_csv_carries_the_same_unrounded_numbers(client, login_as, closed_round):
    world = closed_round([DESIGN_EXAMPLE])
    login_as(world.facilitator)
    response = client.get(f"/committees/rounds/{world.round.id}/export/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert float(rows[0]["q1"]) == 3.75 and float(rows[0]["percent_agreement"]) == 75.0
    assert float(rows[0]["sd"]) == pytest.approx(0.99620491989)
    assert rows[0]["consensus_outcome"] == "none" and rows[0]["count_5"] == "5"


def test_kendalls_w_with_ties_for_a_ranking_item(db, client, login_as, committee):
    world = committee("sectoral", ("CHL", "ARG", "MEX"))
    fac = world.facilitator
    round_ = round_lifecycle.create_closed_round(fac, world.committee)
    item = round_items.add_ranking_item(fac, round_, {"es": "Ordene", "en": "Rank"}, dimensions=True)
    round_lifecycle.open_round(fac, round_)
    db.session.commit()
    keys = item.option_keys
    rankings = [[1, 2, 3, 4, 5], [1, 3, 2, 4, 5], [2, 2, 1, 4, 4]]  # ties in the third
    for member, ranks in zip(world.members, rankings):
        round_answers.save_response(member, round_, {item.id: round_answers.AnswerInput(ranking=dict(zip(keys, ranks)))},
                               submit=True)
    round_lifecycle.close_round(fac, round_)
    round_lifecycle.publish_round(fac, round_)
    db.session.commit()
    # Independent computation: mid-ranks, rank sums, ties correction.
    mids = [[1, 2, 3, 4, 5], [1, 3, 2, 4, 5], [2.5, 2.5, 1, 4.5, 4.5]]
    r, c = 3, 5
    sums = np.sum(np.array(mids), axis=0)
    s = float(np.sum((sums - r * (c + 1) / 2) ** 2))
    ties = (2 ** 3 - 2) * 2
    expected_w = 12 * s / (r * r * (c ** 3 - c) - r * ties)
    body = _api_items(client, login_as, world.members[0], round_.id)
    entry = body["items"][0]
    assert entry["kind"] == "ranking" and entry["r"] == 3
    assert entry["w"] == pytest.approx(expected_w)
    assert entry["mean_ranks"][keys[0]] == pytest.approx(sums[0] / 3)
    assert round_statistics.round_results(round_queries.round_detail(round_.id)).items[0].ranking.ties == ties
