"""No N+1 anywhere people read: every page and API endpoint below, and the data builder of the CRP report, runs
the same number of SQL statements on a small world (two committees, three members, three countries) and on a
larger one (four committees, more members, rounds, items, ballots, countries and assessments).

Both worlds are built once for the module, through the services, on SQLite; each case reads a fresh copy of
each, in its own app, so that a per-process cache starts cold: the first request (cold) and the second (warm)
are counted, and each must be the same at both sizes."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import pytest

from tests.ballots.conftest import run_ballot
from tests.conftest import IsolatedClient, base_config
from tests.delphi.conftest import rate


@pytest.fixture
def backend() -> str:
    """SQLite only: the statements a page runs do not depend on the database (the module overrides the
    conftest's parametrized fixture, so that nothing here runs twice)."""
    return "sqlite"


@dataclass(frozen=True)
class Size:
    """What a world holds. The measured committee is the sectoral one; the measured round its last published
    one; the measured scorecard the latest assessment of the first country."""
    models: tuple[str, ...]                    # the committees
    countries: tuple[str, ...]                 # members of the measured committee (a country may repeat)
    other_members: int                         # members of each other committee
    rounds: tuple[int, ...]                    # items of each published round of the measured committee
    draft_round: bool                          # and a draft round after them
    ballot_stages: tuple[str, ...]             # closed ballots of the measured committee, in order
    assessment_countries: tuple[str, ...]      # countries with published assessments on the sectoral model
    periods: tuple[tuple[int, int], ...]       # the periods each of them published


SMALL = Size(models=("sectoral", "vision"), countries=("CHL", "ARG", "MEX"), other_members=3, rounds=(2,),
             draft_round=False, ballot_stages=("dimensions_levels",), assessment_countries=("CHL", "ARG", "MEX"),
             periods=((2015, 2018), (2019, 2022)))
LARGE = Size(models=("national", "subnational", "sectoral", "vision"),
             countries=("CHL", "ARG", "MEX", "COL", "CRI", "JAM", "CHL", "MEX", "PER"), other_members=5,
             rounds=(3, 4, 7), draft_round=True, ballot_stages=("dimensions_levels", "criteria"),
             assessment_countries=("CHL", "ARG", "MEX", "COL", "CRI", "JAM", "PER"),
             periods=((2011, 2014), (2015, 2018), (2019, 2022)))


def _statement(n: int) -> dict[str, str]:
    return {"es": f"Enunciado {n}", "en": f"Statement {n}"}


def _published_round(db, facilitator, committee, members, n_items: int, comment: str) -> Any:
    from whitepaper.delphi.rounds import items as round_items
    from whitepaper.delphi.rounds import lifecycle as round_lifecycle
    round_ = round_lifecycle.create_closed_round(facilitator, committee)
    for n in range(n_items):
        round_items.add_agreement_item(facilitator, round_, _statement(n + 1))
    round_lifecycle.open_round(facilitator, round_)
    db.session.commit()
    ratings = [[(i + j) % 5 + 1 if (i + j) % 7 else None for i in range(len(members))] for j in range(n_items)]
    rate(db, round_, members, ratings, comments={(0, 0): comment, (0, 1): comment + " bis"})
    round_lifecycle.close_round(facilitator, round_)
    round_lifecycle.publish_round(facilitator, round_)
    db.session.commit()
    return round_


def _assessments(db, admin, size: Size) -> int:
    """Sectoral self-evaluations (the draft version, opened for piloting), published, every criterion rated;
    and one draft. Returns the measured one's id."""
    from sqlalchemy import select

    from tests.assessment.conftest import level_rating
    from whitepaper.assessment import services
    from whitepaper.catalogue import services as catalogue_services
    from whitepaper.catalogue.queries import current_version, model_by_key, version_tree
    from whitepaper.models import CatalogueVersion, Country
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    version_id = current_version(model_by_key("sectoral")).id
    catalogue_services.set_piloting(admin, db.session.get(CatalogueVersion, version_id), True)
    measured = None
    for c, iso3 in enumerate(size.assessment_countries):
        # the first country also has a draft, which no comparison may count
        for start, end in size.periods + (((2023, 2026),) if c == 0 else ()):
            tree = version_tree(version_id)
            a = services.create_assessment(admin, country=countries[iso3], version=tree, scope_name="Salud",
                                           period_start=start, period_end=end, is_public=True)
            for d in tree.dimensions:
                for k, criterion in enumerate(d.criteria):
                    level = (c + start + k) % criterion.optimal + 1
                    services.save_rating(admin, a, criterion, level_rating(criterion, level))
            if (start, end) in size.periods:
                services.submit(admin, a)
                services.validate(admin, a)
                services.publish(admin, a, True)
            db.session.commit()
            if c == 0 and (start, end) == size.periods[-1]:
                measured = a.id
    return measured


def build_world(db, size: Size) -> dict[str, Any]:
    """The whole world of one size, through the services; returns the ids and session ids the cases use."""
    from sqlalchemy import select

    from whitepaper.auth import services as accounts
    from whitepaper.catalogue import queries as catalogue_queries
    from whitepaper.delphi import committees as delphi_committees
    from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
    from whitepaper.delphi.rounds import lifecycle as round_lifecycle
    from whitepaper.models.delphi import Committee

    def user(email: str, role: str, country: str | None = None):
        made = accounts.create_user(None, email, roles={role}, name=email.split("@")[0].title(),
                                    country_iso3=country, password="correct-horse-battery")
        made.locale = "en"
        return made

    admin = user("admin@example.org", "admin")
    observer = user("observer@example.org", "observer")
    db.session.commit()
    measured_assessment = _assessments(db, admin, size)

    for key in size.models:
        model = catalogue_queries.model_by_key(key)
        db.session.add(Committee(planning_model=model, catalogue_version=delphi_committees.consulted_version(model)))
    db.session.commit()
    world: dict[str, Any] = {"admin": admin.get_id(), "observer": observer.get_id(), "anonymous": None,
                             "assessment": measured_assessment}
    for committee in db.session.scalars(select(Committee)).all():
        key = committee.planning_model.key
        facilitator = user(f"facilitator-{key}@example.org", "facilitator")
        delphi_committees.add_membership(admin, committee, facilitator, role="facilitator", notify=False)
        measured = key == "sectoral"
        countries = size.countries if measured else size.countries[:size.other_members]
        memberships = []
        for n, iso3 in enumerate(countries):
            member = user(f"{key}-member{n}@example.org", "member", iso3)
            memberships.append(delphi_committees.add_membership(
                facilitator, committee, member, notify=False,
                is_voting_representative=iso3 not in countries[:n]))
        db.session.commit()
        members = [m.user for m in memberships]
        rounds = [_published_round(db, facilitator, committee, members, n, f"Comentario {key}")
                  for n in (size.rounds if measured else size.rounds[:1])]
        if measured and size.draft_round:
            round_lifecycle.create_closed_round(facilitator, committee)
            db.session.commit()
        if committee.catalogue_version.status in ("draft", "in_consultation"):
            stages = size.ballot_stages if measured else size.ballot_stages[:1]
            setup = SimpleNamespace(facilitator=facilitator, committee=committee, members=members)
            for stage in stages:
                run_ballot(db, setup, stage, {i: {"*": "approve"} for i in range(len(members))})
            if measured and len(stages) > 1:  # and a draft ballot of the next stage
                ballot_lifecycle.create_ballot(facilitator, committee, "optimal_levels")
                db.session.commit()
        if measured:
            world.update(committee=committee.id, round=rounds[-1].id, facilitator=facilitator.get_id(),
                         member=members[0].get_id(), membership=memberships[1].id)
    return world


@pytest.fixture(scope="module")
def worlds(templates) -> Iterator[dict[str, tuple[str, dict[str, Any]]]]:
    """{size: (path of a built SQLite database, its ids)}, built once for the module."""
    from whitepaper import create_app
    from whitepaper.extensions import db
    built = {}
    for name, size in (("small", SMALL), ("large", LARGE)):
        url = templates.sqlite()
        app = create_app(base_config(url))
        with app.app_context():
            world = build_world(db, size)
            db.session.remove()
            db.engine.dispose()
        built[name] = (url[len("sqlite:///"):], world)
    yield built
    for path, _world in built.values():
        templates.drop("sqlite:///" + path)


def _crp(app) -> Callable[[], Any]:
    def build() -> Any:
        from flask_babel import force_locale

        from whitepaper.reports import crp
        with force_locale("en"):
            return crp.build("sectoral")
    return build


# name: (who reads, the address or a function that reads)
CASES: dict[str, tuple[str, Any]] = {
    "round_results_page": ("facilitator", "/committees/rounds/{round}/results"),
    "answer_page": ("member", "/committees/rounds/{round}/answer"),
    "api_round_results": ("facilitator", "/api/v1/rounds/{round}/results"),
    "scorecard_page": ("admin", "/assessments/{assessment}/scorecard"),
    "scorecard_page_anonymous": ("anonymous", "/assessments/{assessment}/scorecard"),
    "api_scorecard": ("admin", "/api/v1/assessments/{assessment}/scorecard"),
    "api_committees": ("admin", "/api/v1/committees"),
    "api_committees_observer": ("observer", "/api/v1/committees"),
    "api_committees_member": ("member", "/api/v1/committees"),
    "committees_page": ("admin", "/committees/"),
    "committees_page_member": ("member", "/committees/"),
    "committee_page": ("admin", "/committees/{committee}/"),
    "committee_page_member": ("member", "/committees/{committee}/"),
    "committee_member_page": ("facilitator", "/committees/{committee}/members/{membership}"),
    "committee_ballot_results": ("admin", "/ballots/committee/{committee}/results"),
    "crp_report_data": ("admin", _crp),
}


def _forget_process_caches() -> None:
    """Every case reads copies of the same two databases: what a process keeps by the data's own keys (the
    rounds' statistics, by round and data version) would make a later case's first reading warm."""
    from whitepaper.delphi.rounds import statistics
    statistics.CACHE.clear()


def _counts(path: str, world: dict[str, Any], case: str, count_queries, tmp_path) -> tuple[int, int]:
    """(cold, warm): the statements of the first and of the second reading, in a fresh app on a copy."""
    from whitepaper import create_app
    from whitepaper.extensions import db
    _forget_process_caches()
    copy = str(tmp_path / f"{case}-{os.path.basename(path)}")
    shutil.copyfile(path, copy)
    app = create_app(base_config("sqlite:///" + copy))
    app.test_client_class = IsolatedClient
    who, target = CASES[case]
    counts = []
    with app.app_context():
        client = app.test_client()
        client.set_cookie("lang", "en", domain="localhost")
        if world[who] is not None:
            with client.session_transaction() as session:
                session["_user_id"] = world[who]
                session["_fresh"] = True
        for _ in range(2):
            db.session.remove()
            with count_queries() as counter:
                if callable(target):
                    target(app)()
                else:
                    response = client.get(target.format(**world))
                    assert response.status_code == 200, (case, response.status_code)
            counts.append(counter.n)
        db.session.remove()
        db.engine.dispose()
    return counts[0], counts[1]


@pytest.mark.parametrize("case", list(CASES))
def test_the_same_statements_at_both_sizes(worlds, count_queries, tmp_path, case):
    small = _counts(*worlds["small"], case, count_queries, tmp_path)
    large = _counts(*worlds["large"], case, count_queries, tmp_path)
    assert small == large, f"{case}: (cold, warm) statements {small} on the small world, {large} on the large one"


def test_the_larger_world_is_larger_and_both_show_every_section(worlds, tmp_path):
    """The comparison means something only if both worlds fill the same sections and the large one is larger."""
    from whitepaper import create_app
    seen = {}
    for name, (path, world) in worlds.items():
        copy = str(tmp_path / f"{name}.sqlite")
        shutil.copyfile(path, copy)
        app = create_app(base_config("sqlite:///" + copy))
        app.test_client_class = IsolatedClient
        with app.app_context():
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = world["admin"]
            card = client.get(f"/api/v1/assessments/{world['assessment']}/scorecard").get_json()
            committees = client.get("/api/v1/committees").get_json()["committees"]
            results = client.get(f"/api/v1/rounds/{world['round']}/results").get_json()
            report = _crp(app)()
        measured = next(c for c in committees if c["id"] == world["committee"])
        seen[name] = (card["regional"]["countries"], len(committees), len(measured["rounds"]),
                      len(measured["ballots"]), len(results["items"]), len(report.rows),
                      len(report.committee.rounds))
        assert card["previous"] is not None and card["regional"] is not None and report.committee is not None
    assert all(large > small for small, large in zip(seen["small"], seen["large"])), seen
