"""Secrecy (docs/methods.md §5.4) in every page, API answer and export: no tally before closing, for anyone;
a secret ballot never shows how anyone voted (facilitators see who voted, never how); a roll-call ballot
publishes each vote with its voter after closing, and not before."""
from __future__ import annotations

import pytest

from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import tally

from .conftest import vote

REASON = "Razón-confidencial-del-voto"


def _pages(ballot_id: int, committee_id: int) -> list[str]:
    return [f"/ballots/{ballot_id}/", f"/ballots/{ballot_id}/results", f"/ballots/{ballot_id}/vote",
            f"/ballots/{ballot_id}/participation", f"/ballots/{ballot_id}/comments",
            f"/ballots/{ballot_id}/export.csv", f"/ballots/{ballot_id}/export.csv?kind=comments",
            f"/api/v1/ballots/{ballot_id}/result", f"/ballots/committee/{committee_id}/",
            f"/ballots/committee/{committee_id}/results", "/ballots/"]


def _read_all(client, urls) -> dict[str, tuple[int, str]]:
    out = {}
    for url in urls:
        response = client.get(url)
        out[url] = (response.status_code, response.get_data(as_text=True))
    return out


@pytest.fixture
def voted(db, committee_setup, make_user):
    """A committee of six, and an open ballot in which voters 1 and 2 voted (2 rejects with a reason)."""
    def make(secret: bool):
        setup = committee_setup()
        ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels",
                                               rule=tally.BallotRule(secret=secret))
        ballot_lifecycle.open_ballot(setup.facilitator, ballot)
        db.session.commit()
        vote(db, ballot, setup.members[1], {"design": "approve", "outcomes": "approve"})
        vote(db, ballot, setup.members[2], {"design": ("reject", REASON), "outcomes": "abstain"})
        observer = make_user("observer")
        observer.locale = "en"
        db.session.commit()
        return setup, ballot, observer
    return make


def _close(db, setup, ballot):
    ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(ballot.id))
    db.session.commit()


def _no_tallies(json_result: dict) -> None:
    for item in json_result["items"]:
        assert (item["approve"], item["reject"], item["abstain"], item["outcome"]) == (None, None, None, None)
        assert "votes" not in item


@pytest.mark.parametrize("secret", [True, False])
def test_nobody_sees_a_tally_or_a_vote_before_closing(db, client, login_as, voted, secret):
    setup, ballot, observer = voted(secret)
    voter_names = [setup.members[1].name, setup.members[2].name]
    for viewer in (setup.members[0], observer, setup.facilitator, setup.members[1]):
        login_as(viewer)
        seen = _read_all(client, _pages(ballot.id, setup.committee.id))
        _no_tallies(client.get(f"/api/v1/ballots/{ballot.id}/result").get_json())
        for url, (status, body) in seen.items():
            if url.endswith("/vote") and viewer is setup.members[1]:
                continue                     # a voter sees their own votes
            assert REASON not in body, (viewer.email, url)
            if url.endswith("/results"):
                assert "<svg" not in body, viewer.email
            if viewer is not setup.facilitator:
                others = [name for name in voter_names if name != viewer.name]   # one's own name is in the header
                assert not any(name in body for name in others), (viewer.email, url)
        # the results page says when results come
        assert "published when the ballot closes" in seen[f"/ballots/{ballot.id}/results"][1]
    # facilitators see who has voted, never how
    login_as(setup.facilitator)
    participation = client.get(f"/ballots/{ballot.id}/participation").get_data(as_text=True)
    assert all(name in participation for name in voter_names)
    assert REASON not in participation and "Reject" not in participation and "Approve" not in participation


def test_a_secret_ballot_never_shows_how_anyone_voted(db, client, login_as, voted):
    setup, ballot, observer = voted(True)
    _close(db, setup, ballot)
    voter_names = [setup.members[1].name, setup.members[2].name]
    for viewer in (setup.members[0], observer, setup.facilitator):
        login_as(viewer)
        seen = _read_all(client, _pages(ballot.id, setup.committee.id))
        result = client.get(f"/api/v1/ballots/{ballot.id}/result").get_json()
        assert all("votes" not in item for item in result["items"])
        design = next(i for i in result["items"] if i["subject"] == "design")
        assert (design["approve"], design["reject"], design["outcome"]) == (1, 1, "not_decided")  # 2 of 6 cast
        for url, (status, body) in seen.items():
            if url.endswith("/participation") and viewer is setup.facilitator:
                continue                      # who voted, not how (checked above)
            assert not any(name in body for name in voter_names), (viewer.email, url)
        # the reasons are published without names, in the comment table and its export
        assert REASON in seen[f"/ballots/{ballot.id}/comments"][1]
        assert REASON in seen[f"/ballots/{ballot.id}/export.csv?kind=comments"][1]
        assert "<svg" in seen[f"/ballots/{ballot.id}/results"][1]
    # the other voter's sheet never reveals another's vote
    login_as(setup.members[1])
    assert REASON not in client.get(f"/ballots/{ballot.id}/vote").get_data(as_text=True)


def test_a_roll_call_ballot_publishes_each_vote_after_closing(db, client, login_as, voted):
    setup, ballot, observer = voted(False)
    _close(db, setup, ballot)
    login_as(observer)
    result = client.get(f"/api/v1/ballots/{ballot.id}/result").get_json()
    design = next(i for i in result["items"] if i["subject"] == "design")
    assert {(v["voter"], v["choice"]) for v in design["votes"]} == {
        (setup.members[1].name, "approve"), (setup.members[2].name, "reject")}
    page = client.get(f"/ballots/{ballot.id}/results").get_data(as_text=True)
    assert setup.members[2].name in page and REASON in page
    export = client.get(f"/ballots/{ballot.id}/export.csv").get_data(as_text=True)
    assert f"{setup.members[2].name},CHL,design,reject,{REASON}" in export
