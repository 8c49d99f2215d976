"""The regional comparison is computed once per catalogue version and published set, and kept: a second
reading of the scorecard (page, API or the CRP report) reuses it, and any publication (a new country, a later
period, a correction) shows at the very next reading, never stale figures."""
from __future__ import annotations

from typing import Callable

import pytest
from flask_babel import force_locale

from whitepaper.assessment import scoring, services

from .conftest import level_rating


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en", domain="localhost")


@pytest.fixture
def computations(monkeypatch) -> list[int]:
    """How many regional comparisons were computed (one entry each)."""
    done: list[int] = []
    real = scoring.regional_comparison

    def counted(cards, keys):
        done.append(1)
        return real(cards, keys)
    monkeypatch.setattr(scoring, "regional_comparison", counted)
    return done


def low(criterion):
    """The lowest value of every criterion (level 1, or no favourable element)."""
    return level_rating(criterion, 1 if criterion.scoring == "levels" else 0)


def regional(client, assessment_id: int) -> dict:
    return client.get(f"/api/v1/assessments/{assessment_id}/scorecard").get_json()["regional"]


def page(client, assessment_id: int) -> str:
    return client.get(f"/assessments/{assessment_id}/scorecard").get_data(as_text=True)


def test_the_figures_are_kept_until_an_assessment_is_published(client, db, make_user, login_as, make_assessment,
                                                               computations):
    for iso3 in ("CHL", "COL", "MEX"):
        make_assessment(iso3, status="published")
    cri = make_assessment("CRI", status="validated", rate=low)  # validated, not published: not counted
    login_as(make_user("admin"))

    first = regional(client, cri.id)
    assert (first["countries"], first["overall"]["mean"]) == (3, 100.0)
    assert "3 assessments from 3 countries" in page(client, cri.id)
    assert regional(client, cri.id) == first
    assert len(computations) == 1  # three readings, one computation

    services.publish(make_user("facilitator"), cri, True)  # Costa Rica's low scores join the comparison
    db.session.commit()
    after = regional(client, cri.id)
    assert (after["countries"], after["assessments"]) == (4, 4)
    assert after["overall"]["mean"] < first["overall"]["mean"] and after["overall"]["min"] < 100.0
    assert "4 assessments from 4 countries" in page(client, cri.id)
    assert len(computations) == 2


def test_a_later_period_or_a_correction_replaces_the_country_s_figures(client, db, make_user, login_as,
                                                                       make_assessment, computations):
    for iso3 in ("CHL", "COL"):
        make_assessment(iso3, status="published")
    earlier = make_assessment("MEX", period=(2015, 2018), status="published")
    login_as(make_user("admin"))
    before = regional(client, earlier.id)
    assert before["overall"]["min"] == 100.0

    later = make_assessment("MEX", period=(2019, 2022), status="published", rate=low)
    replaced = regional(client, earlier.id)
    assert replaced["assessments"] == 3 and replaced["overall"]["min"] < 100.0  # Mexico's latest counts, once
    assert len(computations) == 2

    facilitator = make_user("facilitator")
    correction = services.start_revision(facilitator, later)  # Mexico corrects its latest: back to the optimum
    from whitepaper.assessment import queries
    for dimension in queries.version_tree(correction.version_id).dimensions:
        for criterion in dimension.criteria:
            data = level_rating(criterion)
            data.loaded_version = queries.rating_for_update(correction, criterion.id).version
            services.save_rating(facilitator, correction, criterion, data)
    db.session.commit()
    assert regional(client, earlier.id) == replaced  # a draft correction changes nothing yet
    for step in (services.submit, services.validate):
        step(facilitator, correction)
    services.publish(facilitator, correction, True)
    db.session.commit()
    assert regional(client, earlier.id)["overall"]["min"] == 100.0
    assert len(computations) == 3


def test_the_crp_report_reads_the_same_kept_figures(client, db, make_user, login_as, make_assessment,
                                                    computations):
    from whitepaper.reports import crp

    def report():
        with force_locale("en"):
            return crp.build("national")
    for iso3 in ("CHL", "COL", "MEX"):
        make_assessment(iso3, status="published")
    first = report()
    assert [r.assessment.country.iso3 for r in first.rows] == ["CHL", "COL", "MEX"]
    login_as(make_user("admin"))
    assert regional(client, first.rows[0].assessment.id)["overall"]["mean"] == float(first.regional.overall.mean)
    assert report().regional == first.regional
    assert len(computations) == 1

    make_assessment("CRI", status="published", rate=low)
    second = report()
    assert len(second.rows) == 4 and second.regional.overall.mean < first.regional.overall.mean
    assert len(computations) == 2


def test_each_application_keeps_its_own_figures(app, db, make_assessment, computations):
    """The figures live in the application (one per process, one per test), keyed by what the database holds."""
    from whitepaper.assessment import queries
    for iso3 in ("CHL", "COL", "MEX"):
        make_assessment(iso3, status="published")
    spec = queries.version_spec(make_assessment("CRI").version_id)
    figures: Callable[[], queries.RegionalFigures] = lambda: queries.regional_figures(spec)  # noqa: E731
    assert figures() is figures() and len(computations) == 1
    assert app.extensions["whitepaper.regional_figures"][spec.version_id].regional.countries == 3
