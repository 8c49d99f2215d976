"""`make production-check`: the production recipe run for real, then stopped.

A throwaway PostgreSQL 15 on 127.0.0.1 (as the tests start it, or a new database on TEST_DATABASE_URL), the
migrations, the catalogue and the demo; then gunicorn with deploy/gunicorn.conf.py (2 workers, 127.0.0.1) and
`flask worker`, both with WHITEPAPER_ENV=production, a generated SECRET_KEY, PUBLIC_URL and TRUSTED_HOSTS.
Over HTTP, with real sessions and the forms' CSRF tokens: the demo assessor rates a criterion and completes and
submits her draft; the demo member votes in the open ballot; the observer asks for a CRP report, which the
worker renders, and downloads the PDF; the metrics answer only with their token. Everything started is
stopped by its PID, also when a step fails. Exit status 0 when every step passed, 1 otherwise (the failed step
and why are printed)."""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from typing import Iterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench import servers  # noqa: E402  (the throwaway PostgreSQL and the flask CLI, as the benchmarks use them)
from deploy import pages  # noqa: E402

BIN = os.path.dirname(sys.executable)
GUNICORN_CONF = os.path.join(ROOT, "deploy", "gunicorn.conf.py")
REPORT_SECONDS = 240


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Browser:
    """One person's HTTP session against gunicorn, with the headers and cookies nginx would pass on."""

    def __init__(self, url: str):
        import requests
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy from the environment between us and 127.0.0.1
        self.cookies = pages.ProxyCookies()
        self.last_page = "/"

    def request(self, method: str, path: str, expected: tuple[int, ...] = (200,), **kwargs):
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.10",
                   "Accept-Language": "es", **kwargs.pop("headers", {})}
        if method == "POST":  # over HTTPS Flask-WTF wants the page it came from, as a browser sends it
            headers.setdefault("Referer", "https://" + self.url.split("://", 1)[1] + self.last_page)
        if self.cookies.values:
            headers["Cookie"] = self.cookies.header()
        self.http.cookies.clear()
        response = self.http.request(method, self.url + path, headers=headers, allow_redirects=False,
                                     timeout=120, **kwargs)
        self.cookies.take(response.raw.headers.getlist("Set-Cookie"))
        expect(response.status_code in expected,
               f"{method} {path} answered {response.status_code} (expected {expected}): {response.text[:300]!r}")
        return response

    def get(self, path: str, expected: tuple[int, ...] = (200,), **kwargs):
        response = self.request("GET", path, expected, **kwargs)
        self.last_page = path
        return response

    def post(self, path: str, data: dict, expected: tuple[int, ...] = (302,), **kwargs):
        return self.request("POST", path, expected, data=data, **kwargs)

    def log_in(self, email: str, password: str) -> None:
        page = self.get("/login")
        response = self.post("/login", {"email": email, "password": password,
                                        "csrf_token": pages.csrf_token(page.text)})
        expect(self.cookies.secure.get("session") is True,
               "the session cookie is not marked Secure in production")
        home = self.get(response.headers["Location"])
        expect("/logout" in home.text, f"{email} does not appear logged in after the login form")


# --- the journey ---------------------------------------------------------------------------------------------

def assessor_rates_and_submits(url: str) -> str:
    from whitepaper.demo import demo_password
    browser = Browser(url)
    browser.log_in("evaluadora@demo.cepal.org", demo_password("assessor"))
    listing = browser.get("/assessments/?status=draft").text
    found = re.search(r'href="(/assessments/(\d+))">\s*Región Huetar Norte', listing)
    expect(found is not None, "the assessor's list of drafts does not show the Región Huetar Norte draft")
    detail_path, assessment_id = found.group(1), found.group(2)
    detail = browser.get(detail_path).text
    dimensions = sorted({href for href, _ in pages.links(detail)
                         if re.fullmatch(rf"/assessments/{assessment_id}/rate/\w+", href)})
    expect(len(dimensions) >= 5, f"the draft shows {len(dimensions)} dimensions to rate")
    rated_by_form = completed = 0
    for dimension in dimensions:
        html = browser.get(dimension).text
        for form in pages.forms(html):
            if not form.id.startswith("form-") or "state-complete" in form.classes:
                continue
            levels = [v for v in form.choices.get("choice", []) if v.isdigit()]
            if not rated_by_form and levels:  # one criterion through the page's form, as without JavaScript
                data = {**form.fields, "choice": levels[-1],
                        "justification": "Comprobación de producción: nivel asignado en el taller.",
                        "means_of_verification": "Acta del taller de comprobación."}
                saved = browser.post(form.action, data)
                expect(f"/rate/" in saved.headers.get("Location", ""), "a rating saved by the form did not "
                       "lead back to the rating page")
                rated_by_form += 1
                continue
            answer = browser.post(form.attrs["data-autosave"], {
                "csrf_token": form.fields["csrf_token"], "version": form.fields.get("version", "0"),
                "choice": "ni", "justification": "Sin información al momento de la comprobación."},
                expected=(200,)).json()
            expect(answer.get("complete") is True, f"autosave of {form.id} did not make it complete: {answer}")
            completed += 1
    expect(rated_by_form == 1, "no criterion rated by levels was left to rate on the draft")
    detail = browser.get(detail_path).text
    submit = pages.form_posting_to(detail, f"/assessments/{assessment_id}/submit")
    browser.post(submit.action, submit.fields)
    state = browser.get(f"/api/v1/assessments/{assessment_id}").json()
    expect(state.get("status") == "submitted", f"the assessment is {state.get('status')!r} after submitting")
    return f"rated 1 criterion by its form and {completed} by autosave, submitted assessment {assessment_id}"


def voting_sheet(html: str):
    """The form with the ballot's items (radio groups named choice-<item>), or None."""
    return next((f for f in pages.forms(html) if any(name.startswith("choice-") for name in f.choices)), None)


def member_votes(url: str) -> str:
    from whitepaper.demo import demo_password
    browser = Browser(url)
    browser.log_in("integrante@demo.cepal.org", demo_password("member"))
    vote_path = pages.link_matching(browser.get("/ballots/").text, r"^/ballots/\d+/vote$")
    sheet = voting_sheet(browser.get(vote_path).text)
    expect(sheet is not None, "the open ballot offers nothing to vote on")
    items = [name for name in sheet.choices if name.startswith("choice-")]
    data = {**sheet.fields, **{name: "approve" for name in items}}
    saved = browser.post(vote_path, data)
    expect(saved.headers.get("Location", "").endswith(vote_path), "the vote did not lead back to the ballot")
    again = voting_sheet(browser.get(vote_path).text)
    expect(again is not None and all(again.fields.get(name) == "approve" for name in items), "the votes were not kept")
    return f"voted on {len(items)} items of {vote_path}"


def observer_gets_a_report(url: str) -> str:
    from whitepaper.demo import demo_password
    browser = Browser(url)
    browser.log_in("observador@demo.cepal.org", demo_password("observer"))
    form = pages.form_posting_to(browser.get("/reports/").text, "/reports/crp/national")
    queued = browser.post(form.action, form.fields)
    job_path = queued.headers["Location"]
    expect(re.search(r"/reports/jobs/\d+$", job_path) is not None, f"the report request led to {job_path}")
    deadline = time.monotonic() + REPORT_SECONDS
    while True:
        state = browser.get(job_path + "?format=json").json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(1)
    expect(state["status"] == "done", f"the report job is {state['status']!r} ({state.get('message')}) "
           f"after up to {REPORT_SECONDS} s: is the worker running?")
    pdf = browser.get(state["download"])
    expect(pdf.content.startswith(b"%PDF-"), "the report download is not a PDF")
    return f"the worker rendered {job_path} ({len(pdf.content) // 1024} KiB PDF)"


def metrics_need_their_token(url: str, token: str) -> str:
    browser = Browser(url)
    browser.get("/metrics", expected=(404,))
    scrape = browser.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    expect("# TYPE" in scrape.text, "/metrics with its token is not in the Prometheus text format")
    return "404 without the token, the Prometheus text format with it"


# --- the servers ---------------------------------------------------------------------------------------------

def production_env(database_url: str, folder: str, port: int, metrics_token: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "GUNICORN_"))}
    multiprocess = os.path.join(folder, "metrics")
    os.makedirs(multiprocess)
    env.update({"WHITEPAPER_ENV": "production", "DATABASE_URL": database_url,
                "WHITEPAPER_INSTANCE": os.path.join(folder, "instance"),
                "SECRET_KEY": secrets.token_hex(32), "PUBLIC_URL": f"http://127.0.0.1:{port}",
                "TRUSTED_HOSTS": "127.0.0.1", "PROXY_COUNT": "1", "METRICS_TOKEN": metrics_token,
                "PROMETHEUS_MULTIPROC_DIR": multiprocess, "PYTHONUNBUFFERED": "1"})
    return env


@contextmanager
def process(name: str, argv: list[str], env: dict[str, str], log: str) -> Iterator[subprocess.Popen]:
    """A child process with its output in `log`; stopped by its PID (SIGTERM, SIGKILL after 20 s)."""
    with open(log, "wb") as output:
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    print(f"  started {name} (pid {child.pid})", flush=True)
    try:
        yield child
    finally:
        servers.stop(child)
        print(f"  stopped {name} (pid {child.pid}, exit status {child.returncode})", flush=True)


def wait_healthy(url: str, child: subprocess.Popen, log: str) -> None:
    try:
        servers.wait_healthy(url, child)
    except RuntimeError as error:
        raise CheckFailed(f"{error}:\n{tail(log)}") from None


def tail(path: str, lines: int = 25) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def run(folder: str, stack: ExitStack) -> None:
    step("PostgreSQL")
    expect(servers.postgres_available(), "PostgreSQL 15 is needed: run as root with postgresql-15 installed "
           "(/usr/lib/postgresql/15/bin), or set TEST_DATABASE_URL to a server whose user may create databases")
    database_url = stack.enter_context(servers.postgres_database("wp_production_check"))
    port = servers.free_port()
    token = secrets.token_urlsafe(24)
    env = production_env(database_url, folder, port, token)
    for command in (("db", "upgrade"), ("catalog", "load"), ("demo",)):
        step("flask " + " ".join(command))
        try:
            servers.flask(env, *command)
        except RuntimeError as error:
            raise CheckFailed(str(error)) from error
    step("gunicorn and the worker")
    web_log, worker_log = os.path.join(folder, "gunicorn.log"), os.path.join(folder, "worker.log")
    web = stack.enter_context(process("gunicorn", [os.path.join(BIN, "gunicorn"), "-c", GUNICORN_CONF,
                                                   "-b", f"127.0.0.1:{port}", "wsgi:app"], env, web_log))
    worker = stack.enter_context(process("flask worker", [sys.executable, "-m", "flask", "--app", "wsgi",
                                                          "worker"], env, worker_log))
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, web, web_log)
    journey = (("assessor: log in, rate, submit", assessor_rates_and_submits),
               ("member: log in, vote", member_votes),
               ("observer: CRP report through the worker", observer_gets_a_report),
               ("metrics behind their token", lambda u: metrics_need_their_token(u, token)))
    for name, action in journey:
        step(name)
        try:
            print("    " + action(url), flush=True)
        except CheckFailed as failure:
            raise CheckFailed(f"{failure}\n--- gunicorn log ---\n{tail(web_log)}--- worker log ---\n"
                              f"{tail(worker_log)}") from failure
        expect(worker.poll() is None, f"the worker exited with {worker.returncode}:\n{tail(worker_log)}")
    errors = servers.worker_errors(web_log)
    expect(not errors, f"gunicorn logged {len(errors)} traceback(s); the last:\n{errors[-1] if errors else ''}")


CURRENT = ["start"]


def step(name: str) -> None:
    CURRENT[0] = name
    print(f"- {name}", flush=True)


def main() -> int:
    folder = tempfile.mkdtemp(prefix="wp-production-check-")
    started = time.monotonic()
    try:
        with ExitStack() as stack:
            run(folder, stack)
    except CheckFailed as failure:
        print(f"production check FAILED at «{CURRENT[0]}»: {failure}", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 (any other failure is a failed check, reported with its step)
        print(f"production check FAILED at «{CURRENT[0]}»: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"production check passed in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
