"""Closed rounds: statements drafted from codes (editable, keeping their codes), rankings of codes, items carried
over from an earlier round with their feedback, and stability between rounds."""
from __future__ import annotations

from sqlalchemy import select

from whitepaper.delphi.rounds import answers as round_answers
from whitepaper.delphi.rounds import codebook as round_codebook
from whitepaper.delphi.rounds import items as round_items
from whitepaper.delphi.rounds import lifecycle as round_lifecycle
from whitepaper.delphi.rounds import queries as round_queries
from whitepaper.delphi.rounds import statistics as round_statistics


def _coded_open_round(db, world):
    fac = world.facilitator
    first = round_lifecycle.create_open_round(fac, world.committee)
    round_lifecycle.open_round(fac, first)
    first = round_queries.round_detail(first.id)
    good, obstacles, ranking = first.items
    for member in world.members:
        round_answers.save_response(member, first, {
            good.id: round_answers.AnswerInput(text="Presupuesto y coordinación."),
            obstacles.id: round_answers.AnswerInput(text="Rotación."),
            ranking.id: round_answers.AnswerInput(ranking={k: i + 1 for i, k in enumerate(ranking.option_keys)})},
            submit=True)
    round_lifecycle.close_round(fac, first)
    budget = round_codebook.add_code(fac, first, label_es="Vínculo plan-presupuesto", label_en="Plan-budget link",
                               definition_es="Las metas del plan se reflejan en el presupuesto.",
                               definition_en="The plan's targets show in the budget.")
    staff = round_codebook.add_code(fac, first, label_es="Equipos estables", label_en="Stable teams")
    from whitepaper.models import Answer
    for answer in db.session.scalars(select(Answer).where(Answer.item_id.in_([good.id, obstacles.id]))):
        round_codebook.assign_code(fac, answer, budget if answer.item_id == good.id else staff)
    round_lifecycle.publish_round(fac, first)
    db.session.commit()
    return first, budget, staff


def test_statements_are_drafted_from_codes_editable_and_keep_their_codes(db, client, login_as, committee):
    from whitepaper.models import Item, ItemSource
    world = committee()
    first, budget, staff = _coded_open_round(db, world)
    login_as(world.facilitator)
    created = client.post(f"/committees/{world.committee.id}/rounds", data={"kind": "closed", "scale": "5",
                                                                            "rule": "default"})
    assert created.status_code == 302
    second_id = int(created.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = client.get(f"/committees/rounds/{second_id}/").get_data(as_text=True)
    assert "Plan-budget link" in page  # the codes of round 1 are offered (in the reader's language)
    assert client.post(f"/committees/rounds/{second_id}/items/from-codes",
                       data={"codes": [budget.id, staff.id]}).status_code == 302
    assert client.post(f"/committees/rounds/{second_id}/items/ranking",
                       data={"text_es": "Ordene", "text_en": "Rank", "source": "codes",
                             "codes": [budget.id, staff.id]}).status_code == 302
    items = db.session.scalars(select(Item).where(Item.round_id == second_id).order_by(Item.position)).all()
    assert [i.kind for i in items] == ["agreement", "agreement", "ranking"]
    assert items[0].text["es"] == "Vínculo plan-presupuesto: las metas del plan se reflejan en el presupuesto."
    assert items[0].text["en"] == "Plan-budget link: the plan's targets show in the budget."
    assert items[1].text == {"es": "Equipos estables.", "en": "Stable teams."}
    sources = {(s.item_id, s.code_id) for s in db.session.scalars(select(ItemSource))}
    assert sources == {(items[0].id, budget.id), (items[1].id, staff.id), (items[2].id, budget.id),
                       (items[2].id, staff.id)}
    assert [o["label"]["en"] for o in items[2].options] == ["Plan-budget link", "Stable teams"]

    edited = client.post(f"/committees/items/{items[0].id}", data={"text_es": "Las metas deben estar en el "
                                                                   "presupuesto.", "text_en": "", "allow_dont_know": ""})
    assert edited.status_code == 302
    item = db.session.get(Item, items[0].id)
    assert item.text["es"] == "Las metas deben estar en el presupuesto." and item.allow_dont_know is False
    api = client.get(f"/api/v1/rounds/{first.id}/results").get_json()
    assert api["kind"] == "open"
    # Once open, the questions are fixed.
    assert client.post(f"/committees/rounds/{second_id}/open").status_code == 302
    assert client.post(f"/committees/items/{items[0].id}", data={"text_es": "Otro"}).status_code == 409
    assert client.post(f"/committees/items/{items[1].id}/delete").status_code == 409


def test_items_without_consensus_are_carried_over_with_their_feedback_and_stability(db, client, login_as,
                                                                                   closed_round):
    from whitepaper.models import Item
    world = closed_round([[5, 5, 4, 4], [1, 3, 5, 5]])  # the first reaches consensus, the second does not
    fac = world.facilitator
    third = round_lifecycle.create_closed_round(fac, world.committee)
    carried = round_items.carry_over(fac, third, world.round)
    assert [i.carried_from_item_id for i in carried] == [world.items[1].id]
    round_lifecycle.open_round(fac, third)
    db.session.commit()
    login_as(world.members[0])
    page = client.get(f"/committees/rounds/{third.id}/answer").get_data(as_text=True)
    assert "In round 1" in page and "your answer" in page and "<svg" in page  # the earlier feedback
    item_id = carried[0].id
    for member, rating in zip(world.members, [1, 4, 5, 4]):  # member 1 changed 3 -> 4; member 3 changed 5 -> 4
        round_answers.save_response(member, third, {item_id: round_answers.AnswerInput(rating=rating)}, submit=True)
    db.session.commit()
    entry = round_statistics.round_results(round_queries.round_detail(third.id)).items[0]
    assert entry.stability.n_both == 4 and entry.stability.changed == 2 and entry.stability.stable is False
    assert entry.cv_change == entry.agreement.cv - entry.previous.cv
    login_as(fac)
    body = client.get(f"/api/v1/rounds/{third.id}/results")
    assert body.status_code == 200
    stability = body.get_json()["items"][0]["stability"]
    assert stability["changed_share"] == 0.5 and stability["stable"] is False
    assert stability["cv_change"] is not None
    assert db.session.get(Item, item_id).text == world.items[1].text


def test_a_committee_with_nothing_yet_has_an_empty_ballots_list(client, login_as, committee):
    world = committee()
    login_as(world.members[0])
    body = client.get("/api/v1/committees").get_json()
    entry = next(c for c in body["committees"] if c["id"] == world.committee.id)
    assert entry["model"] == "sectoral" and entry["ballots"] == [] and entry["rounds"] == []
    assert entry["version"] == world.committee.catalogue_version.label
