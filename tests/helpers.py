"""Small helpers shared by the view tests."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select


def csrf_token(client, path: str) -> str:
    """The CSRF token a real browser would send, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def outbox(db, to: str | None = None):
    from whitepaper.models import OutboxMessage
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to:
        query = query.where(OutboxMessage.to == to)
    return db.session.scalars(query).all()


def link_in(body: str) -> str:
    match = re.search(r"https?://\S+", body)
    assert match, body
    parts = urlsplit(match.group(0))  # links are on PUBLIC_URL: the path is what a test client requests
    return parts.path + (f"?{parts.query}" if parts.query else "")
