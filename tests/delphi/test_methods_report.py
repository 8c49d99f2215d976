"""The committee's methods report (issue 16): its numbers against the database, counted here with queries of
our own; the flow diagram against the participation page; who may read it and who may write the facilitators'
texts; the small-cell rule on the panel; changes and stability between rounds; both languages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import distinct, func, select

from whitepaper.delphi import stats
from whitepaper.delphi.methods import checklist as methods_checklist
from whitepaper.delphi.rounds import double_coding, moderation, suggestion_service
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.models import (Answer, AuditEvent, Code, Codebook, Coding, Committee, Item, ItemSource, Membership,
                               MethodsText, PlanningModel, Response, Round, User)

from .conftest import rate


def _demo(db):
    from whitepaper import demo
    demo.load()
    committee = db.session.scalar(select(Committee).join(PlanningModel).where(PlanningModel.key == "sectoral"))
    facilitator = db.session.scalar(select(User).where(User.email == "facilitadora@demo.cepal.org"))
    member = db.session.scalar(select(User).where(User.email == "integrante@demo.cepal.org"))
    return committee, facilitator, member


def _submitted(db, round_id: int) -> set[int]:
    return set(db.session.scalars(select(Response.membership_id).where(Response.round_id == round_id,
                                                                        Response.status == "submitted")))


def _consensus(db, round_: Round) -> int:
    """Agreement items reaching consensus, from the raw ratings (items under 3 valid ratings do not count)."""
    count = 0
    for item in db.session.scalars(select(Item).where(Item.round_id == round_.id, Item.kind == "agreement")):
        ratings = list(db.session.scalars(select(Answer.rating).join(Response).where(
            Answer.item_id == item.id, Response.status == "submitted", Answer.dont_know.is_(False),
            Answer.rating.is_not(None))))
        result = stats.agreement_stats(ratings, round_.scale, round_.rule, round_.band)
        count += 1 if result.consensus and result.n >= stats.SMALL_NUMBER_LIMIT else 0
    return count


def _flow_numbers(html: str) -> list[tuple[str, int]]:
    return [(kind, int(n)) for kind, n in re.findall(r'class="flow-number" data-kind="([a-z-]+)">(\d+)</text>', html)]


def test_demo_report_numbers_equal_the_database(db, client, login_as):
    committee, facilitator, _member = _demo(db)
    login_as(facilitator)
    data = client.get(f"/api/v1/committees/{committee.id}/methods-report").get_json()
    rounds = list(db.session.scalars(select(Round).where(Round.committee_id == committee.id, Round.status != "draft")
                                     .order_by(Round.number)))
    assert [r["id"] for r in data["rounds"]] == [r.id for r in rounds] and len(rounds) == 2
    members = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.committee_id == committee.id, Membership.role == "member"))
    for index, (shown, round_) in enumerate(zip(data["rounds"], rounds)):
        answered = _submitted(db, round_.id)
        assert (shown["number"], shown["kind"]) == (round_.number, round_.kind)
        assert shown["invited"] == members and shown["answered"] == len(answered) > 0
        following = rounds[index + 1] if index + 1 < len(rounds) else None
        assert shown["answered_next_round"] == (len(answered & _submitted(db, following.id)) if following else None)
        assert shown["items_total"] == db.session.scalar(select(func.count()).select_from(Item)
                                                         .where(Item.round_id == round_.id))
        assert shown["items_consensus"] == _consensus(db, round_)
        assert shown["rule_locked_at"] == (round_.opened_at.isoformat() if round_.kind == "closed" else None)
    closed = data["rounds"][1]
    assert 0 < closed["items_consensus"] < closed["items_rated"]

    first = rounds[0]
    coding = data["rounds"][0]["coding"]
    open_answers = db.session.scalar(select(func.count()).select_from(Answer).join(Response).join(Item).where(
        Response.round_id == first.id, Response.status == "submitted", Item.kind == "open_text",
        Answer.text.is_not(None), Answer.text != ""))
    codings = select(func.count()).select_from(Coding).join(Answer).join(Response).where(Response.round_id == first.id)
    codebook = select(Codebook.id).where(Codebook.round_id == first.id).scalar_subquery()
    assert coding["open_answers"] == open_answers > 0
    assert coding["codings"] == db.session.scalar(codings) > 0
    assert coding["fragments"] == db.session.scalar(codings.where(Coding.fragment.is_not(None)))
    assert coding["codes"] == db.session.scalar(select(func.count()).select_from(Code).where(
        Code.codebook_id == codebook, Code.merged_into_id.is_(None)))
    assert coding["merged_codes"] == db.session.scalar(select(func.count()).select_from(Code).where(
        Code.codebook_id == codebook, Code.merged_into_id.is_not(None))) == 1
    assert coding["derived_items"] == db.session.scalar(  # items of the rounds reported (not the draft third)
        select(func.count(distinct(ItemSource.item_id))).join(Code).join(Item, Item.id == ItemSource.item_id)
        .where(Code.codebook_id == codebook, Item.round_id.in_([r.id for r in rounds]))) > 0
    changes = data["rounds"][1]["changes"]
    new_items = db.session.scalar(select(func.count()).select_from(Item).where(
        Item.round_id == rounds[1].id, Item.carried_from_item_id.is_(None)))
    assert (changes["added"], changes["carried"], changes["dropped"]) == (new_items, 0, 0)

    panel = data["panel"]
    assert panel["members"] == members
    assert panel["countries"] == db.session.scalar(select(func.count(distinct(Membership.country_id))).where(
        Membership.committee_id == committee.id, Membership.role == "member"))
    assert sum(s["members"] for s in panel["subregions"]) == members

    keys = [e["key"] for e in data["checklist"]]
    assert len(keys) == len(set(keys)) == len(methods_checklist.ITEMS)
    assert {e["guideline"] for e in data["checklist"]} == {"ACCORD (2024)", "DELPHISTAR (2024)"}
    by_key = {e["key"]: e for e in data["checklist"]}
    assert by_key["accord.funding"] == {**by_key["accord.funding"], "generated": False, "text": None}
    response_text = by_key["accord.response"]["text"]
    assert by_key["accord.response"]["generated"]
    for shown in data["rounds"]:
        assert f"{shown['answered']} of {shown['invited']} members" in response_text


def test_flow_diagram_numbers_equal_the_participation_pages(db, client, login_as):
    committee, facilitator, _member = _demo(db)
    login_as(facilitator)
    page = client.get(f"/committees/{committee.id}/methods-report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    flow = _flow_numbers(html)
    rounds = list(db.session.scalars(select(Round).where(Round.committee_id == committee.id, Round.status != "draft")
                                     .order_by(Round.number)))
    expected = []
    for index, round_ in enumerate(rounds):
        text = client.get(f"/committees/rounds/{round_.id}/participation").get_data(as_text=True)
        submitted, invited = map(int, re.search(r"\((\d+) of (\d+) members\)", text).groups())
        expected += [("invited", invited), ("answered", submitted)]
        if index + 1 < len(rounds):
            expected.append(("answered-next", len(_submitted(db, round_.id) & _submitted(db, rounds[index + 1].id))))
    assert flow == expected
    assert 'name="csrf_token"' in html and "To be written by the facilitator." in html


def test_who_may_read_the_report(db, client, login_as, make_user):
    committee, facilitator, member = _demo(db)
    url, api = f"/committees/{committee.id}/methods-report", f"/api/v1/committees/{committee.id}/methods-report"
    other = db.session.scalar(select(Committee).join(PlanningModel).where(PlanningModel.key == "national"))
    for user in (facilitator, member, make_user("observer"), make_user("admin")):
        login_as(user)
        assert client.get(url).status_code == 200 and client.get(api).status_code == 200
    login_as(member)  # a member of the sectoral and vision committees, not of the national one
    assert f'href="{url}"' in client.get(f"/committees/{committee.id}/").get_data(as_text=True)
    assert client.get(f"/committees/{other.id}/methods-report").status_code == 404
    assert client.get(f"/api/v1/committees/{other.id}/methods-report").status_code == 403
    assert client.get("/api/v1/committees/999999/methods-report").status_code == 404
    assert client.get("/committees/999999/methods-report").status_code == 404
    login_as(make_user("assessor", country="CRI"))
    assert client.get(url).status_code == 404 and client.get(api).status_code == 403


def test_observers_read_only_published_rounds(db, client, login_as, make_user, closed_round):
    world = closed_round([[4, 5, 5, 4]], status="closed")
    login_as(make_user("observer"))
    data = client.get(f"/api/v1/committees/{world.committee.id}/methods-report").get_json()
    assert data["rounds"] == []
    login_as(world.members[0])
    data = client.get(f"/api/v1/committees/{world.committee.id}/methods-report").get_json()
    assert [r["items_consensus"] for r in data["rounds"]] == [None]  # not published: no results for members
    login_as(world.facilitator)
    data = client.get(f"/api/v1/committees/{world.committee.id}/methods-report").get_json()
    assert [r["items_consensus"] for r in data["rounds"]] == [_consensus(db, world.round)] == [1]


def test_facilitators_write_the_missing_texts_audited(db, client, login_as, make_user):
    committee, facilitator, member = _demo(db)
    url = f"/committees/{committee.id}/methods-report/items/accord.funding"
    login_as(member)
    assert client.post(url, data={"text_es": "x"}).status_code == 403
    login_as(make_user("facilitator"))  # a facilitator, but not of this committee: it does not see it
    assert client.post(url, data={"text_es": "x"}).status_code == 404
    login_as(facilitator)
    assert client.post(f"/committees/{committee.id}/methods-report/items/nothing", data={}).status_code == 404
    assert client.post(url, data={"text_es": "y" * 4001}).status_code == 400
    response = client.post(url, data={"text_es": "Financiado por la CEPAL.", "text_en": "Funded by ECLAC."})
    assert response.status_code == 302 and response.headers["Location"].endswith("#item-accord.funding")
    data = client.get(f"/api/v1/committees/{committee.id}/methods-report").get_json()
    funding = next(e for e in data["checklist"] if e["key"] == "accord.funding")
    assert (funding["text"], funding["generated"]) == ("Funded by ECLAC.", False)
    page = client.get(f"/committees/{committee.id}/methods-report").get_data(as_text=True)
    assert "Funded by ECLAC." in page and "written by the facilitators" in page
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delphi_methods_text.save")).all()
    assert [(e.actor_id, e.object_id, e.after["text"]["en"]) for e in events] == [
        (facilitator.id, committee.id, "Funded by ECLAC.")]
    # a note beside a generated answer, then both texts removed
    client.post(f"/committees/{committee.id}/methods-report/items/accord.rounds", data={"text_en": "Plus a note."})
    page = client.get(f"/committees/{committee.id}/methods-report").get_data(as_text=True)
    assert "Plus a note." in page
    assert client.post(url, data={"text_es": " ", "text_en": ""}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MethodsText).where(
        MethodsText.item_key == "accord.funding")) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "delphi_methods_text.delete")) == 1
    client.post(url, data={"text_es": "", "text_en": ""})  # nothing to remove: no event
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "delphi_methods_text.delete")) == 1


def test_the_panel_names_no_one_and_no_small_group(db, client, login_as, make_user, committee):
    world = committee(countries=("CHL", "CHL", "CHL", "ARG", "MEX"))
    for membership, expertise in zip(world.memberships, ("Budget", "budget ", "Budget", "Statistics", "")):
        membership.expertise = expertise
    db.session.commit()
    login_as(make_user("observer"))
    data = client.get(f"/api/v1/committees/{world.committee.id}/methods-report").get_json()
    panel = data["panel"]
    assert panel["by_country"]["shown"] == [{"group": "Chile", "members": 3}]
    assert (panel["by_country"]["pooled_groups"], panel["by_country"]["pooled_members"]) == (2, 2)
    assert panel["by_expertise"]["shown"] == [{"group": "Budget", "members": 3}]
    assert (panel["by_expertise"]["pooled_groups"], panel["by_expertise"]["pooled_members"]) == (2, 2)
    page = client.get(f"/committees/{world.committee.id}/methods-report").get_data(as_text=True)
    for user in world.members:
        assert user.display_name() not in page and user.email not in page
    assert "Statistics" not in page and "Argentina" not in page and "Chile" in page
    assert "Other countries (2), each with fewer than 3 members" in page


def test_changes_and_stability_between_rounds(db, client, login_as, closed_round):
    world = closed_round([[5, 5, 4, 5, 4], [1, 5, 3, 2, 4], [2, 4, 3, 5, 1]])
    fac = world.facilitator
    second = round_lifecycle.create_closed_round(fac, world.committee)
    carried = round_items.carry_over(fac, second, world.round)
    round_items.update_item(fac, carried[0], {"es": "Enunciado nuevo", "en": "New wording"}, allow_dont_know=True)
    round_items.add_agreement_item(fac, second, {"es": "Otro", "en": "Another"})
    round_lifecycle.open_round(fac, second)
    db.session.commit()
    rate(db, second, world.members, [[1, 5, 3, 2, 4], [2, 4, 4, 4, 1], [4, 4, 4, 4, 4]][:len(carried)] + [[4, 4, 4, 5, 5]])
    round_lifecycle.close_round(fac, second)
    round_lifecycle.publish_round(fac, second)
    db.session.commit()
    login_as(fac)
    data = client.get(f"/api/v1/committees/{world.committee.id}/methods-report").get_json()
    changes = data["rounds"][1]["changes"]
    source_ids = {i.carried_from_item_id for i in db.session.scalars(select(Item).where(Item.round_id == second.id))}
    dropped = db.session.scalar(select(func.count()).select_from(Item).where(
        Item.round_id == world.round.id, Item.id.not_in([i for i in source_ids if i]))) or 0
    assert changes == {"previous": 1, "carried": len(carried), "reworded": 1, "added": 1, "derived": 0,
                       "dropped": dropped} and dropped == 1
    assessed = stable = 0
    kappas = []
    for item in db.session.scalars(select(Item).where(Item.round_id == second.id, Item.carried_from_item_id.is_not(None))):
        def ratings(item_id):
            return dict(db.session.execute(select(Response.membership_id, Answer.rating).join(Answer).where(
                Answer.item_id == item_id, Response.status == "submitted")).all())
        before, after = ratings(item.carried_from_item_id), ratings(item.id)
        both = [m for m in after if after[m] is not None and before.get(m) is not None]
        if both:
            assessed += 1
            stable += sum(1 for m in both if before[m] != after[m]) / len(both) <= 0.15
            kappa = stats.weighted_kappa([before[m] for m in both], [after[m] for m in both])
            kappas += [kappa] if kappa is not None else []
    assert data["rounds"][1]["stability"] == {"assessed": assessed, "stable": stable,
                                              "mean_kappa": pytest.approx(float(sum(kappas) / len(kappas)))}
    assert 0 < stable < assessed
    assert data["rounds"][0]["stability"] is None
    stability = next(e for e in data["checklist"] if e["key"] == "delphistar.stability")
    assert stability["generated"] and f"{stable} of {assessed} carried statements" in stability["text"]
    # the mean group stability (100 - CV %) is the mean of the statements' own, as the round's results give them
    shown = client.get(f"/api/v1/rounds/{second.id}/results").get_json()
    groups = [i["cv_stability"] for i in shown["items"] if i.get("cv_stability") is not None]
    assert groups and data["rounds"][1]["mean_cv_stability"] == pytest.approx(sum(groups) / len(groups))
    assert "mean group stability" in stability["text"]


def test_moderation_and_real_time_are_reported(db, client, login_as, closed_round, monkeypatch):
    world = closed_round([[4, 5, 5, 4]])
    monkeypatch.setattr(moderation, "hidden_count", lambda rid: 2)  # their own counts: tests/delphi/test_moderation.py
    monkeypatch.setattr(moderation, "flag_count", lambda rid: 5)
    world.round.realtime = True
    db.session.commit()
    login_as(world.facilitator)
    data = client.get(f"/api/v1/committees/{world.committee.id}/methods-report").get_json()
    assert (data["rounds"][0]["hidden_comments"], data["rounds"][0]["flagged_comments"]) == (2, 5)
    entry = next(e for e in data["checklist"] if e["key"] == "delphistar.moderation")
    assert entry["generated"] and "2 comments hidden by moderation, 5 flagged" in entry["text"]
    mode = next(e for e in data["checklist"] if e["key"] == "delphistar.mode")
    assert mode["text"] == "Round 1 (rating round): real-time (members saw the group's answers while answering)."


@pytest.mark.parametrize("summary, words", [
    ({"finished": False, "alpha": None}, "a second, blind coding is under way"),
    ({"finished": True, "alpha": 0.8125, "units": 24, "disagreements": 3, "settled": 2},
     "a second coder coded the answers blind; over 24 answers Krippendorff's alpha was 0.81; 3 disagreements, "
     "2 of them settled together")])
def test_double_coding_is_reported_for_open_rounds(db, client, login_as, monkeypatch, summary, words):
    committee, facilitator, _member = _demo(db)
    monkeypatch.setattr(double_coding, "double_coding_summary", lambda rid: summary)
    # their own counting: tests/delphi/test_suggestions.py
    monkeypatch.setattr(suggestion_service, "suggestion_counts", lambda rid: {"shown": 9, "accepted": 6, "rejected": 2})
    login_as(facilitator)
    data = client.get(f"/api/v1/committees/{committee.id}/methods-report").get_json()
    coding = next(e for e in data["checklist"] if e["key"] == "delphistar.coding")
    assert coding["generated"] and coding["text"] == f"Round 1 (open round): {words}."
    assert [r["hidden_comments"] for r in data["rounds"]] == [0, 0]
    assert [r["suggested_codes"] for r in data["rounds"]] == [{"shown": 9, "accepted": 6, "rejected": 2}, None]
    generation = next(e for e in data["checklist"] if e["key"] == "accord.items")
    assert "accepted 6 and rejected 2 of the 9" in generation["text"]


def test_the_service_refuses_unknown_items_and_long_texts(db, committee):
    from whitepaper.errors import InvalidInput
    from whitepaper.delphi.methods import report
    world = committee()
    with pytest.raises(InvalidInput):
        report.save_text(world.facilitator, world.committee, "accord.nothing", es="x", en="")
    with pytest.raises(InvalidInput):
        report.save_text(world.facilitator, world.committee, "accord.aim", es="x" * (report.MAX_TEXT + 1), en="")
    assert report.save_text(world.facilitator, world.committee, "accord.aim", es="", en="") is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.like("delphi_methods_text.%"))) == 0


@pytest.mark.parametrize("lang, words", [("es", "Informe de métodos"), ("en", "Methods report")])
def test_both_languages(db, client, login_as, lang, words):
    committee, facilitator, _member = _demo(db)
    login_as(facilitator)
    client.set_cookie("lang", lang, domain="localhost")
    page = client.get(f"/committees/{committee.id}/methods-report").get_data(as_text=True)
    assert words in page
