"""Mail goes through the outbox table: tests and offline installs read it; SMTP sends it when configured."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import OutboxMessage
from .models.base import utcnow


def queue(to: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(to=to, subject=subject, body=body)
    db.session.add(message)
    return message


def deliver_pending(limit: int = 100) -> int:
    """Send queued messages over SMTP (called after commit, or by the worker). Returns how many were sent."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return 0
    pending = db.session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None),
                                                             OutboxMessage.error.is_(None)).limit(limit)).all()
    sent = 0
    for message in pending:
        email = EmailMessage()
        email["From"] = current_app.config["MAIL_SENDER"]
        email["To"], email["Subject"] = message.to, message.subject
        email.set_content(message.body)
        try:
            with smtplib.SMTP(server, int(current_app.config["MAIL_PORT"]), timeout=10) as smtp:
                smtp.send_message(email)
            message.sent_at = utcnow()
            sent += 1
        except (OSError, smtplib.SMTPException) as error:
            message.error = str(error)[:500]
    db.session.commit()
    return sent
