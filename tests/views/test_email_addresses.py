"""E-mail addresses are checked where they enter (the invitation form, the committee's member form, the reset
request, `users create`, the service that creates accounts): a line break, which would inject headers, is refused
with a clear message, never a traceback. An address already stored with one (older data) cannot break a ballot's
pages: they only write the outbox, and the worker marks that one message failed, with the reason, and sends the
others. The message builder itself refuses a line break in any header."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.ballots.conftest import build_committee
from tests.helpers import outbox
from tests.smtp import SmtpSink
from whitepaper import mail
from whitepaper.auth import services as accounts
from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.errors import InvalidInput
from whitepaper.mail import delivery
from whitepaper.models import OutboxMessage, User
from whitepaper.web import LANG_COOKIE

INJECTIONS = ["a@b.org\nBcc: x@evil.org", "a@b.org\r\nBcc: x@evil.org", "a@b.org\rBcc: x@evil.org",
              "a@b.org\u2028Bcc: x@evil.org"]
MALFORMED = ["not an address", "a@b", "a@@b.org", "@b.org"]
ONE_LINE = "An e-mail address must be on one line"


def _users(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.fixture
def smtp(app):
    sink = SmtpSink()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
    yield sink.start()
    sink.stop()


@pytest.fixture
def admin(make_user, login_as):
    user = make_user("admin")
    user.locale = "en"
    login_as(user)
    return user


@pytest.mark.parametrize("address", INJECTIONS + MALFORMED)
def test_the_account_service_refuses_a_bad_address(db, address):
    before = _users(db)
    with pytest.raises(InvalidInput):
        accounts.create_user(None, address, roles={"observer"})
    db.session.rollback()
    assert _users(db) == before


def test_an_international_address_is_accepted(db):
    user = accounts.create_user(None, " José.Pérez@Cepal.org ", roles={"observer"})
    assert user.email == "josé.pérez@cepal.org"


@pytest.mark.parametrize("address", INJECTIONS)
def test_the_invitation_form_refuses_a_line_break_with_a_message(db, client, admin, address):
    before = _users(db)
    response = client.post("/admin/users/invite", data={"email": address, "name": "Eve", "roles": ["observer"],
                                                        "country": ""})
    assert response.status_code == 400
    assert ONE_LINE in response.get_data(as_text=True)
    assert _users(db) == before and outbox(db) == []


def test_the_invitation_form_refuses_a_malformed_address(db, client, admin):
    response = client.post("/admin/users/invite", data={"email": "a@b", "roles": ["observer"], "country": ""})
    assert response.status_code == 400
    assert "a@b is not a valid e-mail address" in response.get_data(as_text=True)


def test_the_committee_member_form_refuses_a_line_break(db, client, login_as):
    setup = build_committee(db, members=[("ARG", True)])
    db.session.commit()
    login_as(setup.facilitator)
    before = _users(db)
    response = client.post(f"/committees/{setup.committee.id}/members",
                           data={"email": INJECTIONS[0], "name": "Eve", "role": "member", "country": "CHL"})
    assert response.status_code == 400
    assert ONE_LINE in response.get_data(as_text=True)
    assert _users(db) == before and outbox(db) == []


def test_the_reset_request_refuses_a_line_break_and_sends_nothing(db, client, make_user):
    make_user("observer", email="a@b.org")
    client.set_cookie(LANG_COOKIE, "en")
    response = client.post("/password/reset", data={"email": INJECTIONS[0]})
    assert response.status_code < 500
    assert ONE_LINE in response.get_data(as_text=True)
    assert outbox(db) == []


@pytest.mark.parametrize("address", [INJECTIONS[0], "not an address"])
def test_users_create_refuses_a_bad_address_with_a_message(db, runner, address):
    before = _users(db)
    result = runner.invoke(args=["users", "create", address, "--role", "observer"], input="una-clave-larga\n")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)   # a message, not a traceback
    assert "Error:" in result.output and "Traceback" not in result.output
    assert _users(db) == before


@pytest.mark.parametrize("header, value", [("to", "a@b.org\nBcc: x@evil.org"),
                                           ("to", "a@b.org\r\nBcc: x@evil.org"),
                                           ("subject", "Hola\r\nBcc: x@evil.org")])
def test_the_worker_marks_a_message_with_a_line_break_in_a_header_failed(db, smtp, header, value):
    fields = {"to": "ok@example.org", "subject": "Asunto", "body": "Cuerpo", header: value}
    bad = mail.queue(**fields)
    good = mail.queue("fine@example.org", "Asunto", "Cuerpo")
    db.session.commit()
    assert delivery.deliver_due() == 2                        # the bad one does not stop the worker
    db.session.expire_all()
    failed = db.session.get(OutboxMessage, bad.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert f"The {header.capitalize()} header contains a line break" in failed.last_error
    assert db.session.get(OutboxMessage, good.id).status == "sent"
    assert [r.rcpt_tos for r in smtp.received] == [["fine@example.org"]]
    assert b"evil.org" not in smtp.received[0].content


def test_a_stored_address_with_a_line_break_breaks_no_ballot_page(db, client, login_as, runner, smtp):
    setup = build_committee(db, members=[("ARG", True), ("BRA", True), ("CHL", True)])
    broken = setup.members[1]
    broken.email = "m-voter1@example.org\nBcc: x@evil.org"    # stored before addresses were checked
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels")
    db.session.commit()
    login_as(setup.facilitator)
    for action in ("open", "remind", "close"):
        response = client.post(f"/ballots/{ballot.id}/{action}")
        assert response.status_code == 302, (action, response.status_code)
    assert smtp.received == []                                 # the pages wrote the outbox and did not send

    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    db.session.expire_all()
    to_broken = outbox(db, broken.email)
    assert len(to_broken) == 3 and {m.status for m in to_broken} == {"failed"}
    assert all("line break" in m.last_error for m in to_broken)
    delivered = sorted(to for r in smtp.received for to in r.rcpt_tos)
    expected = sorted([setup.members[0].email] * 3 + [setup.members[2].email] * 3)
    assert delivered == expected
    assert not any(b"evil.org" in r.content for r in smtp.received)
