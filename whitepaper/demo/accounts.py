"""The demo accounts that the README lists, one per role, with their passwords."""
from __future__ import annotations

from sqlalchemy import select

from ..auth import services as accounts
from ..extensions import db
from ..models import User

DEMO_PASSWORD_SUFFIX = "-demo-2026"
DEMO_USERS = (
    # e-mail, name, role, country
    ("admin@demo.cepal.org", "Ana Administradora", "admin", None),
    ("facilitadora@demo.cepal.org", "Fernanda Facilitadora", "facilitator", None),
    ("integrante@demo.cepal.org", "Iván Integrante", "member", "CHL"),
    ("evaluadora@demo.cepal.org", "Eva Evaluadora", "assessor", "CRI"),
    ("observador@demo.cepal.org", "Óscar Observador", "observer", None),
)


def demo_password(role: str) -> str:
    return role + DEMO_PASSWORD_SUFFIX


def load() -> list[tuple[str, str, str]]:
    """The demo accounts (created once); returns (e-mail, password, role) for each, to print."""
    printed = []
    for email, name, role, country in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            accounts.create_user(None, email, roles={role}, name=name, country_iso3=country,
                                 password=demo_password(role))
        printed.append((email, demo_password(role), role))
    db.session.commit()
    return printed
