"""The committees' demo data: loaded through the services, idempotent, and telling the story of issue 6."""
from __future__ import annotations

from sqlalchemy import func, select

from whitepaper.delphi import committees as delphi_committees
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics


def test_demo_committees_rounds_and_members(db):
    from whitepaper import demo
    from whitepaper.models import Answer, Membership, Response, Round, User
    demo.load()
    counts = {m: db.session.scalar(select(func.count()).select_from(m)) for m in (Round, Response, Answer, Membership)}
    demo.load()
    assert counts == {m: db.session.scalar(select(func.count()).select_from(m)) for m in counts}  # idempotent

    committees = {c.planning_model.key: c for c in delphi_committees.committees()}
    assert set(committees) == {"national", "subnational", "sectoral", "vision"}
    facilitator = db.session.scalar(select(User).where(User.email == "facilitadora@demo.cepal.org"))
    member = db.session.scalar(select(User).where(User.email == "integrante@demo.cepal.org"))
    for key, committee in committees.items():
        assert committee.membership_of(facilitator, "facilitator") is not None
        assert (committee.membership_of(member, "member") is not None) == (key in ("sectoral", "vision"))
        assert len(committee.members) >= 7
    assert not committees["national"].rounds and not committees["subnational"].rounds

    sectoral = committees["sectoral"]
    first, second = sectoral.rounds[0], sectoral.rounds[1]
    assert (first.kind, first.status, second.kind, second.status) == ("open", "published", "closed", "published")
    open_results = round_statistics.round_results(first)
    assert open_results.respondents >= 10
    countries = {m.country_id for m in sectoral.members
                 if db.session.scalar(select(Response).where(Response.round_id == first.id,
                                                             Response.membership_id == m.id,
                                                             Response.status == "submitted"))}
    assert len(countries) >= 10
    assert round_queries.uncoded_count(first) == 0
    codebook = round_queries.code_frequencies(first)
    assert 8 <= len(codebook) <= 12 and all(f.answers for f in codebook)
    texts = [e.answer.text for _item, entries in round_queries.workspace(round_queries.round_detail(first.id)).items
             for e in entries]
    assert len(set(texts)) == len(texts)  # no templated clones

    closed = round_statistics.round_results(second)
    agreement = [e.agreement for e in closed.items if e.agreement is not None]
    assert any(a.consensus for a in agreement) and not all(a.consensus for a in agreement)
    assert closed.respondents >= 10
    assert all(e.item.sources for e in closed.items)  # every closed item keeps the codes it came from

    vision = committees["vision"].rounds
    assert [(r.kind, r.status) for r in vision] == [("open", "open")]
    assert round_queries.member_rounds_status(member, vision)[vision[0].id] == "not_started"
