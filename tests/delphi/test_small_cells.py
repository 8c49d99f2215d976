"""The small-cell rule (docs/methods.md §3.10): members and observers get an item's breakdown by subregion only when
every non-empty subregion has the committee's minimum cell size, so that no subregion's ratings follow from the
item's total by subtraction; facilitators judge each subregion on its own. The rule is one pure function
(stats.visible_groups), applied to the results API, and reports for the CRP give participation by subregion."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi import stats
from whitepaper.errors import InvalidInput

STATISTICS = {"median", "mean", "sd", "distribution", "percent_agreement", "consensus", "q1", "q3", "iqr"}
SUBREGIONS = ("south_america", "central_america_mexico", "caribbean")
# 3 South America, 3 Central America and Mexico, 1 Caribbean (Jamaica)
ONE_CARIBBEAN = ("CHL", "ARG", "COL", "MEX", "CRI", "GTM", "JAM")


# --- the pure rule ----------------------------------------------------------------------------------------


def test_one_small_group_hides_the_whole_breakdown_from_members_but_not_from_facilitators():
    counts = {"south_america": 7, "central_america_mexico": 3, "caribbean": 1}
    assert stats.visible_groups(counts, 3) == frozenset()
    assert stats.visible_groups(counts, 3, full=True) == {"south_america", "central_america_mexico"}
    # an empty group hides nothing: it has no ratings to work out
    assert stats.visible_groups({"south_america": 7, "central_america_mexico": 3, "caribbean": 0}, 3) == {
        "south_america", "central_america_mexico"}
    # a committee may raise its minimum
    assert stats.visible_groups({"south_america": 7, "central_america_mexico": 3}, 4) == frozenset()
    assert stats.visible_groups({"south_america": 7, "central_america_mexico": 4}, 4) == {
        "south_america", "central_america_mexico"}


@pytest.mark.parametrize("size", [2, 0, -1, 3.5, "3", True, None])
def test_the_minimum_cell_size_is_never_below_3(size):
    with pytest.raises(ValueError):
        stats.visible_groups({"south_america": 5}, size)


def test_a_count_must_be_a_number_of_ratings():
    with pytest.raises(ValueError):
        stats.visible_groups({"south_america": -1}, 3)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the autouse `english` fixture is harmless
@given(counts=st.dictionaries(st.sampled_from(SUBREGIONS + (None,)), st.integers(0, 12), min_size=1),
       minimum=st.integers(3, 6))
def test_what_members_see_leaves_nothing_to_subtract(counts, minimum):
    """Shown groups are either none or every non-empty group: the item's total minus the shown groups is then
    either the total itself or nothing, never one hidden group's ratings."""
    shown = stats.visible_groups(counts, minimum)
    non_empty = {group for group, n in counts.items() if n > 0}
    assert shown == frozenset() or shown == non_empty
    assert all(counts[group] >= minimum for group in shown)
    assert stats.visible_groups(counts, minimum, full=True) == {g for g, n in counts.items() if n >= minimum}


def test_the_model_and_the_rule_agree_on_the_floor():
    from whitepaper.models.delphi import MIN_CELL_SIZE
    assert MIN_CELL_SIZE == stats.MIN_CELL_SIZE == 3


# --- the committee's minimum ------------------------------------------------------------------------------


def test_the_minimum_cell_size_is_enforced_by_the_service_and_the_database(db, committee):
    from whitepaper.models import AuditEvent
    from whitepaper.models.delphi import Committee
    world = committee("sectoral", ("CHL", "ARG", "MEX"))
    assert world.committee.min_cell_size == 3
    for size in (2, 0, "tres"):
        with pytest.raises(InvalidInput):
            delphi_committees.set_min_cell_size(world.facilitator, world.committee, size)
    delphi_committees.set_min_cell_size(world.facilitator, world.committee, 5)
    db.session.commit()
    assert db.session.get(Committee, world.committee.id).min_cell_size == 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "committee.settings"))
    assert (event.before, event.after) == ({"min_cell_size": 3}, {"min_cell_size": 5})
    with pytest.raises(IntegrityError):
        db.session.execute(db.update(Committee).where(Committee.id == world.committee.id).values(min_cell_size=2))
        db.session.flush()
    db.session.rollback()


# --- the results API --------------------------------------------------------------------------------------


def _item(client, round_id: int) -> dict:
    return client.get(f"/api/v1/rounds/{round_id}/results").get_json()["items"][0]


def test_members_and_observers_get_only_n_when_one_subregion_is_small(client, login_as, make_user, closed_round):
    world = closed_round([[5, 4, 4, 2, 3, 3, 1]], countries=ONE_CARIBBEAN)
    for reader in (world.members[0], make_user("observer")):
        login_as(reader)
        item = _item(client, world.round.id)
        assert item["n"] == 7 and item["distribution"] == {"1": 1, "2": 1, "3": 2, "4": 2, "5": 1}
        assert item["subregions"] == {"south_america": {"n": 3}, "central_america_mexico": {"n": 3},
                                      "caribbean": {"n": 1}}
    # facilitators keep the breakdown of each subregion large enough on its own
    login_as(world.facilitator)
    item = _item(client, world.round.id)
    assert item["subregions"]["south_america"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}
    assert item["subregions"]["central_america_mexico"]["median"] == 3.0
    assert item["subregions"]["caribbean"] == {"n": 1}


def test_the_breakdown_is_shown_when_every_subregion_is_large_enough(db, client, login_as, closed_round):
    countries = ("CHL", "ARG", "COL", "MEX", "CRI", "GTM")   # no Caribbean member: an empty group
    world = closed_round([[5, 4, 4, 2, 3, 3]], countries=countries)
    login_as(world.members[0])
    item = _item(client, world.round.id)
    assert item["subregions"]["south_america"]["median"] == 4.0
    assert item["subregions"]["central_america_mexico"]["distribution"]["3"] == 2
    assert item["subregions"]["caribbean"] == {"n": 0}
    # the committee raises its minimum: 3 ratings per subregion are no longer enough
    delphi_committees.set_min_cell_size(world.facilitator, world.committee, 4)
    db.session.commit()
    body = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()
    assert body["min_cell_size"] == 4
    assert all(not STATISTICS & set(sub) for sub in body["items"][0]["subregions"].values())


def test_dont_know_counts_for_nobody(client, login_as, closed_round):
    """The rule counts valid ratings: a subregion of three members with one "don't know" is a cell of two."""
    world = closed_round([[5, 4, 4, 2, 3, None]], countries=("CHL", "ARG", "COL", "MEX", "CRI", "GTM"))
    login_as(world.members[0])
    item = _item(client, world.round.id)
    assert item["subregions"] == {"south_america": {"n": 3}, "central_america_mexico": {"n": 2},
                                  "caribbean": {"n": 0}}


# --- the demo: the sectoral committee's closed round ------------------------------------------------------


def test_no_member_can_work_out_the_lone_caribbean_respondents_ratings_in_the_demo(db, client, login_as):
    from whitepaper import demo
    from whitepaper.auth import services as accounts
    from whitepaper.models.delphi import Round
    demo.load()
    sectoral = next(c for c in delphi_committees.committees() if c.planning_model.key == "sectoral")
    closed = db.session.scalar(select(Round).where(Round.committee_id == sectoral.id, Round.kind == "closed",
                                                   Round.status == "published"))
    assert closed is not None
    login_as(accounts.user_by_email("integrante@demo.cepal.org"))
    body = client.get(f"/api/v1/rounds/{closed.id}/results").get_json()
    agreement = [item for item in body["items"] if item["kind"] == "agreement"]
    assert agreement
    lone = [item for item in agreement if item["subregions"]["caribbean"]["n"] == 1]
    assert lone, "the demo's closed round must have a subregion with a single respondent"
    for item in agreement:
        assert item["n"] >= 3 and "distribution" in item            # the whole committee's figures remain
        for key, sub in item["subregions"].items():
            assert set(sub) == {"n"}, (item["id"], key)            # nothing to subtract from the total
    # the rule, not the data, hides them: a facilitator sees the larger subregions of the same items
    login_as(accounts.user_by_email("facilitadora@demo.cepal.org"))
    body = client.get(f"/api/v1/rounds/{closed.id}/results").get_json()
    item = next(i for i in body["items"] if i["id"] == lone[0]["id"])
    assert "distribution" in item["subregions"]["south_america"] and item["subregions"]["caribbean"] == {"n": 1}


# --- reports for the CRP: participation by subregion ------------------------------------------------------


def test_reports_for_the_crp_give_participation_by_subregion(db, client, login_as, closed_round):
    from whitepaper.reports import crp
    world = closed_round([[5, 4, 4, 2, 3, 3, 1]], countries=ONE_CARIBBEAN)
    html = crp.crp_html("sectoral", "en")
    section = html.split('class="committee-results"', 1)[1]
    assert "Participation by subregion" in section and "Participation by country" not in section
    assert "The Caribbean" in section and "Jamaica" not in section and "Chile" not in section
    login_as(world.members[0])
    page = client.get(f"/ballots/committee/{world.committee.id}/results").get_data(as_text=True)
    assert "Participation by subregion" in page and "Jamaica" not in page
    # those who run the committee still see it by country
    login_as(world.facilitator)
    page = client.get(f"/ballots/committee/{world.committee.id}/results").get_data(as_text=True)
    assert "Participation by country" in page and "Jamaica" in page
