"""A round's statistics and charts are computed once per data version and then read from the process's cache
(delphi/rounds/statistics.py, delphi/rounds/display.py). Whatever changes what the results say (an answer, given
through the form or written any other way, a member's country, the round's status, the committee's minimum cell
size) is seen on the very next view; and the committee's results read all their rounds at once."""
from __future__ import annotations

from sqlalchemy import select

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics
from whitepaper.delphi.rounds import statistics


def api(client, round_id: int) -> dict:
    response = client.get(f"/api/v1/rounds/{round_id}/results")
    assert response.status_code == 200
    return response.get_json()


def warm(client, count_queries, url: str) -> None:
    """Views `url` twice and checks that the second view was served from the cache (fewer queries): a test of
    invalidation only means something when the stale entry was there to be served."""
    with count_queries() as cold:
        assert client.get(url).status_code == 200
    with count_queries() as hit:
        assert client.get(url).status_code == 200
    assert hit.n < cold.n


def test_a_changed_answer_is_in_the_next_view_of_the_results(db, client, login_as, closed_round, count_queries):
    world = closed_round([[4, 4, 4, 4, 4], [2, 2, 2, 2, 2]], status="open")
    first, second = world.items
    login_as(world.facilitator)
    warm(client, count_queries, f"/api/v1/rounds/{world.round.id}/results")
    assert api(client, world.round.id)["items"][0]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 5, "5": 0}

    round_answers.save_response(world.members[0], world.round, {first.id: round_answers.AnswerInput(rating=1)},
                                submit=True)
    db.session.commit()
    body = api(client, world.round.id)
    assert body["items"][0]["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 4, "5": 0}
    assert body["items"][0]["mean"] == 17 / 5
    assert body["items"][1]["mean"] == 2.0  # the other item, unchanged
    page = client.get(f"/committees/rounds/{world.round.id}/results").get_data(as_text=True)
    assert "<dt>Mean</dt><dd>3.4</dd>" in page  # the new mean on the page, and a new chart: one rating of 1
    assert "1 (Strongly disagree): 1;" in page and "1 (Strongly disagree): 0;" in page  # the other item's


def test_an_answer_written_outside_the_form_counts_too(db, client, login_as, closed_round, count_queries):
    from whitepaper.models.delphi import Answer, Response
    world = closed_round([[5, 5, 5, 5]], status="published")
    login_as(world.facilitator)
    warm(client, count_queries, f"/api/v1/rounds/{world.round.id}/results")
    answer = db.session.scalars(select(Answer).where(Answer.item_id == world.items[0].id)).first()
    before = db.session.get(Response, answer.response_id).data_version
    answer.rating = 1  # an administrator's repair script, a test: no service involved
    db.session.commit()
    assert db.session.get(Response, answer.response_id).data_version == before + 1
    assert api(client, world.round.id)["items"][0]["distribution"]["1"] == 1


def test_a_members_new_country_moves_their_ratings_to_its_subregion(db, client, login_as, closed_round,
                                                                    count_queries):
    world = closed_round([[4, 5, 3, 4, 5, 4]], countries=("CHL", "ARG", "COL", "MEX", "CRI", "GTM"),
                         comments={(0, 0): "Un comentario."})
    login_as(world.facilitator)
    url = f"/committees/rounds/{world.round.id}/results"
    warm(client, count_queries, url)
    subregions = api(client, world.round.id)["items"][0]["subregions"]
    assert [subregions[k]["n"] for k in ("south_america", "central_america_mexico", "caribbean")] == [3, 3, 0]
    assert "Chile" in client.get(url).get_data(as_text=True)

    delphi_committees.update_membership(world.facilitator, world.memberships[0], country_iso3="JAM", expertise="",
                                        is_voting_representative=False)
    db.session.commit()
    subregions = api(client, world.round.id)["items"][0]["subregions"]
    assert [subregions[k]["n"] for k in ("south_america", "central_america_mexico", "caribbean")] == [2, 3, 1]
    page = client.get(url).get_data(as_text=True)
    assert "Jamaica" in page and "Chile" not in page  # the comment's country follows


def test_publishing_and_the_minimum_cell_size_are_seen_at_once(db, client, login_as, closed_round, count_queries):
    world = closed_round([[4, 5, 3, 4, 5, 4]], countries=("CHL", "ARG", "COL", "MEX", "CRI", "GTM"),
                         status="closed")
    member = world.members[0]
    login_as(world.facilitator)
    warm(client, count_queries, f"/api/v1/rounds/{world.round.id}/results")
    login_as(member)
    assert client.get(f"/api/v1/rounds/{world.round.id}/results").status_code == 403
    round_lifecycle.publish_round(world.facilitator, world.round)
    db.session.commit()
    body = api(client, world.round.id)
    assert body["status"] == "published" and body["respondents"] == 6
    assert "median" in body["items"][0]["subregions"]["south_america"]  # 3 and 3: the breakdown is shown
    delphi_committees.set_min_cell_size(world.facilitator, world.committee, 4)
    db.session.commit()
    south = api(client, world.round.id)["items"][0]["subregions"]["south_america"]
    assert south == {"n": 3}  # now under the minimum: only its n


def test_new_items_and_responses_of_a_round_are_in_its_results(db, committee):
    world = committee("sectoral", ("CHL", "ARG", "MEX"))
    round_ = round_lifecycle.create_closed_round(world.facilitator, world.committee)
    round_items.add_agreement_item(world.facilitator, round_, {"es": "Uno", "en": "One"})
    db.session.commit()
    assert len(round_statistics.round_results(round_queries.round_detail(round_.id)).items) == 1
    round_items.add_agreement_item(world.facilitator, round_, {"es": "Dos", "en": "Two"})
    db.session.commit()
    round_ = round_queries.round_detail(round_.id)
    assert len(round_statistics.round_results(round_).items) == 2
    round_lifecycle.open_round(world.facilitator, round_)
    db.session.commit()
    round_ = round_queries.round_detail(round_.id)
    assert round_statistics.round_results(round_).respondents == 0
    round_answers.save_response(world.members[0], round_, {i.id: round_answers.AnswerInput(rating=3)
                                                           for i in round_.items}, submit=True)
    db.session.commit()
    results = round_statistics.round_results(round_queries.round_detail(round_.id))
    assert results.respondents == 1 and [e.n for e in results.items] == [1, 1]


def test_the_cache_holds_one_entry_per_round_and_stays_bounded(db, closed_round, monkeypatch):
    monkeypatch.setattr(statistics, "CACHE", statistics.BoundedCache(2))
    worlds = [closed_round([[4, 5, 3]], model=model) for model in ("sectoral", "vision", "national")]
    assert len(statistics.CACHE) == 0
    for world in worlds:
        for _ in range(2):
            round_statistics.round_results(round_queries.round_detail(world.round.id))
    assert len(statistics.CACHE) == 2
    assert statistics.CACHE.get((worlds[0].round.id, worlds[0].round.listing_secret)) is None


def test_charts_are_drawn_in_the_readers_language(db, client, login_as, closed_round):
    world = closed_round([[4, 5, 3, 4]])
    login_as(world.members[0])
    url = f"/committees/rounds/{world.round.id}/feedback"
    english = client.get(url).get_data(as_text=True)
    client.set_cookie("lang", "es", domain="localhost")
    spanish = client.get(url).get_data(as_text=True)
    assert "Distribution of ratings" in english and "your answer" in english
    assert "Distribución de las calificaciones" in spanish and "Distribution of ratings" not in spanish
    assert "su respuesta" in spanish and "your answer" not in spanish


def test_the_committee_results_read_every_round_in_the_same_queries(db, client, login_as, closed_round,
                                                                     count_queries):
    counts = []
    for model, rounds in (("vision", 1), ("sectoral", 3)):
        for _ in range(rounds):
            world = closed_round([[4, 5, 3, 4]], model=model, comments={(0, 1): "Uno"})
        login_as(world.facilitator)
        url = f"/ballots/committee/{world.committee.id}/results"
        with count_queries() as cold:
            page = client.get(url)
        assert page.status_code == 200
        with count_queries() as warm_:
            assert client.get(url).status_code == 200
        counts.append((cold.n, warm_.n))
    assert counts[0] == counts[1]


def test_results_read_before_a_rollback_are_not_kept(db, closed_round):
    from whitepaper.models.delphi import Answer
    world = closed_round([[5, 5, 5, 5]], status="published")
    answer = db.session.scalars(select(Answer).where(Answer.item_id == world.items[0].id)).first()
    answer.rating = 1
    db.session.flush()  # written, not committed: what is read now is this transaction's own data
    assert round_statistics.round_results(round_queries.round_detail(world.round.id)).items[0].agreement.distribution[1] == 1
    db.session.rollback()
    answer = db.session.get(Answer, answer.id)
    answer.rating = 2  # another change of the same answer, committed this time: the same data_version as before
    db.session.commit()
    assert round_statistics.round_results(round_queries.round_detail(world.round.id)).items[0].agreement.distribution == {
        1: 0, 2: 1, 3: 0, 4: 0, 5: 3}
