"""Self-evaluation: the median server time of the rating form for the largest model (the national model:
33 criteria, 189 verification elements; its largest dimension, design, on one page) and of one autosave,
on SQLite and on PostgreSQL (a throwaway server on 127.0.0.1, as the tests start it), through the Flask test
client against a prepared database: a fully rated assessment with two workshop groups, evidence and actions."""
from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Iterator

from .timing import median_ms

REPEATS = 50
DIMENSION = "design"
AUTOSAVE_CRITERION = "NAC-2-08"  # 12 verification elements


@contextlib.contextmanager
def _instance(folder: str) -> Iterator[None]:
    previous = os.environ.get("WHITEPAPER_INSTANCE")
    os.environ["WHITEPAPER_INSTANCE"] = os.path.join(folder, "instance")
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("WHITEPAPER_INSTANCE", None)
        else:
            os.environ["WHITEPAPER_INSTANCE"] = previous


def _build() -> tuple[int, str]:
    """A national assessment, every criterion rated by both groups and consolidated, with actions."""
    from whitepaper.assessment import services
    from whitepaper.assessment.forms import RatingData
    from whitepaper.auth import services as accounts
    from whitepaper.catalogue.queries import current_version, model_by_key, version_tree
    from whitepaper.extensions import db
    from whitepaper.models import Country, WorkshopGroup

    assessor = accounts.create_user(None, "bench-assessor@example.org", roles={"assessor"}, country_iso3="CRI",
                                    password="bench-password")
    version = current_version(model_by_key("national"))
    country = db.session.scalar(db.select(Country).where(Country.iso3 == "CRI"))
    assessment = services.create_assessment(assessor, country=country, version=version, scope_name="",
                                            period_start=2019, period_end=2022, groups=["Grupo 1", "Grupo 2"],
                                            people=[(f"Persona {i}", "MIDEPLAN", f"Grupo {i % 2 + 1}")
                                                    for i in range(12)])
    groups = db.session.scalars(db.select(WorkshopGroup).where(WorkshopGroup.assessment_id == assessment.id)).all()
    tree = version_tree(version.id)
    for dimension in tree.dimensions:
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
    return assessment.id, assessor.get_id()


def _measure(url: str, folder: str) -> tuple[float, float]:
    from flask_migrate import upgrade

    from whitepaper import create_app
    from whitepaper.catalogue import loader
    from whitepaper.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "UPLOAD_FOLDER": os.path.join(folder, "evidence")})
    with app.app_context():
        upgrade()
        loader.load()
        db.session.commit()
        assessment_id, user_id = _build()
        db.session.remove()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True

    form_url = f"/assessments/{assessment_id}/rate/{DIMENSION}"

    def form() -> None:
        response = client.get(form_url)
        assert response.status_code == 200, response.status_code
    form()
    form_ms = median_ms(form, REPEATS)

    autosave_url = f"/assessments/{assessment_id}/criteria/{AUTOSAVE_CRITERION}/autosave"
    state = {"version": 0, "n": 0}
    with app.app_context():
        from whitepaper.assessment import queries
        from whitepaper.models import Assessment
        assessment = db.session.get(Assessment, assessment_id)
        criterion = queries.criterion_in_version(assessment, AUTOSAVE_CRITERION)
        state["version"] = queries.rating_for_update(assessment, criterion.id).version
        positions = [e.position for e in criterion.elements]
        db.session.remove()

    marks = {position: "present" if i % 3 else "absent" for i, position in enumerate(positions)}

    def autosave() -> None:
        # One change, as typed in the workshop: an element marked the other way, and the justification edited.
        state["n"] += 1
        flipped = positions[state["n"] % len(positions)]
        marks[flipped] = "absent" if marks[flipped] == "present" else "present"
        data = {"choice": "elements", "version": str(state["version"]), "means_of_verification": "Informe anual.",
                "justification": f"El taller revisó la evidencia (versión {state['n']})."}
        data.update({f"element-{position}": mark for position, mark in marks.items()})
        response = client.post(autosave_url, data=data)
        assert response.status_code == 200, response.get_data(as_text=True)
        state["version"] = response.get_json()["version"]
    autosave()
    autosave_ms = median_ms(autosave, REPEATS)
    with app.app_context():
        db.engine.dispose()
    return form_ms, autosave_ms


def run() -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    folder = tempfile.mkdtemp(prefix="wp-bench-assessment-")
    with _instance(folder):
        form_ms, autosave_ms = _measure("sqlite:///" + os.path.join(folder, "bench.sqlite"), folder)
        rows += [(f"assessment: rating form, national model, design dimension [sqlite] (median of {REPEATS})",
                  form_ms, "ms"),
                 (f"assessment: one autosave, 12-element criterion [sqlite] (median of {REPEATS})", autosave_ms, "ms")]
        from tests.pg import throwaway_server
        from tests.system import has_postgres
        if has_postgres():
            import sqlalchemy as sa
            with throwaway_server() as server:
                admin = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(sa.text("CREATE DATABASE wp_bench_assessment"))
                admin.dispose()
                form_ms, autosave_ms = _measure(f"{server}/wp_bench_assessment", folder)
            rows += [(f"assessment: rating form, national model, design dimension [postgresql] (median of "
                      f"{REPEATS})", form_ms, "ms"),
                     (f"assessment: one autosave, 12-element criterion [postgresql] (median of {REPEATS})",
                      autosave_ms, "ms")]
        else:
            print("bench_assessment: PostgreSQL is not available; only SQLite was measured.")
    return rows
