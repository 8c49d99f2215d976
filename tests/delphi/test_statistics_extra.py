"""The coefficient of variation in percent, Surveylet's group stability (100 − CV), Cohen's weighted kappa between
rounds and the iqr1_sd15 consensus rule (docs/methods.md §3.3, §3.5, §3.7), against independent computations
with numpy and scipy, hand-worked cases, and through the round's results, API, pages and CSV."""
from __future__ import annotations

import csv
import io
import math
import random
import re
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats as scipy_stats

from whitepaper.delphi import stats
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics


def numpy_weighted_kappa(first, second) -> float:
    """Cohen's kappa with quadratic weights from its textbook definition: the confusion matrix over the categories
    seen, the weights (i − j)² / (k − 1)², chance from the outer product of the margins. NaN when undefined."""
    labels = sorted(set(first) | set(second))
    k = len(labels)
    index = {label: i for i, label in enumerate(labels)}
    observed = np.zeros((k, k))
    for x, y in zip(first, second):
        observed[index[x], index[y]] += 1
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    grid = np.array(labels, dtype=float)
    weights = (grid[:, None] - grid[None, :]) ** 2
    if k > 1:
        weights = weights / (grid[-1] - grid[0]) ** 2
    denominator = (weights * expected).sum()
    if denominator == 0:
        return math.nan
    return 1 - (weights * observed).sum() / denominator


# --- CV in percent and 100 − CV --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_cv_percent_and_group_stability_match_scipy_on_random_ratings(seed):
    rng = random.Random(seed)
    for _ in range(60):
        scale = rng.choice([5, 9])
        rule = "default" if scale == 5 else "70_15"
        ratings = [rng.randint(1, scale) for _ in range(rng.randint(2, 40))]
        result = stats.agreement_stats(ratings, scale, rule)
        values = np.array(ratings, dtype=float)
        expected = 100 * scipy_stats.variation(values, ddof=1)
        assert result.cv_percent == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert result.cv_percent == pytest.approx(100 * values.std(ddof=1) / values.mean(), rel=1e-12, abs=1e-12)
        assert result.cv_stability == pytest.approx(100 - expected, rel=1e-12, abs=1e-11)
        assert result.cv == pytest.approx(expected / 100, rel=1e-12, abs=1e-14)  # the ratio keeps its meaning


@pytest.mark.parametrize("ratings, cv_percent", [
    ([1, 3], 100 / math.sqrt(2)),  # mean 2, variance 2
    ([2, 4], 100 * math.sqrt(2) / 3),  # mean 3, variance 2
    ([4, 4, 5, 5], 100 * math.sqrt(1 / 3) / 4.5),  # mean 9/2, variance 1/3
    ([3, 3, 3], 0.0),
])
def test_cv_percent_by_hand(ratings, cv_percent):
    result = stats.agreement_stats(ratings)
    assert result.cv_percent == pytest.approx(cv_percent, rel=1e-14)
    assert result.cv_stability == pytest.approx(100 - cv_percent, rel=1e-14)
    assert result.variance == Fraction(np.var(ratings, ddof=1)).limit_denominator(1000)


def test_cv_percent_and_stability_are_undefined_with_fewer_than_two_ratings():
    for ratings in ([], [4], [None, 5]):
        result = stats.agreement_stats(ratings)
        assert result.cv_percent is None and result.cv_stability is None and result.variance is None
    assert stats.cv_percent(Fraction(1), Fraction(0)) is None


# --- Cohen's weighted kappa --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [5, 17, 41])
def test_weighted_kappa_matches_the_textbook_definition_on_random_pairs(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(80):
        scale = rng.choice([5, 9])
        n = rng.randint(2, 25)
        first = [rng.randint(1, scale) for _ in range(n)]
        # the second round drifts a little from the first, as Delphi rounds do
        second = [min(scale, max(1, x + rng.choice([-2, -1, 0, 0, 0, 1, 2]))) for x in first]
        kappa = stats.weighted_kappa(first, second)
        expected = numpy_weighted_kappa(first, second)
        if math.isnan(expected):
            assert kappa is None
            continue
        assert isinstance(kappa, Fraction)
        assert float(kappa) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        checked += 1
    assert checked > 70


@pytest.mark.parametrize("first, second, kappa", [
    ([1, 2, 3], [1, 2, 3], Fraction(1)),  # the same ratings: perfect agreement
    ([1, 2, 3], [3, 2, 1], Fraction(-1)),  # observed 8; 3·14 + 3·14 − 2·6·6 = 12; 1 − 3·8/12
    # observed 1; n·Σx² + n·Σy² − 2·Σx·Σy = 328 + 364 − 684 = 8; 1 − 4·1/8
    ([4, 4, 5, 5], [4, 5, 5, 5], Fraction(1, 2)),
    ([4, 4], [5, 5], Fraction(0)),  # everyone moved by one: no agreement beyond chance
])
def test_weighted_kappa_by_hand(first, second, kappa):
    assert stats.weighted_kappa(first, second) == kappa
    assert float(kappa) == pytest.approx(numpy_weighted_kappa(first, second))


def test_weighted_kappa_is_undefined_for_one_member_or_no_variance():
    assert stats.weighted_kappa([], []) is None
    assert stats.weighted_kappa([3], [5]) is None  # fewer than two members in both rounds
    assert stats.weighted_kappa([4, 4, 4], [4, 4, 4]) is None  # every rating the same in both rounds
    assert math.isnan(numpy_weighted_kappa([4, 4, 4], [4, 4, 4]))
    with pytest.raises(ValueError):
        stats.weighted_kappa([1, 2], [1])


def test_stability_carries_the_kappa_over_the_members_who_answered_both_rounds():
    previous = {"a": 1, "b": 2, "c": 3, "d": None, "e": 5}
    current = {"a": 3, "b": 2, "c": 1, "d": 4, "f": 2}  # d and e answered only one round; f only the second
    result = stats.stability(previous, current)
    assert result.n_both == 3 and result.kappa == Fraction(-1)
    assert stats.stability({"a": 4}, {"a": 4}).kappa is None
    assert stats.stability({}, {"a": 4}).kappa is None


# --- the iqr1_sd15 rule ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ratings, iqr, variance, outcome", [
    ([1, 1, 1, 5], Fraction(1), Fraction(4), "in"),  # IQR exactly 1 (sd 2): in by the IQR
    ([1, 1, 3, 4], Fraction(9, 4), Fraction(9, 4), "in"),  # SD exactly 1.5 (IQR 2.25): in by the SD
    ([1, 1, 2, 4, 4], Fraction(3), Fraction(23, 10), "none"),  # sd just above 1.5, IQR 3
    ([1] * 8 + [2, 3, 5, 5], Fraction(5, 4), Fraction(323, 132), "none"),  # IQR just above 1, sd above 1.5
    ([4], Fraction(0), None, "in"),  # one rating: no sd, the IQR (0) decides
])
def test_iqr1_sd15_on_its_boundaries(ratings, iqr, variance, outcome):
    result = stats.agreement_stats(ratings, 5, "iqr1_sd15")
    assert result.iqr == iqr and result.variance == variance
    values = np.array(ratings, dtype=float)
    q1, q3 = np.percentile(values, [25, 75], method="linear")
    assert float(iqr) == pytest.approx(q3 - q1)
    if variance is not None:
        assert float(variance) == pytest.approx(values.var(ddof=1))
    assert result.consensus_outcome == outcome and result.consensus is (outcome == "in")


def test_iqr1_sd15_belongs_to_the_five_point_scale():
    with pytest.raises(ValueError, match="needs a 5-point scale"):
        stats.agreement_stats([5], 9, "iqr1_sd15")
    assert stats.agreement_stats([], 5, "iqr1_sd15").consensus_outcome == "none"


# --- through a round: results, API, pages, CSV -----------------------------------------------------------------


def test_a_round_with_the_iqr1_sd15_rule_reports_its_consensus(db, client, login_as, closed_round):
    world = closed_round([[1, 1, 1, 5, None], [1, 1, 2, 4, 4]], rule="iqr1_sd15")
    assert world.round.rule == "iqr1_sd15"
    login_as(world.members[0])
    body = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()
    first, second = body["items"]
    assert body["rule"] == "iqr1_sd15"
    assert first["consensus"] is True and first["consensus_outcome"] == "in"
    assert second["consensus"] is False and second["consensus_outcome"] == "none"
    login_as(world.facilitator)
    page = client.get(f"/committees/rounds/{world.round.id}/results").get_data(as_text=True)
    assert "IQR ≤ 1 or SD ≤ 1.5" in page


def test_api_pages_and_csv_give_cv_in_percent_beside_the_ratio(db, client, login_as, closed_round):
    ratings = [2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5]
    world = closed_round([ratings])
    values = np.array(ratings, dtype=float)
    expected = 100 * scipy_stats.variation(values, ddof=1)
    login_as(world.members[0])
    item = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()["items"][0]
    assert item["cv"] == pytest.approx(expected / 100) and item["cv"] < 1
    assert item["cv_percent"] == pytest.approx(expected) and item["cv_stability"] == pytest.approx(100 - expected)
    login_as(world.facilitator)
    page = client.get(f"/committees/rounds/{world.round.id}/results").get_data(as_text=True)
    assert f"{expected:.1f} %" in page and f"{100 - expected:.1f} %" in page  # 24.4 % and 75.6 %
    response = client.get(f"/committees/rounds/{world.round.id}/export/results.csv")
    row = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[0]
    assert float(row["cv"]) == pytest.approx(expected / 100)
    assert float(row["cv_percent"]) == pytest.approx(expected)
    assert float(row["cv_stability"]) == pytest.approx(100 - expected)
    assert row["stability_kappa"] == ""  # not a carried item


def test_an_undefined_cv_is_null_in_the_api_and_a_dash_on_the_page(db, client, login_as, closed_round):
    world = closed_round([[4]])
    login_as(world.facilitator)
    item = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()["items"][0]
    assert item["cv_percent"] is None and item["cv_stability"] is None
    page = client.get(f"/committees/rounds/{world.round.id}/results").get_data(as_text=True)
    assert "Group stability (100 − CV)</dt><dd>—</dd>" in page


def test_a_carried_item_reports_the_weighted_kappa_between_the_rounds(db, client, login_as, closed_round):
    before = [1, 3, 5, 5, 2]
    after = [1, 4, 4, 5, 2]
    world = closed_round([before], countries=["CHL", "ARG", "COL", "MEX", "CRI"])
    fac = world.facilitator
    second = round_lifecycle.create_closed_round(fac, world.committee)
    carried = round_items.carry_over(fac, second, world.round, [world.items[0].id])
    round_lifecycle.open_round(fac, second)
    db.session.commit()
    for member, rating in zip(world.members, after):
        round_answers.save_response(member, second, {carried[0].id: round_answers.AnswerInput(rating=rating)},
                                    submit=True)
    db.session.commit()
    expected = numpy_weighted_kappa(before, after)
    entry = round_statistics.round_results(round_queries.round_detail(second.id)).items[0]
    assert entry.stability.n_both == 5 and float(entry.stability.kappa) == pytest.approx(expected)
    assert entry.stability.kappa == stats.weighted_kappa(before, after)
    login_as(fac)
    stability = client.get(f"/api/v1/rounds/{second.id}/results").get_json()["items"][0]["stability"]
    assert stability["kappa"] == pytest.approx(expected)
    page = client.get(f"/committees/rounds/{second.id}/results").get_data(as_text=True)
    assert "Weighted kappa between the two rounds" in page and f"{expected:.2f}" in page
    response = client.get(f"/committees/rounds/{second.id}/export/results.csv")
    row = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[0]
    assert float(row["stability_kappa"]) == pytest.approx(expected)


def test_a_round_refuses_the_iqr1_sd15_rule_on_nine_points_and_offers_it_on_five(db, client, login_as, committee):
    from whitepaper.models import Round
    world = committee()
    login_as(world.facilitator)
    url = f"/committees/{world.committee.id}/rounds"
    refused = client.post(url, data={"kind": "closed", "scale": "9", "rule": "iqr1_sd15"})
    assert refused.status_code == 400
    assert "The IQR ≤ 1 or SD ≤ 1.5 rule needs a 5-point scale." in refused.get_data(as_text=True)
    assert client.post(url, data={"kind": "closed", "scale": "5", "rule": "iqr1_sd15"}).status_code == 302
    draft = db.session.scalar(db.select(Round).where(Round.committee_id == world.committee.id))
    assert draft.rule == "iqr1_sd15" and draft.scale == 5
    page = client.get(f"/committees/rounds/{draft.id}/").get_data(as_text=True)
    assert re.search(r'<option selected value="iqr1_sd15">IQR ≤ 1 or SD ≤ 1.5 \(5-point scale\)</option>', page)
    assert "<dd>IQR ≤ 1 or SD ≤ 1.5</dd>" in page  # the rule's name among the round's settings


def test_an_undefined_kappa_is_null_in_the_api_empty_in_the_csv(db, client, login_as, closed_round):
    world = closed_round([[4, 4, 4]])
    fac = world.facilitator
    second = round_lifecycle.create_closed_round(fac, world.committee)
    carried = round_items.carry_over(fac, second, world.round, [world.items[0].id])
    round_lifecycle.open_round(fac, second)
    db.session.commit()
    for member in world.members[:3]:  # every rating the same in both rounds: no variance
        round_answers.save_response(member, second, {carried[0].id: round_answers.AnswerInput(rating=4)},
                                    submit=True)
    db.session.commit()
    login_as(fac)
    stability = client.get(f"/api/v1/rounds/{second.id}/results").get_json()["items"][0]["stability"]
    assert stability["n_both"] == 3 and stability["changed_share"] == 0.0 and stability["kappa"] is None
    response = client.get(f"/committees/rounds/{second.id}/export/results.csv")
    row = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))[0]
    assert row["stability_n_both"] == "3" and row["stability_kappa"] == ""
