"""Every download (evidence files, CSV exports, PDFs) is sent as an attachment with `Cache-Control: no-store`, and
the CSV exports of rounds and ballots, fed with the known formula-injection texts, hold no cell a spreadsheet
would run."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.unit.test_csv_cells import BYPASSES, cells_a_spreadsheet_would_run

from .world import DEMO_EMAILS, build_world


@pytest.fixture
def world(app, db):
    return build_world(app, db)


def _login(client, db, role: str) -> None:
    from whitepaper.models import User
    user = db.session.scalar(select(User).where(User.email == DEMO_EMAILS[role]))
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def _downloads(world) -> list[tuple[str, str]]:
    v = world.values
    return [
        ("assessor", f"/assessments/{v['assessment_id']}/evidence/{v['evidence_id']}"),
        ("facilitator", f"/committees/rounds/{v['round_id']}/export/answers.csv"),
        ("facilitator", f"/committees/rounds/{v['round_id']}/export/results.csv"),
        ("facilitator", f"/committees/rounds/{v['round_id']}/export/codebook.csv"),
        ("facilitator", f"/ballots/{v['ballot_id']}/export.csv"),
        ("facilitator", f"/ballots/{v['ballot_id']}/export.csv?kind=comments"),
        ("admin", f"/assessments/{v['assessment_id']}/scorecard.pdf"),
        ("observer", f"/reports/jobs/{v['job_id']}/download"),
    ]


def test_every_download_says_no_store(app, db, client, world, monkeypatch):
    from whitepaper.reports import documents
    monkeypatch.setattr(documents, "cached_pdf", lambda html: b"%PDF-1.7\n% scorecard\n")  # no rendering here
    for role, path in _downloads(world):
        _login(client, db, role)
        response = client.get(path)
        assert response.status_code == 200, (role, path, response.status_code)
        assert response.headers["Content-Disposition"].startswith("attachment"), path
        assert response.headers["Cache-Control"] == "no-store", (path, response.headers["Cache-Control"])

    # a public download, by an anonymous reader (no session: nothing else would set the header)
    from whitepaper.models import Assessment
    public = db.session.scalar(select(Assessment).where(Assessment.status == "published",
                                                        Assessment.is_public.is_(True)).order_by(Assessment.id))
    with client.session_transaction() as session:
        session.clear()
    response = client.get(f"/assessments/{public.id}/scorecard.pdf")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_round_and_ballot_exports_hold_no_cell_a_spreadsheet_would_run(app, db, client, world):
    from whitepaper.models import Answer, Code, Response
    from whitepaper.models.ballot import BallotItem, CommentResolution
    round_id, ballot_id = int(world.values["round_id"]), int(world.values["ballot_id"])
    answers = list(db.session.scalars(select(Answer).join(Response, Response.id == Answer.response_id)
                                      .where(Response.round_id == round_id, Response.status == "submitted")
                                      .order_by(Answer.id)))
    codes = list(db.session.scalars(select(Code).order_by(Code.id)))
    resolutions = list(db.session.scalars(select(CommentResolution).join(BallotItem)
                                          .where(BallotItem.ballot_id == ballot_id).order_by(CommentResolution.id)))
    assert len(answers) >= len(BYPASSES) // 2 and codes and resolutions
    for n, answer in enumerate(answers):
        answer.text = BYPASSES[n % len(BYPASSES)]
        answer.comment = BYPASSES[(n + 7) % len(BYPASSES)]
    for n, code in enumerate(codes):
        code.label = {"es": BYPASSES[n % len(BYPASSES)], "en": BYPASSES[(n + 3) % len(BYPASSES)]}
    for n, resolution in enumerate(resolutions):
        resolution.reason = "x" + BYPASSES[n % len(BYPASSES)]
        resolution.answer = BYPASSES[(n + 5) % len(BYPASSES)]
    db.session.commit()

    _login(client, db, "facilitator")
    for path in (f"/committees/rounds/{round_id}/export/answers.csv",
                 f"/committees/rounds/{round_id}/export/codebook.csv",
                 f"/ballots/{ballot_id}/export.csv?kind=comments", f"/ballots/{ballot_id}/export.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert cells_a_spreadsheet_would_run(text) == [], path
    answers_csv = client.get(f"/committees/rounds/{round_id}/export/answers.csv").get_data(as_text=True)
    assert "'=cmd|' /C calc'!A0" in answers_csv or "'@SUM(1+1)" in answers_csv
