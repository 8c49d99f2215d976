"""The demo self-evaluations: two published national assessments of Costa Rica, published ones from enough
countries for the regional comparison, a subnational draft with two groups and a divergence; loading twice
changes nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from whitepaper.models import Assessment, Country, PlanningModel, Rating, User


def _national(db, iso3):
    return db.session.scalars(
        select(Assessment).join(Country, Country.id == Assessment.country_id)
        .join(PlanningModel, PlanningModel.id == Assessment.planning_model_id)
        .where(Country.iso3 == iso3, PlanningModel.key == "national").order_by(Assessment.period_end)).all()


def test_demo_self_evaluations(app, db, client, login_as):
    from whitepaper import demo
    demo.load()
    counts = db.session.scalar(select(func.count()).select_from(Assessment)), \
        db.session.scalar(select(func.count()).select_from(Rating))
    demo.load()
    assert (db.session.scalar(select(func.count()).select_from(Assessment)),
            db.session.scalar(select(func.count()).select_from(Rating))) == counts

    costa_rica = _national(db, "CRI")
    assert [(a.period_start, a.period_end, a.status) for a in costa_rica] == [
        (2015, 2018, "published"), (2019, 2022, "published")]
    published = db.session.scalars(select(Assessment).where(Assessment.status == "published")).all()
    assert len({a.country_id for a in published if a.version_id == costa_rica[1].version_id}) >= 3

    assessor = db.session.scalar(select(User).where(User.email == "evaluadora@demo.cepal.org"))
    login_as(assessor)
    latest = client.get(f"/api/v1/assessments/{costa_rica[1].id}/scorecard").get_json()
    assert latest["completeness"] == 1.0 and latest["provisional"] is False
    assert latest["previous"]["id"] == costa_rica[0].id and latest["regional"]["countries"] >= 3
    detail = client.get(f"/api/v1/assessments/{costa_rica[1].id}").get_json()
    justifications = [r["justification"] for r in detail["ratings"]]
    assert len(justifications) == 33 and len(set(justifications)) == 33
    spanish = (" de ", " que ", " se ", " los ", " las ", " el ", " la ")
    assert all(sum(word in j for word in spanish) >= 2 for j in justifications)  # written in Spanish
    assert len({r["means_of_verification"] for r in detail["ratings"]}) > 5

    drafts = db.session.scalars(select(Assessment).where(Assessment.status == "draft")).all()
    own_draft = next(a for a in drafts if a.country_id == assessor.country_id)
    assert client.get(f"/assessments/{own_draft.id}/rate/design").status_code == 200
    page = client.get(f"/assessments/{own_draft.id}/rate/design").get_data(as_text=True)
    assert "group-values divergent" in page
    progress = client.get(f"/api/v1/assessments/{own_draft.id}/scorecard").get_json()
    assert 0 < progress["completeness"] < 1 and progress["provisional"] is True
    other_draft = next(a for a in drafts if a.country_id != assessor.country_id)
    assert client.get(f"/assessments/{other_draft.id}").status_code == 404
