"""Journey: the facilitator creates a real-time closed round for the national committee and opens it; three
members submit; the demo member, who sees no aggregate before answering, submits and then sees the group's
aggregate of the others' batch, changes the answer, and sees the same aggregate (one member's new or changed
answer does not move it).

The round is made on a server of its own (the demo data plus the demo member seated on the national committee):
the shared live server stays as the other journeys expect it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import demo_server, log_in

pytestmark = pytest.mark.browser

RATERS = {"sofia.lindo@demo.cepal.org": 5, "andres.villamizar@demo.cepal.org": 4,
          "ramon.duarte@demo.cepal.org": 4}


@pytest.fixture(scope="module")
def realtime_server(tmp_path_factory):
    from whitepaper.auth import services as accounts
    from whitepaper.delphi import committees as delphi_committees

    def prepare() -> int:
        facilitator = accounts.user_by_email("facilitadora@demo.cepal.org")
        national = next(c for c in delphi_committees.committees() if c.planning_model.key == "national")
        delphi_committees.add_membership(facilitator, national, accounts.user_by_email("integrante@demo.cepal.org"),
                                         country_iso3="CHL", notify=False)
        return national.id
    with demo_server(tmp_path_factory.mktemp("realtime"), prepare) as served:
        yield served


@pytest.fixture
def realtime_page(browser, realtime_server):
    context = browser.new_context(base_url=realtime_server[0], locale="es-ES")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def _in_app(app, work):
    from whitepaper.extensions import db
    with app.app_context():
        try:
            return work(db)
        finally:
            db.session.remove()


def test_a_member_sees_the_group_only_after_answering_and_one_change_does_not_move_it(realtime_page,
                                                                                     realtime_server):
    from whitepaper.auth import services as accounts
    from whitepaper.delphi.rounds import answers as round_answers
    from whitepaper.delphi.rounds import items as round_items
    from whitepaper.delphi.rounds import queries as round_queries
    from whitepaper.models import Round

    page = realtime_page
    _url, app, committee_id = realtime_server
    log_in(page, "facilitadora@demo.cepal.org", demo_password("facilitator"))
    page.goto(f"/committees/{committee_id}")
    page.get_by_label("Tipo de ronda").select_option("closed")
    page.get_by_label("Tiempo real", exact=False).check()
    page.get_by_role("button", name="Crear la ronda").click()
    expect(page.locator("#realtime-badge")).to_have_text("Ronda en tiempo real")
    round_id = int(page.url.rstrip("/").split("/")[-1])

    def add_statement(db):
        round_ = db.session.get(Round, round_id)
        facilitator = accounts.user_by_email("facilitadora@demo.cepal.org")
        item = round_items.add_agreement_item(facilitator, round_, {
            "es": "El plan nacional debe tener metas con presupuesto asignado.",
            "en": "The national plan must have targets with an assigned budget."})
        db.session.commit()
        return item.id
    item_id = _in_app(app, add_statement)
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())  # "Open the round? …"
    page.locator("#open-round").click()
    expect(page.locator(".flash-success")).to_contain_text("La ronda está abierta")
    expect(page.locator("#realtime-badge")).to_be_visible()  # still marked, and now fixed
    page.locator("#logout").click()
    page.wait_for_url("**/login")

    def others_answer(db):
        round_ = round_queries.round_detail(round_id)
        for email, rating in RATERS.items():
            round_answers.save_response(accounts.user_by_email(email), round_,
                                        {item_id: round_answers.AnswerInput(rating=rating)}, submit=True)
        db.session.commit()
    _in_app(app, others_answer)

    log_in(page, "integrante@demo.cepal.org", demo_password("member"))
    page.goto(f"/committees/rounds/{round_id}/answer")
    expect(page.locator("#realtime-note")).to_be_visible()
    expect(page.locator(".card.realtime")).to_have_count(0)  # not answered yet: no aggregate

    page.locator(f"input[name='rating-{item_id}'][value='2']").check()
    page.locator("#submit-answers").click()
    live = page.locator(f"#live-{item_id}")
    expect(live).to_contain_text("El grupo ahora")
    # the first visit stored the batch of the three others; this member's answer opens the next batch
    expect(live).to_contain_text("según las respuestas de 3 integrantes")
    statistics = live.locator("dl.facts").inner_text()
    assert "Mediana" in statistics and "4,0" in statistics  # 4, 4, 5
    chart = live.locator("svg desc").text_content()

    page.locator(f"input[name='rating-{item_id}'][value='5']").check()
    page.locator("#submit-answers").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"input[name='rating-{item_id}'][value='5']")).to_be_checked()
    assert page.locator(f"#live-{item_id} dl.facts").inner_text() == statistics
    counts = page.locator(f"#live-{item_id} svg desc").text_content()
    assert counts.split("n = ")[0] == chart.split("n = ")[0]  # the same counts per point, only the mark moved
