"""Self-evaluation, through the real stack on SQLite: the scorecard page (signed in as an assessor) and
`GET /api/v1/assessments/<id>/scorecard` (an API token) of a country's latest assessment, with 8 and then 33
countries × 3 periods published; and the rating form of the national model's largest dimension and one
autosave, on a fully rated draft with two workshop groups, evidence and actions.

The scorecard figures are the warm view (issue 14: the regional figures are computed once per published set,
so a reader sees the warm view unless something was just published); the cold view, the first after another
country published a correction, is reported beside."""
from __future__ import annotations

import statistics
import time
from typing import Any

from . import pages, scorecards
from .results import entry

SIZES = (8, 33)   # countries with 3 published periods each; the last is the one with targets
DIMENSION = "design"
AUTOSAVE_CRITERION = "NAC-2-08"  # 12 verification elements
ASSESSOR = "bench-assessor@example.org"


def _draft() -> int:
    """A national draft for CRI, every criterion rated by both groups and consolidated, with actions."""
    from whitepaper.assessment import services
    from whitepaper.assessment.forms import RatingData
    from whitepaper.auth import services as accounts
    from whitepaper.catalogue.queries import current_version, model_by_key, version_tree
    from whitepaper.extensions import db
    from whitepaper.models import Country, WorkshopGroup

    assessor = accounts.create_user(None, ASSESSOR, roles={"assessor"}, country_iso3="CRI", password=pages.PASSWORD)
    version = current_version(model_by_key("national"))
    country = db.session.scalar(db.select(Country).where(Country.iso3 == "CRI"))
    assessment = services.create_assessment(assessor, country=country, version=version, scope_name="",
                                            period_start=2023, period_end=2026, groups=["Grupo 1", "Grupo 2"],
                                            people=[(f"Persona {i}", "MIDEPLAN", f"Grupo {i % 2 + 1}")
                                                    for i in range(12)])
    groups = db.session.scalars(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)).all()
    for dimension in version_tree(version.id).dimensions:
        for n, criterion in enumerate(dimension.criteria):
            for shift, group in enumerate(groups):
                favourable = (n + shift) % (len(criterion.elements) + 1)
                services.save_rating(assessor, assessment, criterion, RatingData(
                    kind="value", justification="El grupo discutió la evidencia disponible.",
                    marks={e.id: (i < favourable) == (e.polarity == "positive")
                           for i, e in enumerate(criterion.elements)}), group=group)
            favourable = n % (len(criterion.elements) + 1)
            services.save_rating(assessor, assessment, criterion, RatingData(
                kind="value", justification="El taller acordó la calificación tras revisar ambos grupos. " * 3,
                means_of_verification="Plan Nacional de Desarrollo; informes de seguimiento.",
                action_what="Fortalecer el procedimiento." if favourable < criterion.optimal else "",
                marks={e.id: (i < favourable) == (e.polarity == "positive")
                       for i, e in enumerate(criterion.elements)}))
            if n % 3 == 0:
                rating = services.ensure_rating(assessor, assessment, criterion)
                services.add_link(assessor, assessment, rating, "https://example.org/evidencia", "Informe")
    db.session.commit()
    return assessment.id


def _autosave(app, client, assessment_id: int) -> dict[str, Any]:
    """The median of one autosave (an element marked the other way, the justification edited), as typed."""
    from whitepaper.assessment import queries
    from whitepaper.extensions import db
    from whitepaper.models import Assessment

    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        criterion = queries.criterion_in_version(assessment, AUTOSAVE_CRITERION)
        version = queries.rating_for_update(assessment, criterion.id).version
        positions = [e.position for e in criterion.elements]
    marks = {position: "present" if i % 3 else "absent" for i, position in enumerate(positions)}
    url = f"/assessments/{assessment_id}/criteria/{AUTOSAVE_CRITERION}/autosave"
    target = pages.engine(app)
    times, counts = [], []
    for n in range(pages.REPEATS + 1):
        flipped = positions[n % len(positions)]
        marks[flipped] = "absent" if marks[flipped] == "present" else "present"
        data = {"choice": "elements", "version": str(version), "means_of_verification": "Informe anual.",
                "justification": f"El taller revisó la evidencia (versión {n})."}
        data.update({f"element-{position}": mark for position, mark in marks.items()})
        with pages.QueryCounter(target) as counter:
            started = time.perf_counter()
            response = client.post(url, data=data)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"autosave answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        version = response.get_json()["version"]
        if n:   # the first one warms up
            times.append(elapsed)
            counts.append(counter.n)
    return {"value": round(statistics.median(times), 2), "queries": counts[0]}


def run() -> list[dict[str, Any]]:
    page_figures, api_figures = [], []
    with pages.scratch("wp-bench-assessment-") as folder:
        app = pages.make_app(folder)
        with app.app_context():
            draft_id = _draft()
            available = len(scorecards.countries())
        token = pages.api_token(app, ASSESSOR)
        assessor = pages.logged_in(app, ASSESSOR)
        for total in SIZES:
            total = min(total, available)
            with app.app_context():
                latest = scorecards.publish(total)
            viewed, *others = latest.values()

            def touch(n: int, others=others) -> None:
                scorecards.republish(others[n % len(others)])
            size = f"{total}x{len(scorecards.PERIODS)}"
            page = pages.measure(app, assessor, f"/assessments/{viewed}/scorecard", touch)
            api = pages.measure(app, app.test_client(), f"/api/v1/assessments/{viewed}/scorecard", touch,
                                headers=token)
            page_figures.append(entry(f"scorecard_page_{total}", size, page["warm_ms"], "ms",
                                      queries=page["warm_queries"], **page))
            api_figures.append(entry(f"api_scorecard_{total}", size, api["warm_ms"], "ms",
                                     queries=api["warm_queries"], **api))
        form = pages.measure(app, assessor, f"/assessments/{draft_id}/rate/{DIMENSION}")
        autosave = _autosave(app, assessor, draft_id)
        from whitepaper.extensions import db
        with app.app_context():
            db.engine.dispose()
    return page_figures[::-1] + api_figures[::-1] + [
        entry("rating_form_national_design", "33 criteria", form["warm_ms"], "ms", queries=form["warm_queries"],
              **form),
        entry("autosave_12_elements", "12 elements", autosave["value"], "ms", queries=autosave["queries"])]
