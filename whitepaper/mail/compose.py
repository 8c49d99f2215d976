"""An outbox row as an Internet message: From (MAIL_SENDER), To, Subject, Date and Message-ID headers and a UTF-8
text body, quoted-printable so that any SMTP server carries it unchanged."""
from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from ..models import OutboxMessage
from .addresses import has_line_break


class UnsafeHeader(ValueError):
    """A header value with a line break: written out, it would add headers of its own (header injection)."""


def compose(message: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    """The message to hand to SMTP; UnsafeHeader when a header value would break its line."""
    headers = {"From": sender, "To": message.to, "Subject": message.subject}
    for name, value in headers.items():
        if has_line_break(value):
            raise UnsafeHeader(f"The {name} header contains a line break (header injection): not sent.")
    email = EmailMessage()
    for name, value in headers.items():
        email[name] = value
    email["Date"] = format_datetime(now.replace(tzinfo=UTC))
    email["Message-ID"] = make_msgid(idstring=f"outbox.{message.id}", domain=_domain_of(sender))
    email.set_content(message.body, charset="utf-8", cte="quoted-printable")
    return email


def _domain_of(sender: str) -> str:
    """The sender's domain for the Message-ID (never a DNS look-up of this host's name)."""
    domain = sender.rpartition("@")[2].strip(" >")
    return domain or "localhost"
