"""What the people who run the platform watch: /metrics (Prometheus text format, only for the holder of
METRICS_TOKEN, adding up every process in multiprocess mode) and the JSON lines logged per request and per job,
with the request id a user can quote from an error page. A whole journey leaves no secret in the logs."""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.ballots.conftest import build_committee
from tests.conftest import PASSWORD
from whitepaper import mail
from whitepaper.reports import jobs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "metrics-token-3f9a1c"
FIELDS = {"time", "event", "request_id", "user", "endpoint", "method", "status", "duration_ms"}


@pytest.fixture
def token(app):
    app.config["METRICS_TOKEN"] = TOKEN
    return TOKEN


@pytest.fixture
def request_lines(caplog):
    """The JSON lines of the requests logged so far (a function: call it after the requests)."""
    caplog.set_level(logging.INFO, logger="whitepaper.requests")
    caplog.set_level(logging.INFO, logger="whitepaper.jobs")

    def lines(logger: str = "whitepaper.requests") -> list[dict]:
        return [json.loads(record.getMessage()) for record in caplog.records if record.name == logger]
    return lines


def scrape(client, token: str = TOKEN) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of one authorised scrape."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(response.get_data(as_text=True))


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def requests_of(values, endpoint: str, status: str = "200") -> float:
    key = ("whitepaper_http_request_duration_seconds_count", (("endpoint", endpoint), ("status", status)))
    return values.get(key, 0.0)


def without_reference(html: str) -> str:
    """The page without what differs between any two requests: its reference and its CSRF token (signed with
    the second it was made)."""
    html = re.sub(r"<p class=\"hint\">[^<]*</p>", "", html)
    return re.sub(r'(name="csrf[-_]token"[^>]*content="|name="csrf_token"[^>]*value=")[^"]*"', r'\1"', html)


# --- /metrics: the token ---------------------------------------------------------------------------------------

def test_metrics_do_not_exist_without_a_configured_token(app, client):
    app.config["METRICS_TOKEN"] = None
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {TOKEN}"}):
        assert client.get("/metrics", headers=headers).status_code == 404


def test_a_missing_or_wrong_token_gets_the_page_of_an_address_that_does_not_exist(client, token):
    nowhere = client.get("/no-such-page")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
                    {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": TOKEN},
                    {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 404, headers
        assert without_reference(response.get_data(as_text=True)) \
            == without_reference(nowhere.get_data(as_text=True).replace("/no-such-page", "/metrics"))
        assert "whitepaper_" not in response.get_data(as_text=True)


def test_the_token_opens_the_prometheus_text_format(client, token):
    values = scrape(client)
    names = {name for name, _labels in values}
    assert {"whitepaper_jobs", "whitepaper_outbox_messages", "whitepaper_open_rounds", "whitepaper_open_ballots",
            "whitepaper_db_connections_checked_out"} <= names
    assert values[("whitepaper_jobs", (("state", "queued"),))] == 0


# --- /metrics: what moves --------------------------------------------------------------------------------------

def test_requests_are_counted_by_endpoint_name_and_status_never_by_path(client, token):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    client.get("/no-such-page/with-a-secret-looking-part")
    client.get("/catalogue/no-such-model")
    after = scrape(client)
    assert requests_of(after, "main.healthz") - requests_of(before, "main.healthz") == 3
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") >= 1
    endpoints = {dict(labels).get("endpoint") for name, labels in after if name.startswith("whitepaper_http")}
    assert "main.healthz" in endpoints and not any(e and "/" in e for e in endpoints)
    # the scrape itself is a request like any other
    assert requests_of(after, "observability.metrics") >= 1


def test_jobs_outbox_rounds_and_ballots_move_with_the_work(app, client, db, token, monkeypatch):
    from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
    from whitepaper.delphi.rounds import lifecycle as round_lifecycle
    monkeypatch.setitem(jobs.HANDLERS, "metrics-fine", lambda job, progress: "ok")

    def broken(job, progress):
        raise RuntimeError("no data")
    monkeypatch.setitem(jobs.HANDLERS, "metrics-broken", broken)
    setup = build_committee(db, prefix="metrics")
    db.session.commit()
    before = scrape(client)
    jobs.enqueue("metrics-fine", {})
    jobs.enqueue("metrics-broken", {})
    mail.queue("someone@example.org", "Subject", "Body")
    db.session.commit()
    queued = scrape(client)
    state = lambda values, name, s: values[(name, (("state", s),))]  # noqa: E731
    assert state(queued, "whitepaper_jobs", "queued") == state(before, "whitepaper_jobs", "queued") + 2
    assert state(queued, "whitepaper_outbox_messages", "waiting") \
        == state(before, "whitepaper_outbox_messages", "waiting") + 1
    round_ = round_lifecycle.create_open_round(setup.facilitator, setup.committee)
    round_lifecycle.open_round(setup.facilitator, round_)
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels")
    ballot_lifecycle.open_ballot(setup.facilitator, ballot, notify=False)
    db.session.commit()
    opened = scrape(client)
    assert opened[("whitepaper_open_rounds", ())] == before[("whitepaper_open_rounds", ())] + 1
    assert opened[("whitepaper_open_ballots", ())] == before[("whitepaper_open_ballots", ())] + 1

    assert jobs.work(once=True) == 2
    ran = scrape(client)
    assert state(ran, "whitepaper_jobs", "queued") == state(before, "whitepaper_jobs", "queued")
    assert state(ran, "whitepaper_jobs", "failed") == state(before, "whitepaper_jobs", "failed") + 1

    def runs(values, kind, outcome):
        return values.get(("whitepaper_job_run_duration_seconds_count", (("kind", kind), ("outcome", outcome))), 0)
    assert runs(ran, "metrics-fine", "done") == runs(before, "metrics-fine", "done") + 1
    assert runs(ran, "metrics-broken", "failed") == runs(before, "metrics-broken", "failed") + 1


def test_checked_out_connections_are_counted_and_given_back(app, db, client, token):
    scrape(client)  # the metrics exist, hence the pool's listeners
    values = lambda: scrape(client)[("whitepaper_db_connections_checked_out", ())]  # noqa: E731
    idle = values()
    with db.engine.connect() as first, db.engine.connect() as second:
        assert first is not second
        assert values() == idle + 2
    assert values() == idle


MULTIPROCESS_SCRIPT = """
import os, sys
from whitepaper import create_app
from whitepaper.observability import metrics
app = create_app()
client = app.test_client()
for _ in range(int(sys.argv[1])):
    assert client.get("/healthz").status_code == 200
if sys.argv[2:]:
    metrics.child_exit(None, type("Worker", (), {"pid": int(sys.argv[2])}))
    response = client.get("/metrics", headers={"Authorization": "Bearer " + os.environ["METRICS_TOKEN"]})
    assert response.status_code == 200
    sys.stdout.write(response.get_data(as_text=True))
else:
    print(os.getpid())
"""


def test_several_processes_add_up_in_multiprocess_mode(database_url, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("WHITEPAPER_ENV", "FLASK_APP")}
    env.update({"PROMETHEUS_MULTIPROC_DIR": str(folder), "METRICS_TOKEN": TOKEN, "DATABASE_URL": database_url,
                "WHITEPAPER_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "s" * 40})

    def python(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT, *args], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return result
    first = python("3")  # a worker that served three requests and ended
    dead_pid = first.stdout.strip()
    assert any(name.endswith(f"_{dead_pid}.db") for name in os.listdir(folder))
    second = python("2", dead_pid)
    values = samples(second.stdout)
    assert requests_of(values, "main.healthz") == 5  # 3 + 2: both processes' files added up
    assert not any(name.startswith("gauge_livesum") and name.endswith(f"_{dead_pid}.db") for name in os.listdir(folder))
    # outside TESTING, the request lines go to standard error, one JSON object each
    lines = [json.loads(line) for line in second.stderr.splitlines() if line.startswith("{")]
    assert [line["endpoint"] for line in lines] == ["main.healthz", "main.healthz", "observability.metrics"]


# --- logs --------------------------------------------------------------------------------------------------

def test_one_json_line_per_request_with_its_fields(client, make_user, login_as, request_lines):
    client.get("/healthz")
    lines = request_lines()
    assert len(lines) == 1
    line = lines[0]
    assert set(line) == FIELDS
    assert (line["event"], line["user"], line["endpoint"], line["method"], line["status"]) \
        == ("request", "anonymous", "main.healthz", "GET", 200)
    assert line["time"].endswith("Z") and datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    user = make_user("observer")
    login_as(user)
    client.get("/catalogue/")
    client.post("/lang", data={"lang": "en"})
    lines = request_lines()
    assert len(lines) == 3
    assert [(entry["user"], entry["method"]) for entry in lines[1:]] == [(user.id, "GET"), (user.id, "POST")]


def test_the_request_id_is_echoed_generated_or_replaced(client, request_lines):
    kept = client.get("/healthz", headers={"X-Request-Id": "proxy-7.a_B"})
    assert kept.headers["X-Request-Id"] == "proxy-7.a_B"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    assert client.get("/healthz").headers["X-Request-Id"] != made.headers["X-Request-Id"]
    for hostile in ("<script>alert(1)</script>", "a" * 65, "id with spaces", "ä", "x;y", ""):
        replaced = client.get("/healthz", headers={"X-Request-Id": hostile})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"]), hostile
    assert client.get("/healthz", headers={"X-Request-Id": "a" * 64}).headers["X-Request-Id"] == "a" * 64
    ids = [line["request_id"] for line in request_lines()]
    assert ids[:2] == ["proxy-7.a_B", made.headers["X-Request-Id"]]
    assert not any("<" in i or " " in i for i in ids)


def test_error_pages_show_the_request_id(app, client, make_user, login_as, request_lines):
    from whitepaper.errors import Conflict

    def explode():
        raise RuntimeError("boom")

    def refuse():
        raise Conflict("Already done.")
    app.add_url_rule("/test-explode", "test_explode", explode)
    app.add_url_rule("/test-refuse", "test_refuse", refuse, methods=["POST"])
    missing = client.get("/no-such-page", headers={"X-Request-Id": "report-404"})
    assert missing.status_code == 404 and "Referencia: report-404" in missing.get_data(as_text=True)
    login_as(make_user("observer"))
    client.set_cookie("lang", "en", domain="localhost")
    failed = client.get("/test-explode")
    reference = failed.headers["X-Request-Id"]
    assert failed.status_code == 500 and f"Reference: {reference}" in failed.get_data(as_text=True)
    assert request_lines()[-1]["request_id"] == reference and request_lines()[-1]["status"] == 500
    refused = client.post("/test-refuse", headers={"X-Request-Id": "refused-9", "Referer": "http://localhost/catalogue/"})
    assert refused.status_code == 409 and "Already done." in refused.get_data(as_text=True)
    assert 'href="/catalogue/"' in refused.get_data(as_text=True)  # the refusal page, with its way back
    assert "Reference: refused-9" in refused.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing", headers={"X-Request-Id": "api-1"})
    assert api.status_code == 404 and api.headers["X-Request-Id"] == "api-1"


def test_one_json_line_per_job_run(app, db, monkeypatch, request_lines):
    monkeypatch.setitem(jobs.HANDLERS, "log-fine", lambda job, progress: "ok")
    job = jobs.enqueue("log-fine", {"secret": "job-parameter-value"})
    db.session.commit()
    assert jobs.work(once=True) == 1
    lines = request_lines("whitepaper.jobs")
    assert len(lines) == 1
    assert set(lines[0]) == {"time", "event", "job_id", "kind", "outcome", "duration_ms"}
    assert (lines[0]["event"], lines[0]["job_id"], lines[0]["kind"], lines[0]["outcome"]) \
        == ("job", job.id, "log-fine", "done")
    assert "job-parameter-value" not in json.dumps(lines)


def test_a_whole_journey_leaves_no_secret_in_the_logs(app, client, db, caplog, request_lines):
    """Login with a password, an answer to a round, a vote with its reason, an API token made and used, a search:
    every log record of every logger is searched for each of them."""
    from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
    from whitepaper.delphi.rounds import lifecycle as round_lifecycle
    from whitepaper.delphi.rounds import queries as round_queries
    from whitepaper.models.ballot import BallotItem
    caplog.set_level(logging.DEBUG)
    setup = build_committee(db, prefix="journey")
    round_ = round_lifecycle.create_open_round(setup.facilitator, setup.committee)
    round_lifecycle.open_round(setup.facilitator, round_)
    ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, "dimensions_levels")
    ballot_lifecycle.open_ballot(setup.facilitator, ballot, notify=False)
    db.session.commit()
    member = setup.members[0]
    round_id, ballot_id, member_id, email = round_.id, ballot.id, member.id, member.email
    good, obstacles, ranking = round_queries.round_detail(round_id).items
    items = {i.subject: i.id for i in db.session.scalars(select(BallotItem).where(BallotItem.ballot_id == ballot_id))}

    login = client.post("/login", data={"email": email, "password": PASSWORD}, headers={"X-Request-Id": "journey-1"})
    assert login.status_code == 302
    answer = {f"text-{good.id}": "Coordinación-secreta-7781", f"text-{obstacles.id}": "Obstáculo-secreto-5521",
              f"comment-{ranking.id}": "Razón-secreta-9043", "action": "submit"}
    for rank, key in enumerate(ranking.option_keys, start=1):
        answer[f"rank-{ranking.id}-{key}"] = str(rank)
    assert client.post(f"/committees/rounds/{round_id}/answer", data=answer).status_code == 302
    vote = {f"choice-{items['design']}": "reject", f"reason-{items['design']}": "Motivo-del-voto-6612",
            f"choice-{items['institutional']}": "abstain"}
    assert client.post(f"/ballots/{ballot_id}/vote", data=vote).status_code == 302
    page = client.post("/account/tokens", data={"name": "Nombre-del-token-3307"}).get_data(as_text=True)
    raw_token = re.search(r'id="new-token">([^<]+)<', page).group(1)
    api = app.test_client().get("/api/v1/models/sectoral", headers={"Authorization": f"Bearer {raw_token}"})
    assert api.status_code == 200
    assert client.get("/catalogue/?q=Búsqueda-secreta-4410").status_code == 200
    client.post("/logout")

    endpoints = [(line["endpoint"], line["user"], line["status"]) for line in request_lines()]
    assert endpoints == [("auth.login", member_id, 302), ("delphi.answer", member_id, 302),
                         ("ballots.vote", member_id, 302), ("auth.tokens", member_id, 200),
                         ("api.model_detail", member_id, 200), ("catalogue.index", member_id, 200),
                         ("auth.logout", "anonymous", 302)]
    logged = "\n".join([caplog.text] + [record.getMessage() for record in caplog.records])
    secrets = [PASSWORD, raw_token, raw_token[3:], "Coordinación-secreta-7781", "Obstáculo-secreto-5521",
               "Razón-secreta-9043", "Motivo-del-voto-6612", "Nombre-del-token-3307", "Búsqueda-secreta-4410",
               "reject", "abstain", "choice-", email, "q="]
    assert [secret for secret in secrets if secret in logged] == []


def test_outside_testing_the_lines_go_to_standard_error_once(database_url, capsys):
    from tests.conftest import base_config
    from whitepaper import create_app
    from whitepaper.observability import logs
    production_like = {"DATABASE_URL": database_url, "SECRET_KEY": "s" * 40, "SERVER_NAME": "localhost"}
    try:
        create_app(production_like)
        served = create_app(production_like)  # a second app in the process: still one handler
        assert len(logs.REQUESTS.handlers) == 1 and not logs.REQUESTS.propagate
        served.test_client().get("/healthz", headers={"X-Request-Id": "stderr-1"})
        written = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        assert [(line["request_id"], line["endpoint"]) for line in written] == [("stderr-1", "main.healthz")]
    finally:
        create_app(base_config(database_url))  # a TESTING app gives the lines back to the test's capture
    assert logs.REQUESTS.handlers == [] and logs.REQUESTS.propagate
