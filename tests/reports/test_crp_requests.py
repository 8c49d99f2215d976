"""One queued or running CRP report per model and language: asking again, even at the same moment from two
browsers, joins the report already on its way (its page) instead of queueing another."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from whitepaper.models import Job
from whitepaper.models.base import utcnow
from whitepaper.reports import jobs


def _jobs(db, **params) -> list[Job]:
    db.session.expire_all()
    rows = db.session.scalars(select(Job).where(Job.kind == "crp_report").order_by(Job.id)).all()
    return [j for j in rows if all(j.params.get(k) == v for k, v in params.items())]


def test_asking_twice_for_the_same_report_joins_the_first_request(app, db, client, make_user, login_as):
    login_as(make_user("observer"))
    first = client.post("/reports/crp/sectoral", data={"lang": "es"})
    second = client.post("/reports/crp/sectoral", data={"lang": "es"}, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    [job] = _jobs(db)
    assert first.headers["Location"].endswith(f"/reports/jobs/{job.id}")
    assert second.request.path == f"/reports/jobs/{job.id}"
    # another language, or another model, is other work
    client.post("/reports/crp/sectoral", data={"lang": "en"})
    client.post("/reports/crp/national", data={"lang": "es"})
    assert len(_jobs(db)) == 3 and len(_jobs(db, model="sectoral", lang="es")) == 1


def test_a_finished_failed_or_abandoned_report_does_not_block_a_new_one(app, db, client, make_user, login_as):
    login_as(make_user("facilitator"))
    client.post("/reports/crp/vision", data={"lang": "es"})
    [job] = _jobs(db)
    for status, started in (("running", utcnow() - timedelta(minutes=5)), ("done", None), ("failed", None),
                            ("running", utcnow() - jobs.RUNNING_AT_MOST - timedelta(minutes=1))):
        db.session.get(Job, job.id).status = status
        db.session.get(Job, job.id).started_at = started
        db.session.commit()
        client.post("/reports/crp/vision", data={"lang": "es"})
        pending = [j for j in _jobs(db, model="vision") if j.id != job.id]
        if status == "running" and started > utcnow() - jobs.RUNNING_AT_MOST:
            assert pending == [], "a report on its way was queued again"
        else:
            assert len(pending) == 1, status
            db.session.delete(pending[0])
            db.session.commit()


def test_two_requests_at_the_same_moment_queue_one_job(app, db, make_user):
    users = [make_user("observer"), make_user("admin")]
    clients = []
    for user in users:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        clients.append(client)
    for attempt in range(5):
        barrier = threading.Barrier(len(clients))
        answers: list = []

        def ask(client, lang=("es", "en")[attempt % 2]):
            barrier.wait(timeout=30)
            answers.append(client.post("/reports/crp/sectoral", data={"lang": lang}))

        threads = [threading.Thread(target=ask, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert [a.status_code for a in answers] == [302, 302]
        assert len({a.headers["Location"] for a in answers}) == 1
        db.session.expire_all()
        queued = db.session.scalar(select(func.count()).select_from(Job).where(Job.status == "queued"))
        assert queued == 1, attempt
        db.session.execute(Job.__table__.update().values(status="done"))
        db.session.commit()
