"""PDF documents, each against its floor measured in the same run, on a SQLite database with 8 and then 33
countries × 3 periods of national assessments published (bench/scorecards.py):

- `scorecard_pdf_process`: the whole `flask scorecard ID --out F --no-cache` command against the floor, a short
  Python script (a whole process too) that calls WeasyPrint on the same HTML with the options the app's own
  call uses (whitepaper/reports/pdf.py: base URL of the static folder, a data:/file: fetcher, tagged PDF).
  What is left above 1 is the platform's start-up and its own work.
- `crp_pdf_<n>`: the CRP regional report in-process (data, HTML, charts and render) against WeasyPrint's own
  time on the same HTML in the same process.
- `scorecard_platform_share`: the platform's work for a scorecard (data, scoring, HTML, charts) against
  WeasyPrint's render of that HTML (the floor), in-process: the ratio is the platform's share.
Processes and their floors run alternately, so both see the same load; each entry also carries the CPU
times (`cpu_ms`, `floor_cpu_ms`, `cpu_ratio`), steadier than the wall times on a busy machine."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from . import pages, scorecards
from .results import entry
from .timing import alternating_ms, process, with_cpu

REPEATS = 7
SIZES = (8, 33)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATIC = os.path.join(ROOT, "whitepaper", "static")

FLOOR_SCRIPT = '''\
import sys
from weasyprint import HTML
from weasyprint.urls import URLFetcher

static, source, out = sys.argv[1:4]
with open(source, encoding="utf-8") as handle:
    html = handle.read()
fetcher = URLFetcher(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
HTML(string=html, base_url=f"file://{static}/", url_fetcher=fetcher).write_pdf(out, pdf_tags=True)
'''


def flask_command() -> list[str]:
    """The `flask` console script of this environment (as a user types it), else `python -m flask`."""
    script = os.path.join(os.path.dirname(sys.executable), "flask")
    return ([script] if os.path.exists(script) else [sys.executable, "-m", "flask"]) + ["--app", "wsgi"]


def _crp(app, countries: int) -> dict[str, Any]:
    from whitepaper.extensions import db
    from whitepaper.reports import crp, documents

    with app.app_context():
        html = crp.crp_html("national", "es")
        documents.cached_pdf(html, use_cache=False)   # fonts and imports warmed
        from whitepaper.reports import pdf
        times = alternating_ms({"total": lambda: documents.cached_pdf(crp.crp_html("national", "es"),
                                                                      use_cache=False),
                                "floor": lambda: pdf.render(html)}, REPEATS)
        db.session.remove()
    return entry(f"crp_pdf_{countries}", f"{countries} countries", times["total"][0], "ms", floor=times["floor"][0],
                 **with_cpu(times["total"], times["floor"]))


def _share(app, assessment_id: int) -> dict[str, Any]:
    from whitepaper.extensions import db
    from whitepaper.models import Assessment
    from whitepaper.reports import documents

    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        started = time.perf_counter()
        html = documents.scorecard_html(assessment, "es")
        first_ms = (time.perf_counter() - started) * 1000
        from whitepaper.reports import pdf
        pdf.render(html)
        times = alternating_ms({"platform": lambda: documents.scorecard_html(assessment, "es"),
                                "render": lambda: pdf.render(html)}, REPEATS)
        db.session.remove()
    return entry("scorecard_platform_share", "33x3", times["platform"][0], "ms", floor=times["render"][0],
                 platform_first_ms=round(first_ms, 2), **with_cpu(times["platform"], times["render"]))


def _process(folder: str, assessment_id: int) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": "sqlite:///" + os.path.join(folder, "bench.sqlite"),
           "WHITEPAPER_INSTANCE": os.path.join(folder, "instance"),
           "PDF_CACHE_FOLDER": os.path.join(folder, "pdf-cache")}
    flask = flask_command()
    usage = subprocess.run(flask + ["scorecard", "--help"], cwd=ROOT, env=env, capture_output=True, text=True)
    no_cache = ["--no-cache"] if "--no-cache" in usage.stdout else []
    html, out = os.path.join(folder, "card.html"), os.path.join(folder, "card.pdf")
    process(flask + ["scorecard", str(assessment_id), "--out", out, "--html", html] + no_cache, cwd=ROOT, env=env)()
    script = os.path.join(folder, "floor.py")
    with open(script, "w", encoding="utf-8") as handle:
        handle.write(FLOOR_SCRIPT)
    command = flask + ["scorecard", str(assessment_id), "--out", out] + no_cache
    floor = [sys.executable, script, STATIC, html, os.path.join(folder, "floor.pdf")]
    process(floor)()
    times = alternating_ms({"command": process(command, cwd=ROOT, env=env), "floor": process(floor)}, REPEATS)
    return entry("scorecard_pdf_process", "33x3", times["command"][0], "ms", floor=times["floor"][0],
                 **with_cpu(times["command"], times["floor"]),
                 command=" ".join(["flask", "--app", "wsgi", "scorecard", "ID", "--out", "F"] + no_cache))


def run() -> list[dict[str, Any]]:
    crp_figures = []
    with pages.scratch("wp-bench-pdf-") as folder:
        app = pages.make_app(folder)
        latest: dict[str, int] = {}
        for total in SIZES:
            with app.app_context():
                latest = scorecards.publish(total)
            crp_figures.append(_crp(app, len(latest)))
        viewed = next(iter(latest.values()))
        share = _share(app, viewed)
        from whitepaper.extensions import db
        with app.app_context():
            db.engine.dispose()
        card = _process(folder, viewed)
    return [card] + crp_figures[::-1] + [share]
