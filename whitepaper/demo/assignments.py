"""The demo facilitator's assignments: every committee and every country that has a demo self-evaluation, so that
the README's journeys (review, validate, publish, run the committees) work for facilitadora@demo.cepal.org.
Made through the administrators' service, adding to what is there; loading twice changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from ..admin import assignments
from ..auth import services as accounts
from ..extensions import db
from ..models import Assessment, Country

FACILITATOR = "facilitadora@demo.cepal.org"
ADMIN = "admin@demo.cepal.org"


def load() -> int:
    """Called by whitepaper.demo.load() after the committees and the assessments exist; returns how many
    assignments were added. The caller commits."""
    facilitator = accounts.user_by_email(FACILITATOR)
    admin = accounts.user_by_email(ADMIN)
    if facilitator is None or admin is None:
        return 0
    current = assignments.of(facilitator)
    with_assessments = list(db.session.scalars(
        select(Country).where(Country.id.in_(select(Assessment.country_id))).order_by(Country.iso3)))
    return assignments.assign(admin, facilitator, committees=current.committees + assignments.committees(),
                              countries=current.countries + with_assessments)
