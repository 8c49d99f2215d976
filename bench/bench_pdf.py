"""PDF documents: the scorecard of the largest complete demo assessment (total, and WeasyPrint's render of
the same HTML alone, the floor), the same as whole processes (`flask … scorecard --html` against
`weasyprint F.html`), and the CRP report of 33 countries. SQLite, a fresh database in a temporary folder."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from .timing import median_seconds

REPEATS = 5
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _publish_everywhere(source_id: int) -> None:
    """Published national assessments for every country, rated like the source (through the services)."""
    from whitepaper.assessment import services
    from whitepaper.assessment.forms import RatingData
    from whitepaper.auth import services as accounts
    from whitepaper.catalogue.queries import version_tree
    from whitepaper.extensions import db
    from whitepaper.models import Assessment, Country, ElementMark, Rating

    source = db.session.get(Assessment, source_id)
    admin = accounts.create_user(None, "bench-admin@example.org", roles={"admin"}, password="bench-password")
    tree = version_tree(source.version_id)
    ratings = {r.criterion_id: r for r in db.session.scalars(db.select(Rating).where(Rating.assessment_id == source.id))}
    marks = {}
    for m in db.session.scalars(db.select(ElementMark).join(Rating).where(Rating.assessment_id == source.id)):
        marks.setdefault(m.rating_id, {})[m.element_id] = m.is_present
    taken = set(db.session.scalars(db.select(Assessment.country_id).where(Assessment.version_id == source.version_id,
                                                                          Assessment.status == "published")))
    for n, country in enumerate(db.session.scalars(db.select(Country).order_by(Country.iso3))):
        if country.id in taken:
            continue
        assessment = services.create_assessment(admin, country=country, version=source.version, scope_name="",
                                                period_start=2019, period_end=2022)
        for dimension in tree.dimensions:
            for i, criterion in enumerate(dimension.criteria):
                rating = ratings[criterion.id]
                data = RatingData(kind=rating.kind, level=rating.level, justification=rating.justification,
                                  means_of_verification=rating.means_of_verification,
                                  marks=dict(marks.get(rating.id, {})))
                if data.marks and (n + i) % 3 == 0:   # vary the countries a little
                    first = next(iter(data.marks))
                    data.marks[first] = not data.marks[first]
                services.save_rating(admin, assessment, criterion, data)
        services.submit(admin, assessment)
        services.validate(admin, assessment)
        services.publish(admin, assessment, False)
    db.session.commit()


def run() -> list[tuple[str, float, str]]:
    folder = tempfile.mkdtemp(prefix="wp-bench-pdf-")
    os.environ["WHITEPAPER_INSTANCE"] = os.path.join(folder, "instance")
    url = f"sqlite:///{folder}/bench.sqlite"
    env = {**os.environ, "DATABASE_URL": url, "WHITEPAPER_INSTANCE": os.path.join(folder, "instance")}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["catalog", "load"], ["demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)

    from whitepaper import create_app
    from whitepaper.extensions import db
    from whitepaper.models import Assessment, Rating
    from whitepaper.reports import crp, documents, pdf

    app = create_app({"DATABASE_URL": url})
    rows: list[tuple[str, float, str]] = []
    with app.app_context():
        counts = dict(db.session.execute(db.select(Rating.assessment_id, db.func.count())
                                         .group_by(Rating.assessment_id)).all())
        published = db.session.scalars(db.select(Assessment).where(Assessment.status == "published")).all()
        largest = max(published, key=lambda a: counts.get(a.id, 0))
        html = documents.scorecard_html(largest, "es")
        documents.cached_pdf(html, use_cache=False)   # warm up fonts and imports
        total = median_seconds(lambda: documents.cached_pdf(documents.scorecard_html(largest, "es"), use_cache=False),
                               REPEATS)
        floor = median_seconds(lambda: pdf.render(html), REPEATS)
        data_and_template = median_seconds(lambda: documents.scorecard_html(largest, "es"), REPEATS)
        rows += [("scorecard PDF, total (data, scoring, template, render)", total * 1000, "ms"),
                 ("scorecard PDF, WeasyPrint render of the same HTML (floor)", floor * 1000, "ms"),
                 ("scorecard PDF, platform share (data, scoring, template)", 100 * data_and_template / total, "%")]
        largest_id = largest.id

    html_file, out = os.path.join(folder, "card.html"), os.path.join(folder, "card.pdf")
    cli = median_seconds(lambda: subprocess.run(flask + ["scorecard", str(largest_id), "--out", out, "--html", html_file],
                                         cwd=ROOT, env=env, check=True, capture_output=True), 3)
    weasy = median_seconds(lambda: subprocess.run([os.path.join(os.path.dirname(sys.executable), "weasyprint"),
                                            html_file, os.path.join(folder, "again.pdf")],
                                           check=True, capture_output=True), 3)
    rows += [("process: flask scorecard --html", cli * 1000, "ms"),
             ("process: weasyprint F.html", weasy * 1000, "ms"),
             ("process ratio (flask / weasyprint)", cli / weasy, "x")]

    with app.app_context():
        _publish_everywhere(largest_id)
        started = time.perf_counter()
        report = crp.crp_html("national", "es")
        documents.cached_pdf(report, use_cache=False)
        elapsed = time.perf_counter() - started
        countries = len({a.country_id for a in db.session.scalars(
            db.select(Assessment).where(Assessment.status == "published", Assessment.version_id == largest.version_id))})
        rows.append((f"CRP report PDF, {countries} countries", elapsed * 1000, "ms"))
        db.session.remove()
    return rows
