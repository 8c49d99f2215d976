"""A real WSGI server under load: gunicorn as production runs it (deploy/gunicorn.conf.py: 2 workers of 2
threads; 127.0.0.1 only) on PostgreSQL (a throwaway server started as the tests start it, or a new database
on TEST_DATABASE_URL) holding the demo data (`flask demo`),
driven by locust, headless, for a bounded time. Two runs on the same server, with the same user count and
duration, users waiting for nothing between requests:

1. `/healthz` only: the floor (`load_healthz`, requests per second);
2. the mix of bench/locustfile.py: members answering and reading round results, assessors autosaving,
   facilitators on the systemizing and results pages, anonymous readers of the catalogue and published
   scorecards, API readers with a token (`load_mix`: requests per second, with its p95 and its errors;
   ratio = mix / floor; `by_name` per request kind; `alone_ms` each page alone, one request at a time).

The signed-in users' sessions are opened through the login form before the runs (sign-ins are not timed).
Every URL of the mix is fetched before the runs, with the identity that uses it, and must answer 200. The
servers are stopped by their PIDs at the end."""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from typing import Any

from . import servers

USERS = 20
SECONDS = 30
TARGET_RATIO = 0.25
TARGET_P95_MS = 300.0
MIX = ("Member", "Assessor", "Facilitator", "AnonymousReader", "ApiReader")


def _plan() -> dict[str, Any]:
    """In an app context on the demo database: what the locust users need (ids, accounts, an API token, the
    criteria the assessors autosave and their current versions). Commits the token."""
    from sqlalchemy import select

    from whitepaper import permissions
    from whitepaper.assessment import queries as assessment_queries
    from whitepaper.auth import services as accounts
    from whitepaper.catalogue import queries as catalogue_queries
    from whitepaper.demo import accounts as demo_accounts
    from whitepaper.demo import committees as demo_committees
    from whitepaper.extensions import db
    from whitepaper.models import Assessment, Committee, Item, Round

    committees = {c.planning_model.key: c for c in db.session.scalars(select(Committee))}
    rounds = {key: list(db.session.scalars(select(Round).where(Round.committee_id == c.id).order_by(Round.number)))
              for key, c in committees.items()}
    open_round = next(r for r in rounds["vision"] if r.status == "open")
    published = [r for r in rounds["sectoral"] if r.status == "published"]
    coded = next(r for r in published if r.kind == "open")

    assessor = accounts.user_by_email("evaluadora@demo.cepal.org")
    assessments = list(db.session.scalars(select(Assessment).order_by(Assessment.id)))
    draft = next(a for a in assessments if permissions.can_edit_assessment(assessor, a))
    tree = catalogue_queries.version_tree(draft.version_id)
    criteria = []
    for dimension in tree.dimensions:
        for c in dimension.criteria:
            rating = assessment_queries.rating_for_update(draft, c.id)
            criteria.append({"code": c.code, "scoring": c.scoring, "dimension": dimension.key,
                             "elements": [e.position for e in c.elements], "levels": [lv.value for lv in c.levels],
                             "version": rating.version if rating is not None else 0})
    national = catalogue_queries.current_version(catalogue_queries.model_by_key("national"))
    national_tree = catalogue_queries.version_tree(national.id)
    criterion_pages = [f"/catalogue/national/{national.label}/criteria/{c.code}"
                       for d in national_tree.dimensions for c in d.criteria]

    member = accounts.user_by_email(demo_committees.DEMO_MEMBER)
    _token, raw = accounts.create_api_token(member, "bench load")
    db.session.commit()
    return {
        # members of both committees: they answer the open round (vision) and read the published ones (sectoral)
        "members": [e for e in demo_committees.VISION_MEMBERS if e in demo_committees.SECTORAL_MEMBERS],
        "member_password": demo_accounts.demo_password("member"),
        "open_round": open_round.id,
        "open_items": [{"id": i.id, "kind": i.kind, "options": i.option_keys} for i in db.session.scalars(
            select(Item).where(Item.round_id == open_round.id).order_by(Item.position))],
        "published_rounds": [r.id for r in published],
        "coded_round": coded.id,
        "assessor": assessor.email, "assessor_password": demo_accounts.demo_password("assessor"),
        "assessment": draft.id,
        "criteria": criteria,
        "facilitator": "facilitadora@demo.cepal.org",
        "facilitator_password": demo_accounts.demo_password("facilitator"),
        "criterion_pages": criterion_pages,
        "published": [a.id for a in assessments if a.status == "published" and a.is_public],
        "api_token": raw,
    }


def _preflight(url: str, plan: dict[str, Any]) -> dict[str, float]:
    """Every page of the mix answers 200 with the identity that reads it (a wrong URL is not load). Returns
    each page's time alone, one request at a time (the second of two fetches), in ms: where the time goes."""
    import requests
    alone: dict[str, float] = {}

    def check(session, path: str, **kwargs) -> None:
        for _ in range(2):
            started = time.perf_counter()
            response = session.get(url + path, timeout=120, **kwargs)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"bench_load: {path} answered {response.status_code} before the load")
        alone[re.sub(r"/\d+", "/<id>", path)] = round(elapsed, 1)

    with requests.Session() as anonymous:
        for path in ["/catalogue/national/", "/assessments/published", plan["criterion_pages"][0]] + \
                [f"/assessments/{i}/scorecard" for i in plan["published"]]:
            check(anonymous, path)
        bearer = {"Authorization": f"Bearer {plan['api_token']}"}
        for path in ["/api/v1/models/national", "/api/v1/committees"] + \
                [f"/api/v1/assessments/{i}/scorecard" for i in plan["published"]] + \
                [f"/api/v1/rounds/{r}/results" for r in plan["published_rounds"]]:
            check(anonymous, path, headers=bearer)
    with requests.Session() as member:
        servers.login(member, url, plan["members"][0], plan["member_password"])
        for path in [f"/committees/rounds/{plan['open_round']}/answer"] + \
                [f"/committees/rounds/{r}/feedback" for r in plan["published_rounds"]]:
            check(member, path)
    with requests.Session() as facilitator:
        servers.login(facilitator, url, plan["facilitator"], plan["facilitator_password"])
        check(facilitator, f"/committees/rounds/{plan['coded_round']}/systemize")
        check(facilitator, f"/committees/rounds/{plan['open_round']}/")
        for r in plan["published_rounds"]:
            check(facilitator, f"/committees/rounds/{r}/results")
    with requests.Session() as assessor:
        servers.login(assessor, url, plan["assessor"], plan["assessor_password"])
        check(assessor, f"/assessments/{plan['assessment']}/rate/{plan['criteria'][0]['dimension']}")
    check(requests, "/healthz")
    return alone


def _sign_in(url: str, plan: dict[str, Any]) -> None:
    """Opens one session per account through the login form and adds its cookies and CSRF token to the plan."""
    import requests
    accounts = [(email, plan["member_password"]) for email in plan["members"]] + \
        [(plan["assessor"], plan["assessor_password"]), (plan["facilitator"], plan["facilitator_password"])]
    plan["sessions"] = {}
    for email, password in accounts:
        with requests.Session() as session:
            token = servers.login(session, url, email, password)
            plan["sessions"][email] = {"csrf": token, "cookies": [[c.name, c.value, c.domain, c.path]
                                                                  for c in session.cookies]}


def _locust(url: str, env: dict[str, str], folder: str, name: str, classes: tuple[str, ...]) -> dict[str, Any]:
    """One headless locust run; returns the aggregated row of its statistics and the failures."""
    prefix = os.path.join(folder, name)
    done = subprocess.run([os.path.join(servers.BIN, "locust"), "-f", os.path.join(servers.ROOT, "bench",
                                                                                   "locustfile.py"),
                           "--headless", "-u", str(USERS), "-r", str(USERS), "-t", f"{SECONDS}s", "--host", url,
                           "--only-summary", "--stop-timeout", "5", "--csv", prefix,
                           "--loglevel", "WARNING", *classes],
                          cwd=servers.ROOT, env=env, capture_output=True, text=True, timeout=SECONDS + 120)
    try:
        with open(prefix + "_stats.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise RuntimeError(f"locust wrote no statistics: {done.stderr[-2000:]}") from None
    with open(prefix + "_failures.csv", newline="") as handle:
        failures = [f"{row['Method']} {row['Name']}: {row['Error']} (x{row['Occurrences']})"
                    for row in csv.DictReader(handle)]
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {"rps": float(total["Requests/s"]), "p50_ms": float(total["50%"]), "p95_ms": float(total["95%"]),
            "requests": int(total["Request Count"]), "errors": int(total["Failure Count"]), "failures": failures,
            "by_name": {row["Name"]: {"requests": int(row["Request Count"]), "p50_ms": float(row["50%"]),
                                      "p95_ms": float(row["95%"])} for row in rows if row["Name"] != "Aggregated"}}


def run() -> list[dict[str, Any]]:
    if not servers.postgres_available():
        print("bench_load: PostgreSQL is not available (no postgresql-15 as root, no TEST_DATABASE_URL): skipped.")
        return []
    folder = tempfile.mkdtemp(prefix="wp-bench-load-")
    try:
        with servers.postgres_database("wp_bench_load") as database_url, servers.instance_folder(folder):
            port = servers.free_port()
            env = servers.app_env(database_url, folder, port)
            for command in (("db", "upgrade"), ("catalog", "load"), ("demo",)):
                servers.flask(env, *command)
            from whitepaper import create_app
            from whitepaper.extensions import db
            app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": env["SECRET_KEY"]})
            with app.app_context():
                plan = _plan()
                db.session.remove()
                db.engine.dispose()
            plan_file = os.path.join(folder, "plan.json")
            locust_env = {**env, "BENCH_LOAD_PLAN": plan_file}
            with servers.gunicorn(env, port) as url:
                alone = _preflight(url, plan)
                _sign_in(url, plan)
                with open(plan_file, "w", encoding="utf-8") as handle:
                    json.dump(plan, handle)
                floor = _locust(url, locust_env, folder, "healthz", ("HealthReader",))
                mix = _locust(url, locust_env, folder, "mix", MIX)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for failure in (floor["failures"] + mix["failures"])[:10]:
        print(f"bench_load: failure: {failure}")
    size = f"{USERS} users, {SECONDS} s, gunicorn -w 2, PostgreSQL, demo data"
    ratio = mix["rps"] / floor["rps"] if floor["rps"] else None
    return [
        {"name": "load_healthz", "size": size, "value": round(floor["rps"], 1), "unit": "req/s", "floor": None,
         "ratio": None, "queries": None, "p50_ms": floor["p50_ms"], "p95_ms": floor["p95_ms"],
         "errors": floor["errors"], "requests": floor["requests"],
         "target": "the floor of load_mix (no target of its own); 0 errors", "met": floor["errors"] == 0},
        {"name": "load_mix", "size": size, "value": round(mix["rps"], 1), "unit": "req/s",
         "floor": round(floor["rps"], 1), "ratio": round(ratio, 3) if ratio is not None else None, "queries": None,
         "p50_ms": mix["p50_ms"], "p95_ms": mix["p95_ms"], "errors": mix["errors"], "requests": mix["requests"],
         "by_name": mix["by_name"], "alone_ms": alone,
         "target": f"throughput >= {TARGET_RATIO:.2f} x /healthz, p95 <= {TARGET_P95_MS:.0f} ms, 0 errors",
         "met": ratio is not None and ratio >= TARGET_RATIO and mix["p95_ms"] <= TARGET_P95_MS
         and mix["errors"] == 0},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
