"""Each consensus rule and each of its outcomes, read through GET /api/v1/rounds/<id>/results."""
from __future__ import annotations

import pytest

from whitepaper.delphi.rounds import lifecycle as round_lifecycle


def _outcomes(client, login_as, world):
    login_as(world.members[0])
    body = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()
    return body, [(item["consensus"], item["consensus_outcome"]) for item in body["items"]]


def test_default_rule_needs_75_percent_agreement_and_an_iqr_of_at_most_1(client, login_as, closed_round):
    world = closed_round([
        [4, 4, 4, 5],        # pa 100, iqr 0.25: in
        [2, 4, 4, 5],        # pa 75, iqr 0.25 (q1 3.5, q3 4.25): in, at the threshold
        [1, 2, 4, 5],        # pa 50: none
        [3, 4, 5, 5],        # pa 75 but iqr 1.25 (q1 3.75, q3 5): none
    ])
    body, outcomes = _outcomes(client, login_as, world)
    assert body["rule"] == "default" and body["scale"] == 5
    assert outcomes == [(True, "in"), (True, "in"), (False, "none"), (False, "none")]
    assert body["items"][3]["iqr"] == 1.25


def test_70_15_rule_gives_in_out_and_none(client, login_as, closed_round):
    world = closed_round([
        [7, 8, 9, 9, 8, 7, 7, 9, 8, 5],     # 90 % at 7–9, none at 1–3: in
        [1, 2, 3, 2, 1, 3, 2, 8, 5, 5],     # 70 % at 1–3, 10 % at 7–9: out
        [7, 8, 9, 9, 8, 7, 7, 1, 2, 5],     # 70 % at 7–9 but 20 % at 1–3: none
    ], scale=9, rule="70_15")
    body, outcomes = _outcomes(client, login_as, world)
    assert body["rule"] == "70_15" and body["scale"] == 9
    assert outcomes == [(True, "in"), (True, "out"), (False, "none")]
    assert body["items"][2]["percent_7_9"] == 70.0 and body["items"][2]["percent_1_3"] == 20.0


def test_rand_ucla_rule_gives_appropriate_inappropriate_and_uncertain(client, login_as, closed_round):
    world = closed_round([
        [7, 8, 8, 9, 9, 8],     # median 8, no disagreement: appropriate
        [1, 2, 2, 3, 1, 2],     # median 2: inappropriate
        [1, 1, 9, 9, 9, 1],     # median 5: uncertain (and disagreement)
        [1, 1, 1, 9, 9, 9],     # ipr 8 > ipras: disagreement, uncertain
    ], scale=9, rule="rand_ucla")
    body, outcomes = _outcomes(client, login_as, world)
    assert outcomes == [(True, "appropriate"), (True, "inappropriate"), (False, "uncertain"), (False, "uncertain")]
    detail = body["items"][3]["rand_ucla"]
    assert detail["disagreement"] is True and detail["ipr"] > detail["ipras"]


def test_a_round_with_its_own_agreement_band(client, login_as, closed_round):
    world = closed_round([[3, 3, 4, 4]], band=(3, 5))  # with the default band 4–5: 50 %
    body, outcomes = _outcomes(client, login_as, world)
    assert body["band"] == [3, 5]
    assert body["items"][0]["percent_agreement"] == 100.0 and outcomes == [(True, "in")]


@pytest.mark.parametrize("rule,scale", [("70_15", 5), ("rand_ucla", 5), ("default", 9)])
def test_a_rule_is_refused_on_the_wrong_scale(committee, rule, scale):
    from whitepaper.errors import InvalidInput
    world = committee()
    with pytest.raises(InvalidInput):
        round_lifecycle.create_closed_round(world.facilitator, world.committee, scale=scale, rule=rule)
