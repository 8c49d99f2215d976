"""Mail leaves through the worker, not the request: a password reset is written to the outbox in its own
transaction and `flask worker --once` hands it to a real SMTP server on 127.0.0.1 with proper headers and a UTF-8
body; with the server down the attempt, its error and the next try are recorded, and the message leaves once the
server is back; two workers never send one message twice; the admin outbox shows each message's delivery."""
from __future__ import annotations

import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select, update

from tests.helpers import outbox
from tests.smtp import SmtpSink
from whitepaper import mail
from whitepaper.mail import delivery
from whitepaper.models import OutboxMessage
from whitepaper.models.base import utcnow

SENDER = "planbarometro@cepal.org"


@pytest.fixture
def smtp(app):
    sink = SmtpSink()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_SENDER=SENDER)
    yield sink
    sink.stop()


def _reload(db, message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_a_password_reset_reaches_the_smtp_server_through_the_worker(db, client, runner, make_user, smtp):
    smtp.start()
    user = make_user("observer")
    assert client.post("/password/reset", data={"email": user.email}).status_code == 302
    [queued] = outbox(db, user.email)
    assert (queued.status, queued.attempts, queued.sent_at) == ("queued", 0, None)
    assert smtp.received == []                       # the request wrote the outbox and did not wait for SMTP

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 mail delivery attempt" in result.output

    [received] = smtp.received
    assert (received.mail_from, received.rcpt_tos) == (SENDER, [user.email])
    email = received.message
    assert (email["From"], email["To"], email["Subject"]) == (SENDER, user.email, queued.subject)
    assert abs(parsedate_to_datetime(email["Date"]).replace(tzinfo=None) - utcnow()) < timedelta(minutes=1)
    assert email["Message-ID"].startswith("<") and email["Message-ID"].endswith("@cepal.org>")
    assert email.get_content_type() == "text/plain" and email.get_content_charset() == "utf-8"
    assert received.text.rstrip("\n") == queued.body.rstrip("\n")
    assert "Planbarómetro" in email["Subject"]       # an accented subject survives its RFC 2047 encoding

    sent = _reload(db, queued.id)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, None) and sent.sent_at is not None
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0
    assert len(smtp.received) == 1                   # a sent message is never sent again


def test_an_accented_body_arrives_as_utf8_carried_7bit_clean(db, smtp):
    smtp.start()
    body = "Señora Muñoz:\n\nLa votación «dimensiones» está abierta — ¿participará? Ünïcödé ✓\n"
    mail.queue("munoz@example.org", "Votación abierta", body)
    db.session.commit()
    assert delivery.deliver_due() == 1
    [received] = smtp.received
    assert received.content.isascii()                # quoted-printable: any server carries it unchanged
    assert received.text == body
    assert received.message["Subject"] == "Votación abierta"


def test_with_the_server_down_the_attempt_is_recorded_and_retried_later(db, client, runner, make_user, smtp):
    user = make_user("observer")
    client.post("/password/reset", data={"email": user.email})
    [queued] = outbox(db, user.email)

    result = runner.invoke(args=["worker", "--once"])         # nothing listens on the port: --once still ends
    assert result.exit_code == 0, result.output
    waiting = _reload(db, queued.id)
    assert (waiting.status, waiting.attempts) == ("queued", 1)
    assert "refused" in waiting.last_error.lower()
    assert waiting.next_attempt_at > utcnow()
    assert delivery.deliver_due() == 0                        # not due yet: no second attempt at once

    smtp.start()
    later = waiting.next_attempt_at + timedelta(seconds=1)
    assert delivery.deliver_due(clock=lambda: later) == 1
    delivered = _reload(db, queued.id)
    assert (delivered.status, delivered.attempts, delivered.last_error) == ("sent", 2, None)
    assert [r.rcpt_tos for r in smtp.received] == [[user.email]]


def test_retries_back_off_exponentially_and_give_up_after_the_last_attempt(app, db, smtp):
    assert [delivery.retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delivery.retry_delay(30) == timedelta(hours=6)
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    message = mail.queue("someone@example.org", "Asunto", "Cuerpo")
    db.session.commit()
    now = utcnow()
    assert delivery.deliver_due(clock=lambda: now) == 1
    first = _reload(db, message.id)
    assert first.status == "queued" and first.next_attempt_at == now + timedelta(minutes=1)
    assert delivery.deliver_due(clock=lambda: now + timedelta(minutes=2)) == 1
    last = _reload(db, message.id)
    assert (last.status, last.attempts) == ("failed", 2) and "gave up after 2 attempts" in last.last_error


def test_a_message_is_claimed_once_even_by_workers_running_at_the_same_time(app, db, smtp):
    smtp.start()
    for n in range(12):
        mail.queue(f"person{n}@example.org", f"Mensaje {n}", "Cuerpo")
    db.session.commit()
    now = utcnow()
    claimed = delivery.claim(now)
    assert claimed is not None and claimed.status == "sending" and claimed.attempts == 1
    assert delivery.claim(now).id != claimed.id               # a claimed message is not due for anyone else
    db.session.execute(update(OutboxMessage).values(status="queued", attempts=0, next_attempt_at=now))
    db.session.commit()

    def worker() -> None:
        with app.app_context():
            delivery.deliver_due()
            db.session.remove()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    recipients = [to for received in smtp.received for to in received.rcpt_tos]
    assert sorted(recipients) == sorted(f"person{n}@example.org" for n in range(12))
    db.session.expire_all()
    assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}
    assert set(db.session.scalars(select(OutboxMessage.attempts))) == {1}


def test_without_mail_settings_mail_stays_in_the_outbox(app, db, runner):
    app.config.update(MAIL_SERVER=None)
    message = mail.queue("someone@example.org", "Asunto", "Cuerpo")
    db.session.commit()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "stays in the outbox" in result.output
    assert (_reload(db, message.id).status, _reload(db, message.id).attempts) == ("queued", 0)


def test_the_admin_outbox_shows_state_attempts_and_last_error(db, client, login_as, make_user):
    admin = make_user("admin")
    admin.locale = "en"
    login_as(admin)
    waiting = mail.queue("waiting@example.org", "Uno", "Cuerpo")
    failed = mail.queue("failed@example.org", "Dos", "Cuerpo")
    db.session.flush()
    waiting.attempts, waiting.last_error = 3, "ConnectionRefusedError: [Errno 111] Connection refused"
    failed.status, failed.attempts, failed.last_error = "failed", 1, "SMTPRecipientsRefused: 550 no such user"
    db.session.commit()
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "waiting to be sent" in page and "Next attempt" in page and "failed" in page
    assert "Attempts: 3" in page and "Attempts: 1" in page
    assert "Connection refused" in page and "550 no such user" in page
