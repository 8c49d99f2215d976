"""The methods report's PDF (issue 16), rendered through the scorecards' WeasyPrint path: for the demo sectoral
committee its text holds every round's numbers, counted here from the database, and the flow diagram's."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from whitepaper.models import Item, Membership, Round

from ..delphi.test_methods_report import _consensus, _demo, _submitted

pytestmark = pytest.mark.pdf

LABELS = {"en": {"round": "Round {n} ({kind})", "open": "open round", "closed": "rating round", "sep": ".",
                 "flow": "Participant flow", "missing": "To be written by the facilitator.", "of": "of"},
          "es": {"round": "Ronda {n} ({kind})", "open": "ronda abierta", "closed": "ronda de calificación",
                 "sep": ",", "flow": "Flujo de participantes", "missing": "Pendiente de redacción por el equipo "
                                                                           "facilitador.", "of": "de"}}


def _rate(answered: int, invited: int, sep: str) -> str:
    tenths = (2000 * answered // invited + 1) // 2  # rounded half up to one decimal
    return f"{tenths // 10}{sep}{tenths % 10} %"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pdf_holds_every_number_of_the_report(db, client, login_as, pdf_text, lang):
    committee, facilitator, _member = _demo(db)
    login_as(facilitator)
    response = client.get(f"/committees/{committee.id}/methods-report.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    flat = re.sub(r"\s+", " ", text)
    words = LABELS[lang]
    rounds = list(db.session.scalars(select(Round).where(Round.committee_id == committee.id, Round.status != "draft")
                                     .order_by(Round.number)))
    invited = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.committee_id == committee.id, Membership.role == "member"))
    flow = flat.split(words["flow"], 1)[1]
    for index, round_ in enumerate(rounds):
        answered = _submitted(db, round_.id)
        name = words["round"].format(n=round_.number, kind=words[round_.kind])
        following = rounds[index + 1] if index + 1 < len(rounds) else None
        both = len(answered & _submitted(db, following.id)) if following else None
        items = db.session.scalar(select(func.count()).select_from(Item).where(Item.round_id == round_.id))
        rows = [line for line in text.splitlines() if line.strip().startswith(name)]
        participation = next(line for line in rows if "%" in line)
        cells = re.sub(r"\s+", " ", participation.split(name, 1)[1]).split(" ")
        expected = [str(invited), str(len(answered)), *_rate(len(answered), invited, words["sep"]).split(" "),
                    str(both) if both is not None else "—"]
        assert cells[2:2 + len(expected)] == expected, participation
        rated = db.session.scalar(select(func.count()).select_from(Item).where(
            Item.round_id == round_.id, Item.kind == "agreement"))
        consensus = f"{_consensus(db, round_)} {words['of']} {rated}" if round_.kind == "closed" else "—"
        items_row = next(line for line in rows if "%" not in line and re.search(r"\d", line.split(name, 1)[1]))
        assert re.sub(r"\s+", " ", items_row.split(name, 1)[1]).strip().startswith(f"{items} {consensus}"), items_row
        # the flow diagram: the round's title, then its boxes' numbers in order
        boxes = re.search(re.escape(name) + r"\D*(\d+)\D*(\d+)" + (r"\D*(\d+)" if both is not None else ""), flow)
        assert [int(n) for n in boxes.groups()] == [invited, len(answered)] + ([both] if both is not None else [])
    assert words["missing"] in flat


def test_pdf_only_for_those_who_see_the_committee(db, client, login_as, make_user):
    committee, _facilitator, member = _demo(db)
    from whitepaper.models import Committee, PlanningModel
    other = db.session.scalar(select(Committee).join(PlanningModel).where(PlanningModel.key == "national"))
    login_as(member)
    assert client.get(f"/committees/{other.id}/methods-report.pdf").status_code == 404
    assert client.get("/committees/999999/methods-report.pdf").status_code == 404
    login_as(make_user("assessor", country="CRI"))
    assert client.get(f"/committees/{committee.id}/methods-report.pdf").status_code == 404
    login_as(make_user("observer"))
    response = client.get(f"/committees/{committee.id}/methods-report.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
