"""The rating form, the autosave and the scorecard use a constant number of queries, whatever the number of
criteria, elements and ratings (a 21-criterion draft model against the national model's 33 criteria and 189
elements, with and without ratings, groups, evidence and a regional comparison)."""
from __future__ import annotations

import io

from whitepaper.models import CatalogueVersion

from .conftest import level_rating


def _open_sectoral_for_piloting(db, tree):
    db.session.get(CatalogueVersion, tree("sectoral").id).is_open_for_piloting = True
    db.session.commit()


def _group_rating(db, assessment, code):
    from whitepaper.assessment import queries, services
    from whitepaper.models import WorkshopGroup
    group = db.session.scalar(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id))
    criterion = queries.criterion_in_version(assessment, code)
    services.save_rating(None, assessment, criterion, level_rating(criterion), group=group)
    db.session.commit()


def _count(client, count_queries, url, method="GET", **kwargs):
    with count_queries() as counter:
        response = client.open(url, method=method, **kwargs)
    assert response.status_code in (200, 302), (url, response.status_code)
    return counter.n


def test_rating_form_queries_do_not_grow_with_criteria_or_ratings(client, db, make_user, login_as, count_queries,
                                                                  make_assessment, tree):
    _open_sectoral_for_piloting(db, tree)
    small = make_assessment(model="sectoral", scope="Salud", groups=["A", "B"],
                            rate=lambda c: level_rating(c) if c.code == "SEC-2-01" else None)
    few = make_assessment(groups=["A", "B"], rate=lambda c: level_rating(c) if c.code.endswith("1") else None)
    full = make_assessment(groups=["A", "B"], rate="all")
    for a, code in ((small, "SEC-2-01"), (few, "NAC-2-11"), (full, "NAC-2-11")):
        _group_rating(db, a, code)
    login_as(make_user("admin"))
    client.post(f"/assessments/{full.id}/criteria/NAC-2-08", data={
        "choice": "elements", "version": "1", "justification": "J", "means_of_verification": "M",
        "link_url": "https://example.org", "evidence_file": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")},
        content_type="multipart/form-data")
    counts = {
        "small model, one rating": _count(client, count_queries, f"/assessments/{small.id}/rate/design"),
        "national, few ratings": _count(client, count_queries, f"/assessments/{few.id}/rate/design"),
        "national, all rated": _count(client, count_queries, f"/assessments/{full.id}/rate/design"),
        "national, one criterion": _count(client, count_queries, f"/assessments/{full.id}/criteria/NAC-2-08"),
    }
    # (selectin loading skips a query when there is nothing to load: every page here has some ratings)
    assert len(set(list(counts.values())[:3])) == 1, counts
    assert max(counts.values()) <= 30, counts


def test_autosave_queries_do_not_grow_with_the_model(client, db, make_user, login_as, count_queries,
                                                    make_assessment, tree):
    _open_sectoral_for_piloting(db, tree)
    small = make_assessment(model="sectoral", scope="Salud")
    full = make_assessment(rate="all")
    login_as(make_user("admin"))
    small_n = _count(client, count_queries, f"/assessments/{small.id}/criteria/SEC-1-01/autosave", "POST",
                     data={"choice": "2", "version": "0", "justification": "J"})
    full_n = _count(client, count_queries, f"/assessments/{full.id}/criteria/NAC-2-08/autosave", "POST",
                    data={"choice": "elements", "version": "1", "justification": "J", "element-1": "absent"})
    # Element-scored criteria save their marks (a few statements more), but nothing grows with the model size.
    assert small_n <= full_n <= small_n + 4 and full_n <= 30, (small_n, full_n)


def test_scorecard_queries_do_not_grow_with_criteria_ratings_or_the_region(client, db, make_user, login_as,
                                                                           count_queries, make_assessment, tree):
    _open_sectoral_for_piloting(db, tree)
    make_assessment(model="sectoral", scope="Salud", period=(2015, 2018), status="validated")
    small = make_assessment(model="sectoral", scope="Salud", period=(2019, 2022))
    make_assessment(period=(2015, 2018), status="published", rate="all")
    national = make_assessment(period=(2019, 2022), rate="all")
    login_as(make_user("admin"))
    # give the small one a previous assessment too, so both pages have the same sections
    from whitepaper.assessment import services
    from whitepaper.models import Assessment
    earlier = db.session.scalar(db.select(Assessment).where(Assessment.status == "validated"))
    services.publish(None, earlier, False)
    db.session.commit()
    n_small = _count(client, count_queries, f"/assessments/{small.id}/scorecard")
    n_national = _count(client, count_queries, f"/assessments/{national.id}/scorecard")
    for country in ("CHL", "COL", "MEX"):
        make_assessment(country, status="published", rate="all")
    n_regional = _count(client, count_queries, f"/assessments/{national.id}/scorecard")
    api = _count(client, count_queries, f"/api/v1/assessments/{national.id}/scorecard")
    assert n_small == n_national == n_regional, (n_small, n_national, n_regional)
    assert api <= n_national and n_national <= 25
