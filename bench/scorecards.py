"""Published national assessments for the benchmarks: three periods for each of the first N countries, every
criterion rated (element marks that improve a little from one period to the next), made through the
assessment services as an administrator would, and published (public)."""
from __future__ import annotations

import random

from . import pages

PERIODS = ((2011, 2014), (2015, 2018), (2019, 2022))
ADMIN = "bench-admin@example.org"


def _admin():
    from whitepaper.auth import services as accounts
    from whitepaper.extensions import db
    from whitepaper.models import User
    admin = db.session.scalar(db.select(User).where(User.email == ADMIN))
    return admin or accounts.create_user(None, ADMIN, roles={"admin"}, password=pages.PASSWORD)


def countries() -> list[str]:
    from whitepaper.extensions import db
    from whitepaper.models import Country
    return list(db.session.scalars(db.select(Country.iso3).order_by(Country.iso3)))


def publish(total: int) -> dict[str, int]:
    """Brings the published set to `total` countries × 3 periods (adding what is missing; run inside an
    application context). Returns {iso3: id of its latest assessment}."""
    from whitepaper.assessment import services
    from whitepaper.assessment.forms import RatingData
    from whitepaper.catalogue.queries import current_version, model_by_key, version_tree
    from whitepaper.extensions import db
    from whitepaper.models import Assessment, Country

    admin = _admin()
    version_id = current_version(model_by_key("national")).id
    latest: dict[str, int] = {}
    for n, iso3 in enumerate(countries()[:total]):
        country = db.session.scalar(db.select(Country).where(Country.iso3 == iso3))
        rng = random.Random(iso3)
        for step, (start, end) in enumerate(PERIODS):
            found = db.session.scalar(db.select(Assessment.id).where(
                Assessment.country_id == country.id, Assessment.period_end == end, Assessment.status == "published"))
            if found is not None:
                latest[iso3] = found
                continue
            tree = version_tree(version_id)   # loaded again after each commit
            assessment = services.create_assessment(admin, country=country, version=tree, scope_name="",
                                                    period_start=start, period_end=end)
            for dimension in tree.dimensions:
                for criterion in dimension.criteria:
                    share = min(1.0, rng.random() * 0.8 + 0.1 * step)   # of the elements in good order
                    marks = {e.id: (rng.random() < share) == (e.polarity == "positive") for e in criterion.elements}
                    services.save_rating(admin, assessment, criterion, RatingData(
                        kind="value", marks=marks, justification="El taller revisó la evidencia disponible.",
                        means_of_verification="Plan nacional; informes de seguimiento.",
                        action_what="Fortalecer el procedimiento." if share < 0.5 else ""))
            services.submit(admin, assessment)
            services.validate(admin, assessment)
            services.publish(admin, assessment, True)
            latest[iso3] = assessment.id
        if n % 4 == 3:
            db.session.commit()
    db.session.commit()
    return latest


def republish(assessment_id: int) -> None:
    """A correction of a published assessment, published: the published set changes (run in an app context)."""
    from whitepaper.assessment import services
    from whitepaper.extensions import db
    from whitepaper.models import Assessment

    admin = _admin()
    original = db.session.get(Assessment, assessment_id)
    current = db.session.scalar(db.select(Assessment).where(Assessment.revises_id == original.id)
                                .order_by(Assessment.id.desc()).limit(1))
    while current is not None:   # correct the latest correction
        original = current
        current = db.session.scalar(db.select(Assessment).where(Assessment.revises_id == original.id)
                                    .order_by(Assessment.id.desc()).limit(1))
    correction = services.start_revision(admin, original)
    services.submit(admin, correction)
    services.validate(admin, correction)
    services.publish(admin, correction, True)
    db.session.commit()
