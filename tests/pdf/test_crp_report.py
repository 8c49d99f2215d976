"""The CRP regional report: published assessments side by side in alphabetical order, regional means, and
delivery through the job queue and the worker (the web worker never renders it)."""
from __future__ import annotations

import re

import pytest

from whitepaper.reports import jobs

from .test_scorecard_pdf import varied

pytestmark = pytest.mark.pdf


def _publish_three(make_assessment):
    return [make_assessment(iso, status="published", rate=varied) for iso in ("MEX", "CHL", "CRI")]


def test_cli_report_lists_countries_alphabetically_with_regional_means(app, runner, make_assessment, tmp_path,
                                                                       pdf_text):
    _publish_three(make_assessment)
    out = tmp_path / "crp.pdf"
    result = runner.invoke(args=["report", "crp", "--model", "national", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(str(out))
    side = text.split("Evaluaciones lado a lado")[-1] if "Evaluaciones lado a lado" in text else text
    positions = [side.index(name) for name in ("Chile", "Costa Rica", "México")]
    assert positions == sorted(positions)
    assert "Regional mean" in text or "Promedio regional" in text


def test_report_without_three_countries_says_why_there_is_no_regional_mean(app, runner, make_assessment, tmp_path,
                                                                           pdf_text):
    make_assessment("CRI", status="published", rate=varied)
    out = tmp_path / "crp.pdf"
    runner.invoke(args=["report", "crp", "--model", "national", "--out", str(out), "--lang", "en"])
    text = re.sub(r"\s+", " ", pdf_text(str(out)))
    assert "at least three countries" in text


def test_web_request_queues_a_job_that_the_worker_renders_and_offers(app, client, db, make_assessment, make_user,
                                                                     login_as, pdf_text):
    _publish_three(make_assessment)
    login_as(make_user("observer"))
    response = client.post("/reports/crp/national", data={"lang": "es"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert "En espera" in client.get(job_url).get_data(as_text=True) or \
        client.get(job_url + "?format=json").get_json()["status"] == "queued"
    assert jobs.work(once=True) == 1
    state = client.get(job_url + "?format=json").get_json()
    assert state["status"] == "done" and state["progress"] == 100
    download = client.get(state["download"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "Costa Rica" in pdf_text(download.data)


def test_reports_are_for_admins_facilitators_and_observers(app, client, make_user, login_as):
    login_as(make_user("assessor", country="CRI"))
    assert client.get("/reports/").status_code == 403
    assert client.post("/reports/crp/national").status_code == 403
    login_as(make_user("facilitator"))
    assert client.get("/reports/").status_code == 200
