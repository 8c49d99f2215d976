"""Small numbers: under 3 valid ratings, members and observers see only n; facilitators see everything;
a subregion under 3 valid ratings shows only its n, and for members and observers it hides the whole breakdown
(the small-cell rule, tests/delphi/test_small_cells.py)."""
from __future__ import annotations


def test_items_with_fewer_than_3_ratings_show_only_n_to_members_and_observers(client, login_as, make_user,
                                                                            closed_round):
    world = closed_round([[4, 5, None, None], [4, 5, 3, None]], countries=("CHL", "ARG", "MEX", "CRI"))
    observer = make_user("observer")
    for reader in (world.members[0], observer):
        login_as(reader)
        body = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()
        small, enough = body["items"]
        assert small["n"] == 2
        assert not {"median", "mean", "sd", "distribution", "percent_agreement", "consensus"} & set(small)
        assert enough["n"] == 3 and enough["median"] == 4.0
        page = client.get(f"/committees/rounds/{world.round.id}/feedback").get_data(as_text=True)
        assert "n = 2" in page and page.count("<svg") == 1  # one chart: the item with 3 ratings
    login_as(world.facilitator)
    body = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()
    assert body["items"][0]["median"] == 4.5 and body["items"][0]["distribution"]["5"] == 1


def test_subregion_breakdowns_are_hidden_under_3_respondents(client, login_as, closed_round):
    countries = ("CHL", "ARG", "COL", "MEX", "CRI", "JAM")  # 3 South America, 2 Central America, 1 Caribbean
    world = closed_round([[5, 4, 4, 2, 3, 5]], countries=countries)
    login_as(world.facilitator)
    item = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()["items"][0]
    subregions = item["subregions"]
    assert subregions["south_america"]["n"] == 3 and subregions["south_america"]["median"] == 4.0
    assert subregions["central_america_mexico"] == {"n": 2}
    assert subregions["caribbean"] == {"n": 1}
    page = client.get(f"/committees/rounds/{world.round.id}/results").get_data(as_text=True)
    assert page.count("only n (fewer than 3 valid ratings)") == 2
    # a member would otherwise subtract South America from the total: no subregion shows more than n
    login_as(world.members[0])
    item = client.get(f"/api/v1/rounds/{world.round.id}/results").get_json()["items"][0]
    assert item["subregions"] == {"south_america": {"n": 3}, "central_america_mexico": {"n": 2},
                                  "caribbean": {"n": 1}}
