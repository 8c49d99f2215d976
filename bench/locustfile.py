"""Load profiles for bench_load, against gunicorn on the demo data. The plan (ids, accounts, the criteria to
autosave, an API token) is a JSON file named by BENCH_LOAD_PLAN, written by bench_load before the run.

- HealthReader: only GET /healthz (the floor);
- the mix: committee members answering the open round and reading published results (their feedback page),
  assessors autosaving a draft self-assessment, facilitators on the systemizing and results pages, anonymous
  readers of the catalogue and of published scorecards, and API readers with a token.

Users wait for nothing between requests (wait_time 0): the run measures what the server can serve. The
signed-in users get sessions opened through the real login form (CSRF token included) before the run; each
member user has an account of its own (so answers never conflict) and each assessor user a criterion of its
own."""
from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.load(open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8")) if os.environ.get("BENCH_LOAD_PLAN") else {}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOADED_AT = re.compile(r'name="loaded_at" value="([^"]*)"')
_members = itertools.count()
_criteria = itertools.count()


def _token(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


class _Base(FastHttpUser):
    abstract = True
    wait_time = constant(0)


class HealthReader(_Base):
    @task
    def health(self):
        self.client.get("/healthz")


class _SignedIn(_Base):
    """A user whose session was opened through the login form before the run (bench_load signs each account in
    once and hands its cookies over), so that the run measures the work and not the sign-ins."""
    abstract = True

    def sign_in(self, email: str) -> None:
        from requests.cookies import create_cookie
        session = PLAN["sessions"][email]
        for name, value, domain, path in session["cookies"]:
            self.client.cookiejar.set_cookie(create_cookie(name, value, domain=domain, path=path))
        self.csrf = session["csrf"]


class Member(_SignedIn):
    """A committee member: answers the open round (reads it, saves a draft) and reads the published results."""
    weight = 5

    def on_start(self):
        members = PLAN["members"]
        self.email = members[next(_members) % len(members)]
        self.sign_in(self.email)
        self.n = 0

    @task(3)
    def read_answer_page(self):
        self.client.get(f"/committees/rounds/{PLAN['open_round']}/answer", name="member: answer page")

    @task(2)
    def save_draft(self):
        page = self.client.get(f"/committees/rounds/{PLAN['open_round']}/answer", name="member: answer page")
        loaded = LOADED_AT.search(page.text)
        self.n += 1
        data = {"csrf_token": _token(page.text), "loaded_at": loaded.group(1) if loaded else "",
                "action": "draft"}
        for item in PLAN["open_items"]:
            if item["kind"] == "open_text":
                data[f"text-{item['id']}"] = (f"Borrador {self.n} de {self.email}: hace falta coordinación entre "
                                              "el plan y el presupuesto, y seguimiento de las metas.")
            elif item["kind"] == "ranking":
                ranks = random.sample(range(1, len(item["options"]) + 1), len(item["options"]))
                data.update({f"rank-{item['id']}-{key}": str(r) for key, r in zip(item["options"], ranks)})
        with self.client.post(f"/committees/rounds/{PLAN['open_round']}/answer", data=data, allow_redirects=False,
                              name="member: save draft [POST]", catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"saving the draft answered {response.status_code}")

    @task(4)
    def read_results(self):
        """The member's view of a published round's results (its feedback page)."""
        self.client.get(f"/committees/rounds/{random.choice(PLAN['published_rounds'])}/feedback",
                        name="member: round results (feedback)")


class Assessor(_SignedIn):
    """An assessor working on a draft self-assessment: autosaves one criterion, now and then reads the form."""
    weight = 3

    def on_start(self):
        self.sign_in(PLAN["assessor"])
        criteria = PLAN["criteria"]
        self.criterion = dict(criteria[next(_criteria) % len(criteria)])
        self.n = 0

    @task(4)
    def autosave(self):
        c = self.criterion
        self.n += 1
        data = {"csrf_token": self.csrf, "version": str(c["version"]),
                "justification": f"El taller revisó la evidencia disponible (versión {self.n}).",
                "means_of_verification": "Informe anual de seguimiento."}
        if c["scoring"] == "elements":
            data["choice"] = "elements"
            data.update({f"element-{p}": "present" if (p + self.n) % 3 else "absent" for p in c["elements"]})
        else:
            data["choice"] = str(c["levels"][self.n % len(c["levels"])])
        with self.client.post(f"/assessments/{PLAN['assessment']}/criteria/{c['code']}/autosave", data=data,
                              name="assessor: autosave [POST]", catch_response=True) as response:
            if response.status_code == 200:
                c["version"] = response.json()["version"]
            else:
                response.failure(f"autosave answered {response.status_code}")

    @task(1)
    def read_form(self):
        self.client.get(f"/assessments/{PLAN['assessment']}/rate/{self.criterion['dimension']}",
                        name="assessor: rating form")


class Facilitator(_SignedIn):
    """A facilitator systemizing the open answers of a round and reading the results."""
    weight = 2

    def on_start(self):
        self.sign_in(PLAN["facilitator"])

    @task(3)
    def systemize(self):
        self.client.get(f"/committees/rounds/{PLAN['coded_round']}/systemize", name="facilitator: systemize")

    @task(2)
    def results(self):
        """The facilitators' results page: every statistic, subregions, comments."""
        self.client.get(f"/committees/rounds/{random.choice(PLAN['published_rounds'])}/results",
                        name="facilitator: round results")

    @task(1)
    def round_page(self):
        self.client.get(f"/committees/rounds/{PLAN['open_round']}/", name="facilitator: round page")


class AnonymousReader(_Base):
    """A visitor: the catalogue and the published scorecards."""
    weight = 7

    @task(2)
    def catalogue(self):
        self.client.get("/catalogue/national/", name="anonymous: catalogue model")

    @task(1)
    def criterion(self):
        self.client.get(random.choice(PLAN["criterion_pages"]), name="anonymous: catalogue criterion")

    @task(1)
    def published(self):
        self.client.get("/assessments/published", name="anonymous: published list")

    @task(3)
    def scorecard(self):
        self.client.get(f"/assessments/{random.choice(PLAN['published'])}/scorecard", name="anonymous: scorecard")


class ApiReader(_Base):
    """A program reading the API with a token."""
    weight = 3

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {PLAN['api_token']}"}

    @task(2)
    def scorecard(self):
        self.client.get(f"/api/v1/assessments/{random.choice(PLAN['published'])}/scorecard", headers=self.headers,
                        name="api: scorecard")

    @task(1)
    def model(self):
        self.client.get("/api/v1/models/national", headers=self.headers, name="api: model")

    @task(1)
    def committees(self):
        self.client.get("/api/v1/committees", headers=self.headers, name="api: committees")

    @task(2)
    def round_results(self):
        self.client.get(f"/api/v1/rounds/{random.choice(PLAN['published_rounds'])}/results", headers=self.headers,
                        name="api: round results")
