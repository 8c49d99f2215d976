"""The migrated schema is exactly the models' schema, on SQLite and on PostgreSQL."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrations_leave_no_pending_autogenerate_diff(app, db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_33_countries_are_seeded_with_their_subregions(db):
    from whitepaper.models import Country
    countries = db.session.scalars(db.select(Country)).all()
    assert len(countries) == 33
    by_region = {}
    for country in countries:
        by_region.setdefault(country.subregion, set()).add(country.iso3)
    assert {"ARG", "BRA", "CHL"} <= by_region["south_america"]
    assert {"MEX", "CRI", "GTM"} <= by_region["central_america_mexico"]
    assert {"JAM", "TTO", "BRB"} <= by_region["caribbean"]
    assert all(c.name_es and c.name_en for c in countries)
