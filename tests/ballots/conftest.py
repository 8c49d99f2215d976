"""Fixtures for the committees' virtual votes: a committee with members on a draft catalogue version, helpers
to run a ballot through its life, and a PostgreSQL-only app for the concurrency test."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import pytest

from tests.conftest import IsolatedClient, base_config
from tests.system import require
from whitepaper.delphi.ballots import lifecycle as ballot_lifecycle
from whitepaper.delphi.ballots import queries as ballot_queries
from whitepaper.delphi.ballots import votes as ballot_votes


@dataclass
class Setup:
    committee: object
    facilitator: object
    members: list = field(default_factory=list)       # users, in the order asked
    by_country: dict = field(default_factory=dict)    # iso3 -> [users]

    def member(self, n: int):
        return self.members[n]


def build_committee(db, *, model: str = "sectoral", members: list[tuple[str, bool]] | None = None,
                    prefix: str = "m") -> Setup:
    """A committee on the model's current (draft) version: a facilitator and members from the given countries
    ((iso3, is_voting_representative), …). Nothing is committed."""
    from whitepaper.auth import services as accounts
    from whitepaper.catalogue import queries as catalogue_queries
    from whitepaper.models import Country
    from whitepaper.models.delphi import Committee, Membership

    if members is None:
        members = [(iso3, True) for iso3 in ("ARG", "BRA", "CHL", "COL", "CRI", "MEX")]
    planning_model = catalogue_queries.model_by_key(model)
    version = catalogue_queries.current_version(planning_model)
    committee = Committee(planning_model=planning_model, catalogue_version=version)
    db.session.add(committee)
    facilitator = accounts.create_user(None, f"{prefix}-facilitator@example.org", roles={"facilitator"},
                                       name="Fa Cilitator", password="correct-horse-battery")
    facilitator.locale = "en"   # pages in English, so that tests read the interface's own words
    db.session.add(Membership(committee=committee, user=facilitator, role="facilitator"))
    setup = Setup(committee, facilitator)
    countries = {c.iso3: c for c in db.session.scalars(db.select(Country))}
    for n, (iso3, representative) in enumerate(members):
        user = accounts.create_user(None, f"{prefix}-voter{n}@example.org", roles={"member"},
                                    name=f"Voter {n} {iso3}", country_iso3=iso3, password="correct-horse-battery")
        user.locale = "en"
        db.session.add(Membership(committee=committee, user=user, role="member", country=countries[iso3],
                                  is_voting_representative=representative))
        setup.members.append(user)
        setup.by_country.setdefault(iso3, []).append(user)
    db.session.flush()
    return setup


@pytest.fixture(autouse=True)
def in_english(request) -> Iterator[None]:
    """Services speak the reader's language, which outside a request is the default (Spanish); these tests
    read the English messages (pages get English from the users' own locale)."""
    from flask_babel import force_locale
    request.getfixturevalue("pg_app" if "pg_app" in request.fixturenames else "app")
    with force_locale("en"):
        yield


@pytest.fixture
def committee_setup(db) -> Callable[..., Setup]:
    def make(**kwargs) -> Setup:
        setup = build_committee(db, **kwargs)
        db.session.commit()
        return setup
    return make


def vote(db, ballot, user, choices: dict, *, commit: bool = True):
    """choices: {subject: "approve" | ("reject", reason[, value]) | "abstain"}."""
    from whitepaper.models.ballot import BallotItem
    items = {i.subject: i.id for i in db.session.scalars(db.select(BallotItem)
                                                        .where(BallotItem.ballot_id == ballot.id))}
    inputs = {}
    for subject, choice in choices.items():
        if isinstance(choice, tuple):
            inputs[items[subject]] = ballot_votes.VoteInput(choice[0], choice[1],
                                                               choice[2] if len(choice) > 2 else None)
        else:
            inputs[items[subject]] = ballot_votes.VoteInput(choice)
    summary = ballot_votes.cast_votes(user, ballot_queries.ballot(ballot.id), inputs)
    if commit:
        db.session.commit()
    return summary


def run_ballot(db, setup: Setup, stage: str, plan: dict, *, rule=None, subjects=None, ballot=None):
    """Creates (unless given), opens, votes and closes a ballot. plan: {member index: {subject: choice}};
    subjects not named in a member's plan are approved when the plan has the key "*": "approve"."""
    if ballot is None:
        kwargs = {"rule": rule} if rule is not None else {}
        ballot = ballot_lifecycle.create_ballot(setup.facilitator, setup.committee, stage, subjects=subjects, **kwargs)
    ballot_lifecycle.open_ballot(setup.facilitator, ballot)
    db.session.commit()
    loaded = ballot_queries.ballot(ballot.id)
    subjects_all = [i.subject for i in loaded.items]
    for index, choices in plan.items():
        choices = dict(choices)
        default = choices.pop("*", None)
        if default:
            for subject in subjects_all:
                choices.setdefault(subject, default)
        vote(db, ballot, setup.members[index], choices)
    ballot_lifecycle.close_ballot(setup.facilitator, ballot_queries.ballot(ballot.id))
    db.session.commit()
    return ballot_queries.ballot(ballot.id)


@pytest.fixture
def pg_app(templates) -> Iterator[object]:
    """An app on its own PostgreSQL database, for what only PostgreSQL can show (row locks, real concurrency)."""
    from whitepaper import create_app
    from whitepaper.extensions import db
    require(templates.pg_server is not None, "PostgreSQL 15 (postgresql-15)")
    url = templates.postgresql()
    app = create_app(base_config(url))
    app.test_client_class = IsolatedClient
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        templates.drop(url)
