"""Personal data: a person downloads their own data; an administrator anonymises a departed member (after a
confirmation); client addresses are purged after ADDRESS_RETENTION_DAYS."""
from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.models import Answer, ApiToken, AuditEvent, LoginAttempt, Membership, User
from whitepaper.models.ballot import Ballot, BallotItem, Vote
from whitepaper.models.base import utcnow

from ..conftest import PASSWORD


@pytest.fixture
def world(db, make_user) -> SimpleNamespace:
    """A committee with two members who answered a closed round, and votes in a secret and an open ballot."""
    admin = make_user("admin")
    committee = delphi_committees.ensure_committees(admin)[0]
    facilitator = make_user("facilitator")
    delphi_committees.add_membership(admin, committee, facilitator, role="facilitator", notify=False)
    me, other = make_user("member", country="CHL"), make_user("member", country="ARG")
    for member in (me, other):
        delphi_committees.add_membership(facilitator, committee, member, notify=False)
    round_ = round_lifecycle.create_closed_round(facilitator, committee)
    item = round_items.add_agreement_item(facilitator, round_, {"es": "Enunciado", "en": "Statement"})
    round_lifecycle.open_round(facilitator, round_)
    db.session.commit()
    round_answers.save_response(me, round_, {item.id: round_answers.AnswerInput(rating=4, comment="mine")},
                                submit=True)
    round_answers.save_response(other, round_, {item.id: round_answers.AnswerInput(rating=2, comment="theirs")},
                                submit=True)
    ballots = {}
    for number, secret in ((1, True), (2, False)):
        ballot = Ballot(committee=committee, catalogue_version=committee.catalogue_version, number=number,
                        stage="dimensions_levels", unit="member", is_secret=secret)
        ballot_item = BallotItem(ballot=ballot, position=0, subject="design", dimension_key="design")
        db.session.add_all([ballot, ballot_item])
        db.session.flush()
        db.session.add(Vote(item_id=ballot_item.id, voter_id=me.id, choice="approve"))
        ballots[secret] = ballot
    db.session.commit()
    return SimpleNamespace(admin=admin, me=me, other=other, committee=committee, round=round_, ballots=ballots)


def test_a_person_downloads_their_own_data(client, login_as, world):
    login_as(world.me)
    assert 'href="/account/data.json"' in client.get("/account/tokens").get_data(as_text=True)
    response = client.get("/account/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == world.me.email and data["profile"]["country"] == "CHL"
    assert [m["committee_id"] for m in data["committee_memberships"]] == [world.committee.id]
    assert [(a["rating"], a["comment"]) for a in data["delphi_answers"]] == [(4, "mine")]
    assert [(v["ballot_id"], v["choice"]) for v in data["ballot_votes"]] == [(world.ballots[False].id, "approve")]
    assert "theirs" not in response.get_data(as_text=True)


def test_the_download_needs_a_login(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_admin_anonymises_a_departed_member(app, client, db, login_as, world):
    me_id, old_email = world.me.id, world.me.email
    member_browser = app.test_client()
    member_browser.post("/login", data={"email": old_email, "password": PASSWORD})
    db.session.add(ApiToken(user_id=me_id, name="script", prefix="wp_x", token_hash="0" * 64))
    answers_before = db.session.scalar(select(func.count()).select_from(Answer))
    login_as(world.admin)
    page = client.get(f"/admin/users/{me_id}").get_data(as_text=True)
    assert f'action="/admin/users/{me_id}/anonymise"' in page and "data-confirm" in page
    response = client.post(f"/admin/users/{me_id}/anonymise")
    assert response.status_code == 302
    user = db.session.get(User, me_id)
    assert user.email == f"anonymised-{me_id}@invalid" and old_email not in user.name
    assert user.password_hash is None and not user.is_active_account
    assert member_browser.get("/").status_code == 302                        # their session ended
    assert app.test_client().post("/login", data={"email": old_email, "password": PASSWORD}).status_code == 401
    assert db.session.scalar(select(ApiToken.revoked_at).where(ApiToken.user_id == me_id)) is not None
    assert db.session.scalar(select(func.count()).select_from(Answer)) == answers_before   # answers stay
    assert db.session.scalar(select(Membership).where(Membership.user_id == me_id)) is not None
    trail = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "users",
                                                        AuditEvent.object_id == me_id)).all()
    assert "user.anonymise" in [e.action for e in trail]
    assert old_email not in json.dumps([[e.before, e.after] for e in trail])


def test_an_admin_cannot_anonymise_themselves(client, db, login_as, world):
    login_as(world.admin)
    assert client.post(f"/admin/users/{world.admin.id}/anonymise").status_code == 403
    assert db.session.get(User, world.admin.id).email.endswith("@example.org")


def test_only_admins_anonymise(client, login_as, world):
    login_as(world.other)
    assert client.post(f"/admin/users/{world.me.id}/anonymise").status_code == 403


def test_client_addresses_are_purged_after_the_retention_period(app, db, runner):
    now = utcnow()
    retention = app.config["ADDRESS_RETENTION_DAYS"]
    assert retention == 90
    db.session.add_all([LoginAttempt(email="old@example.org", ip="203.0.113.1", at=now - timedelta(days=91)),
                        LoginAttempt(email="new@example.org", ip="203.0.113.2", at=now - timedelta(days=89))])
    db.session.commit()
    result = runner.invoke(args=["audit", "purge-addresses"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(LoginAttempt.ip)).all() == ["203.0.113.2"]
    app.config["ADDRESS_RETENTION_DAYS"] = 30
    runner.invoke(args=["audit", "purge-addresses"])
    assert db.session.scalars(select(LoginAttempt.ip)).all() == []
