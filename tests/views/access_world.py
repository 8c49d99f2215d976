"""The small world the access matrix runs in: one user per role and one object of each kind, built through the
services, so that every URL variable of every route can be filled with a real id (tests/views/access_matrix.py)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from tests.conftest import PASSWORD

PDF = b"%PDF-1.4\n% matrix evidence\n"


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)   # role -> User (while the building session lasts)
    logins: dict[str, str] = field(default_factory=dict)  # role -> what Flask-Login keeps in the session
    ids: dict[str, Any] = field(default_factory=dict)     # object name in the matrix -> id (or link token)
    evidence_path: str = ""
    files: list[str] = field(default_factory=list)        # other files the world wrote, removed at the end


def _user(role_key: str, *roles: str, country: str | None = None):
    from whitepaper.auth import services as accounts
    return accounts.create_user(None, f"{role_key}@matrix.example.org", roles=set(roles), name=role_key,
                                country_iso3=country, password=PASSWORD)


def _country(iso3: str):
    from whitepaper.extensions import db
    from whitepaper.models import Country
    return db.session.scalar(select(Country).where(Country.iso3 == iso3))


def _people(world: World) -> None:
    users = world.users
    users["member"] = _user("member", "member", country="ARG")
    users["representative"] = _user("representative", "member", country="URY")
    users["assessor"] = _user("assessor", "assessor", country="CRI")
    users["assessor_other"] = _user("assessor_other", "assessor", country="CHL")
    users["facilitator"] = _user("facilitator", "facilitator")
    users["facilitator_unassigned"] = _user("facilitator_unassigned", "facilitator")
    users["observer"] = _user("observer", "observer")
    users["admin"] = _user("admin", "admin")


def _committee(world: World):
    """The sectoral committee: the assigned facilitator, a member, a voting representative."""
    from whitepaper.admin import assignments
    from whitepaper.delphi import committees
    users = world.users
    admin = users["admin"]
    sectoral = {c.planning_model.key: c for c in committees.ensure_committees(admin)}["sectoral"]
    assignments.assign(admin, users["facilitator"], committees=[sectoral], countries=[_country("CRI")])
    member = committees.add_membership(admin, sectoral, users["member"], country_iso3="ARG", notify=False)
    committees.add_membership(admin, sectoral, users["representative"], country_iso3="URY",
                              is_voting_representative=True, notify=False)
    world.ids.update(committee=sectoral.id, membership=member.id, user=users["member"].id,
                     facilitator=users["facilitator"].id)
    return committees.committee(sectoral.id)


def _rounds(world: World, committee) -> None:
    """Round 1: an open round, open, answered and partly coded; round 2: a closed round, published; round 3: a
    closed round in draft with one statement."""
    from whitepaper.delphi.rounds import answers, codebook, items, lifecycle, queries
    from whitepaper.extensions import db
    from whitepaper.models import Answer, Pseudonym, Response
    fac, member, representative = (world.users[k] for k in ("facilitator", "member", "representative"))

    first = lifecycle.create_open_round(fac, committee)
    lifecycle.open_round(fac, first)
    first = queries.round_detail(first.id)
    for who in (member, representative):
        inputs = {}
        for item in first.items:
            if item.kind == "ranking":
                inputs[item.id] = answers.AnswerInput(ranking={k: n + 1 for n, k in enumerate(item.option_keys)})
            else:
                inputs[item.id] = answers.AnswerInput(text=f"Respuesta de {who.name} sobre la planificación")
        answers.save_response(who, first, inputs, submit=True)
    code = codebook.add_code(fac, first, label_es="Presupuesto", label_en="Budget")
    other_code = codebook.add_code(fac, first, label_es="Participación", label_en="Participation")
    answer = db.session.scalar(select(Answer).join(Response).where(Response.round_id == first.id,
                                                                  Answer.text.is_not(None)).order_by(Answer.id))
    coding = codebook.assign_code(fac, answer, code)
    pseudonym = db.session.scalar(select(Pseudonym).where(Pseudonym.round_id == first.id).order_by(Pseudonym.id))

    second = lifecycle.create_closed_round(fac, committee)
    items.add_agreement_item(fac, second, {"es": "Enunciado", "en": "Statement"})
    lifecycle.open_round(fac, second)
    second = queries.round_detail(second.id)
    for who, rating in ((member, 4), (representative, 5)):
        answers.save_response(who, second, {second.items[0].id: answers.AnswerInput(rating=rating)}, submit=True)
    lifecycle.close_round(fac, second)
    lifecycle.publish_round(fac, second)

    third = lifecycle.create_closed_round(fac, committee)
    item = items.add_agreement_item(fac, third, {"es": "Borrador", "en": "Draft statement"})
    world.ids.update(round_open=first.id, round_published=second.id, round_draft=third.id, item=item.id,
                     code=code.id, code_other=other_code.id, answer=answer.id, coding=coding.id, pseudonym=pseudonym.id)


def _ballots(world: World, committee) -> None:
    """A closed ballot with a rejection to answer, an open one voted by country, and a draft."""
    from whitepaper.delphi.ballots import lifecycle, queries, tally, votes
    from whitepaper.extensions import db
    from whitepaper.models import CommentResolution
    fac, member, representative = (world.users[k] for k in ("facilitator", "member", "representative"))

    closed = lifecycle.create_ballot(fac, committee, "dimensions_levels", subjects=["institutional"])
    lifecycle.open_ballot(fac, closed)
    closed = queries.ballot(closed.id)
    item_id = closed.items[0].id
    votes.cast_votes(member, closed, {item_id: votes.VoteInput("reject", "Falta el marco legal")})
    votes.cast_votes(representative, queries.ballot(closed.id), {item_id: votes.VoteInput("approve")})
    lifecycle.close_ballot(fac, queries.ballot(closed.id))
    resolution = db.session.scalar(select(CommentResolution).where(CommentResolution.item_id == item_id))

    by_country = lifecycle.create_ballot(fac, committee, "dimensions_levels", subjects=["design"],
                                         rule=tally.BallotRule(unit="country"))
    lifecycle.open_ballot(fac, by_country)
    draft = lifecycle.create_ballot(fac, committee, "dimensions_levels", subjects=["implementation"])
    world.ids.update(ballot_closed=closed.id, ballot_open=by_country.id, ballot_draft=draft.id,
                     resolution=resolution.id)


def _assessments(world: World, upload_folder: str) -> None:
    """Costa Rica's draft with an evidence file; Chile's published, public assessment (both of the subnational model,
    the lighter to render)."""
    from tests.assessment.conftest import level_rating
    from whitepaper.assessment import services
    from whitepaper.catalogue.queries import current_version, model_by_key, version_tree
    admin, assessor = world.users["admin"], world.users["assessor"]
    version = current_version(model_by_key("subnational"))
    tree = version_tree(version.id)
    criteria = [c for d in tree.dimensions for c in d.criteria]

    draft = services.create_assessment(assessor, country=_country("CRI"), version=version,
                                       scope_name="Región Huetar Norte", period_start=2019, period_end=2022)
    rating = services.save_rating(assessor, draft, criteria[0], level_rating(criteria[0]))
    evidence = services.add_file(assessor, draft, rating, filename="acta.pdf", data=PDF, folder=upload_folder,
                                 max_mb=10)
    world.evidence_path = os.path.join(upload_folder, evidence.stored_name)

    published = services.create_assessment(admin, country=_country("CHL"), version=version,
                                           scope_name="Región de Valparaíso", period_start=2019, period_end=2022,
                                           is_public=True)
    for criterion in criteria:
        services.save_rating(admin, published, criterion, level_rating(criterion))
    services.submit(admin, published)
    services.validate(admin, published)
    services.publish(admin, published, True)
    world.ids.update(draft=draft.id, published=published.id, evidence=evidence.id)


def _documents(world: World, folder: str) -> None:
    """A finished CRP report job (with its file), the admin's API token, and the observer's invitation and
    password-reset links."""
    from whitepaper.auth import services as accounts
    from whitepaper.reports import jobs
    admin = world.users["admin"]
    job = jobs.enqueue("crp_report", {"model": "sectoral", "lang": "es"}, actor_id=admin.id)
    path = os.path.join(folder, "matrix-report.pdf")
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4\n% report\n")
    world.files.append(path)
    job.status, job.progress, job.result_path = "done", 100, path
    token, _raw = accounts.create_api_token(admin, "matrix")
    observer = world.users["observer"]
    world.ids.update(job=job.id, token=token.id, invitation=accounts.issue_action_token(observer, "invitation"),
                     password_reset=accounts.issue_action_token(observer, "password_reset"))


def build(upload_folder: str, scratch: str) -> World:
    """Everything, committed."""
    from whitepaper.extensions import db
    world = World()
    _people(world)
    db.session.flush()
    committee = _committee(world)
    _rounds(world, committee)
    _ballots(world, committee)
    _assessments(world, upload_folder)
    _documents(world, scratch)
    db.session.commit()
    world.logins = {role: user.get_id() for role, user in world.users.items()}
    return world
