"""Anonymity (docs/methods.md §4): no member reads another member's individual answers through any page, the
API or an export; facilitators read content under pseudonyms, never beside a name; the participation page shows
names but no content."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries

SECRET_GOOD = "SECRETO-GOOD-7781 la rectoría debe ser fuerte"
SECRET_OBSTACLE = "SECRETO-OBST-5512 alta rotación"
SECRET_REASON = "SECRETO-REASON-3390"


@pytest.fixture
def delphi_world(db, committee):
    """Round 1 (open, published, coded) and round 2 (closed, published) answered by four members; member 0 wrote
    the secrets."""
    world = committee("sectoral", ("CHL", "ARG", "MEX", "MEX"))
    fac = world.facilitator
    first = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, first)
    first = round_queries.round_detail(first.id)
    good, obstacles, ranking = first.items
    for index, member in enumerate(world.members):
        texts = ((SECRET_GOOD, SECRET_OBSTACLE, SECRET_REASON) if index == 0
                 else (f"Respuesta común {index}", f"Obstáculo común {index}", f"Razón {index}"))
        round_answers.save_response(member, first, {
            good.id: round_answers.AnswerInput(text=texts[0]), obstacles.id: round_answers.AnswerInput(text=texts[1]),
            ranking.id: round_answers.AnswerInput(ranking={k: i + 1 for i, k in enumerate(ranking.option_keys)},
                                             comment=texts[2])}, submit=True)
    round_lifecycle.close_round(fac, first)
    code = round_codebook.add_code(fac, first, label_es="Rectoría", label_en="Stewardship")
    from whitepaper.models import Answer
    for answer in db.session.scalars(select(Answer).where(Answer.item_id.in_([good.id, obstacles.id]))):
        if answer.text == SECRET_GOOD:
            round_codebook.assign_code(fac, answer, code, "la rectoría debe ser fuerte")
        else:
            round_codebook.assign_code(fac, answer, code)
    round_lifecycle.publish_round(fac, first)
    second = round_lifecycle.create_closed_round(fac, world.committee)
    round_items.add_items_from_codes(fac, second, [code.id])
    round_lifecycle.open_round(fac, second)
    db.session.commit()
    second = round_queries.round_detail(second.id)
    for index, member in enumerate(world.members):
        round_answers.save_response(member, second, {second.items[0].id: round_answers.AnswerInput(rating=5 - index % 2)},
                               submit=True)
    round_lifecycle.close_round(fac, second)
    round_lifecycle.publish_round(fac, second)
    db.session.commit()
    world.first, world.second = first.id, second.id
    return world


def _ids(db):
    from whitepaper.models import (
        Answer,
        Code,
        Coding,
        Committee,
        Item,
        Membership,
        Pseudonym,
        Round,
    )
    return {
        "committee_id": [c.id for c in db.session.scalars(select(Committee))],
        "round_id": [r.id for r in db.session.scalars(select(Round))],
        "membership_id": [m.id for m in db.session.scalars(select(Membership))],
        "code_id": [c.id for c in db.session.scalars(select(Code))],
        "item_id": [i.id for i in db.session.scalars(select(Item))],
        "answer_id": [a.id for a in db.session.scalars(select(Answer))],
        "coding_id": [c.id for c in db.session.scalars(select(Coding))],
        "pseudonym_id": [p.id for p in db.session.scalars(select(Pseudonym))],
        "kind": ["codebook", "results", "answers"],
        "action": ["open", "close", "publish"],
    }


def _every_get_url(app, db):
    ids = _ids(db)
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("delphi.") or rule.endpoint.startswith("api.")) or "GET" not in rule.methods:
            continue
        names = sorted(rule.arguments)
        for values in itertools.product(*(ids.get(name, [1]) for name in names)):
            url = rule.rule
            for name, value in zip(names, values):
                url = re.sub(r"<(?:[^:>]+:)?%s>" % name, str(value), url)
            yield url


def test_no_member_reads_another_members_answers_through_any_page_api_or_export(app, db, client, login_as,
                                                                               delphi_world):
    reader = delphi_world.members[1]
    author = delphi_world.members[0]
    login_as(reader)
    seen = 0
    read = set()
    for url in _every_get_url(app, db):
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
        body = response.get_data(as_text=True)
        seen += 1
        if response.status_code == 200:
            read.add(url)
        for secret in ("SECRETO-GOOD", "SECRETO-OBST"):
            assert secret not in body, url
        assert author.email not in body and author.name not in body, url
        assert not re.search(r"\bP-\d\d\b", body), url  # no pseudonym either
    # the sweep reads real pages: the committee, its rounds, the member's own answers, feedback, results, the API
    assert seen > 50 and len(read) >= 10, (seen, sorted(read))
    for round_id in (delphi_world.first, delphi_world.second):
        assert {f"/committees/rounds/{round_id}/feedback", f"/api/v1/rounds/{round_id}/results"} <= read


def test_members_see_comments_without_a_country_or_a_pseudonym(client, login_as, delphi_world):
    login_as(delphi_world.members[1])
    page = client.get(f"/committees/rounds/{delphi_world.first}/feedback").get_data(as_text=True)
    assert SECRET_REASON in page  # an anonymous comment of the group
    assert "Chile" not in page and "México" not in page and "Mexico" not in page
    api = client.get(f"/api/v1/rounds/{delphi_world.first}/results").get_data(as_text=True)
    assert SECRET_REASON not in api and "CHL" not in api and delphi_world.members[0].email not in api


def test_members_cannot_reach_answers_codings_or_exports_by_id(db, client, login_as, delphi_world):
    from whitepaper.models import Answer, Coding
    login_as(delphi_world.members[1])
    answer = db.session.scalar(select(Answer).where(Answer.text == SECRET_GOOD))
    coding = db.session.scalar(select(Coding))
    for url in (f"/committees/answers/{answer.id}/codings", f"/committees/answers/{answer.id}/not-codable",
                f"/committees/codings/{coding.id}/delete"):
        assert client.post(url, data={"code": coding.code_id}).status_code == 403, url
    for kind in ("answers", "results", "codebook"):
        assert client.get(f"/committees/rounds/{delphi_world.first}/export/{kind}.csv").status_code == 403


def test_facilitator_pages_and_exports_show_content_under_pseudonyms_never_beside_a_name(db, client, login_as,
                                                                                        delphi_world):
    members = delphi_world.members
    login_as(delphi_world.facilitator)
    content_pages = [f"/committees/rounds/{delphi_world.first}/systemize",
                     f"/committees/rounds/{delphi_world.first}/results",
                     f"/committees/rounds/{delphi_world.second}/results",
                     f"/committees/rounds/{delphi_world.first}/feedback",
                     f"/committees/rounds/{delphi_world.first}/",
                     f"/committees/rounds/{delphi_world.second}/",
                     f"/committees/rounds/{delphi_world.first}/export/answers.csv",
                     f"/committees/rounds/{delphi_world.first}/export/results.csv",
                     f"/committees/rounds/{delphi_world.first}/export/codebook.csv",
                     f"/committees/rounds/{delphi_world.second}/export/answers.csv",
                     f"/api/v1/rounds/{delphi_world.first}/results"]
    from whitepaper.models import Code
    content_pages.append(f"/committees/codes/{db.session.scalar(select(Code)).id}")
    for url in content_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for member in members:
            assert member.name not in body and member.email not in body, url
    systemize = client.get(f"/committees/rounds/{delphi_world.first}/systemize").get_data(as_text=True)
    assert SECRET_GOOD in systemize and re.search(r"P-\d\d", systemize) and "Chile" in systemize
    answers_csv = client.get(f"/committees/rounds/{delphi_world.first}/export/answers.csv").get_data(as_text=True)
    assert SECRET_GOOD in answers_csv and re.search(r"P-\d\d,CHL", answers_csv)

    participation = client.get(f"/committees/rounds/{delphi_world.first}/participation").get_data(as_text=True)
    assert all(m.name in participation for m in members)
    for text in (SECRET_GOOD, SECRET_OBSTACLE, SECRET_REASON, "Respuesta común", "Razón 1"):
        assert text not in participation
    assert not re.search(r"\bP-\d\d\b", participation)


def test_a_country_with_a_single_member_is_flagged_as_attributable(client, login_as, delphi_world):
    login_as(delphi_world.facilitator)
    page = client.get(f"/committees/rounds/{delphi_world.first}/systemize").get_data(as_text=True)
    chile = page.index(SECRET_GOOD)
    article = page[page.rindex("<article", 0, chile):chile]
    assert "attributable" in article  # Chile has one member
    mexico = page.index("Respuesta común 2")
    article = page[page.rindex("<article", 0, mexico):mexico]
    assert "attributable" not in article  # Mexico has two


def test_revealing_a_pseudonym_is_for_admins_only_and_is_audited(db, client, login_as, delphi_world):
    from whitepaper.models import AuditEvent, Pseudonym
    pseudonym = db.session.scalar(select(Pseudonym).where(Pseudonym.round_id == delphi_world.first))
    url = f"/committees/rounds/{delphi_world.first}/pseudonyms/{pseudonym.id}/reveal"
    for user in (delphi_world.facilitator, delphi_world.members[0]):
        login_as(user)
        assert client.post(url).status_code == 403
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delphi_pseudonym.reveal")).all()
    login_as(delphi_world.admin)
    systemize = client.get(f"/committees/rounds/{delphi_world.first}/systemize").get_data(as_text=True)
    assert url in systemize  # the admin's reveal control
    response = client.post(url)
    assert response.status_code == 200
    owner = db.session.get(Pseudonym, pseudonym.id).membership.user
    assert owner.name in response.get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delphi_pseudonym.reveal")).all()
    assert len(events) == 1 and events[0].actor_id == delphi_world.admin.id
    assert events[0].after["label"] == pseudonym.label and events[0].after["user"] == owner.id
