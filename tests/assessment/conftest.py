"""Factories for the self-evaluation tests: assessments built through the services, rated as a test says."""
from __future__ import annotations

from typing import Any, Callable, Iterable

import pytest
from sqlalchemy import select

from whitepaper.assessment import services
from whitepaper.assessment.forms import RatingData
from whitepaper.catalogue.queries import current_version, model_by_key, version_tree


def _country(db, iso3: str):
    from whitepaper.models import Country
    return db.session.scalar(select(Country).where(Country.iso3 == iso3))


def level_rating(criterion, level: int | None = None, *, complete: bool = True) -> RatingData:
    """A value rating: the level (levels) or that many favourable elements (elements), default the optimum."""
    data = RatingData(kind="value", justification="Justificación del taller." if complete else "",
                      means_of_verification="Ley de planificación." if complete else "")
    if criterion.scoring == "levels":
        data.level = level if level is not None else criterion.optimal
    else:
        favourable = level if level is not None else criterion.optimal
        data.marks = {e.id: (i < favourable) == (e.polarity == "positive") for i, e in enumerate(criterion.elements)}
    return data


@pytest.fixture
def tree(db) -> Callable:
    """tree("national") -> the current version of a model, loaded with its criteria."""
    def get(model: str = "national"):
        return version_tree(current_version(model_by_key(model)).id)
    return get


@pytest.fixture
def make_assessment(db, make_user, tree) -> Callable:
    """make_assessment(country="CRI", model="national", status="draft", rate=None|"all"|callable, ...)

    `rate` is None (no rating), "all" (every criterion at its optimum, complete) or a function
    (criterion) -> RatingData | None. `status` walks the workflow through the services."""
    actors: dict[str, Any] = {}

    def actor(role: str):
        if role not in actors:
            actors[role] = make_user(role)
        return actors[role]

    def make(country: str = "CRI", model: str = "national", *, status: str = "draft", scope: str = "",
             period: tuple[int, int] = (2019, 2022), groups: Iterable[str] = (), is_public: bool = False,
             rate: Any = None, revises=None, author=None):
        author = author or actor("admin")
        reviewer = actor("facilitator")  # created (and committed) before the catalogue is loaded below
        version_loaded = tree(model)
        from whitepaper.models import CatalogueVersion
        version = db.session.get(CatalogueVersion, version_loaded.id)
        assessment = services.create_assessment(
            author, country=_country(db, country), version=version, scope_name=scope, period_start=period[0],
            period_end=period[1], groups=list(groups), is_public=is_public)
        if revises is not None:
            assessment.revises_id = revises.id
        if rate is not None or status != "draft":
            rule = rate if callable(rate) else (lambda c: level_rating(c))
            for dimension in version_loaded.dimensions:
                for criterion in dimension.criteria:
                    data = rule(criterion)
                    if data is not None:
                        services.save_rating(author, assessment, criterion, data)
        if status in ("submitted", "validated", "published", "returned"):
            services.submit(author, assessment)
        if status == "returned":
            services.return_for_changes(reviewer, assessment, "Faltan medios de verificación.")
        if status in ("validated", "published"):
            services.validate(reviewer, assessment)
        if status == "published":
            services.publish(reviewer, assessment, is_public)
        db.session.commit()
        return assessment
    return make


@pytest.fixture
def criterion_of(db) -> Callable:
    """criterion_of(assessment, code) -> the Criterion with its levels and elements loaded."""
    from whitepaper.assessment import queries

    def get(assessment, code: str):
        return queries.criterion_in_version(assessment, code)
    return get


@pytest.fixture
def assigned_facilitator(db, make_user) -> Callable:
    """assigned_facilitator("CRI", …) -> a facilitator an administrator assigned to those countries'
    self-evaluations (they read its drafts and review them; docs/design.md §1.2)."""
    def make(*countries: str, **kwargs):
        from whitepaper.admin import assignments
        user = make_user("facilitator", **kwargs)
        assignments.assign(make_user("admin"), user, committees=[],
                           countries=[_country(db, iso3) for iso3 in countries])
        db.session.commit()
        return user
    return make
