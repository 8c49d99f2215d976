"""Journeys around the committees' rounds: the facilitator reminds the members who have not submitted the
vision committee's open round, and the administrator finds exactly those reminders in the outbox; a member
reads the group's feedback on the sectoral closed round, where the Caribbean has a single respondent and so
no subregion breakdown is shown to members, while the facilitator sees that subregion's n only."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

REMINDER = "Recordatorio: una ronda de consulta espera sus respuestas"
STATEMENT = "El órgano rector sectorial debe tener atribuciones formales para fijar prioridades"


def log_out(page) -> None:
    page.locator("#logout").click()
    page.wait_for_url("**/login")


def test_facilitator_reminds_who_has_not_submitted_and_the_admin_sees_the_reminders(page):
    log_in(page, "facilitadora@demo.cepal.org", demo_password("facilitator"))
    page.goto("/committees/")
    vision = page.get_by_role("region", name="Modelo de visiones de desarrollo de largo plazo")
    vision.get_by_role("link", name="Ronda 1", exact=True).click()
    page.get_by_role("navigation", name="Ronda").get_by_role("link", name="Participación").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Participación: Ronda 1 · Ronda abierta")

    # Whether the demo member has submitted depends on the other journeys: read the table, do not assume it.
    members = page.locator("#participation tbody tr")
    expect(members).to_have_count(9)
    rows = [row.split("\t") for row in members.all_inner_texts()]
    submitted = sum(1 for row in rows if row[2] == "Enviada")
    expect(page.locator("main")).to_contain_text(f"({submitted} de 9 integrantes)")
    waiting = 9 - submitted
    assert ["Keisha Campbell", "Jamaica", "Sin iniciar", "—"] in rows  # the demo's: she never answers

    page.once("dialog", lambda dialog: dialog.accept())  # "Send a reminder to each member who …?"
    page.get_by_role("button", name="Enviar recordatorios a quienes no han respondido").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"Hay {waiting} recordatorios en la bandeja de salida (solo para los integrantes que no han enviado "
        "sus respuestas).")
    log_out(page)

    log_in(page, "admin@demo.cepal.org", demo_password("admin"))
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Administración").click()
    page.get_by_role("navigation", name="Administración").get_by_role("link", name="Bandeja de salida").click()
    batch = [page.locator("article.mail").nth(i) for i in range(waiting)]  # the outbox lists the newest first
    recipients = {mail.locator("p.meta", has_text="Para:").inner_text().split("·")[0].strip() for mail in batch}
    assert len(recipients) == waiting  # one each
    assert "Para: keisha.campbell@demo.cepal.org" in recipients
    assert "Para: marcela.rios@demo.cepal.org" not in recipients  # she submitted
    for mail in batch:
        expect(mail.get_by_role("heading")).to_have_text(REMINDER)
        expect(mail.locator("pre")).to_contain_text("La ronda 1 del comité técnico aún espera sus respuestas")


def test_member_reads_the_feedback_without_a_breakdown_that_would_single_out_a_respondent(page):
    log_in(page, "integrante@demo.cepal.org", demo_password("member"))
    page.goto("/committees/")
    sectoral = page.get_by_role("region", name="Modelo sectorial de planificación del desarrollo")
    sectoral.locator("li", has=page.get_by_role("link", name="Ronda 2", exact=True)) \
        .get_by_role("link", name="Ver la retroalimentación").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retroalimentación: Ronda 2 · Ronda cerrada")
    expect(page.locator("main")).to_contain_text("11 integrantes enviaron sus respuestas.")

    item = page.get_by_role("region", name=re.compile("^" + STATEMENT))
    expect(item.locator(".own-answer")).to_contain_text("Su respuesta: 5")  # the member's own, highlighted
    facts = item.locator("dl.facts")
    expect(facts).to_contain_text("Calificaciones válidas (n)11")
    expect(facts).to_contain_text("Mediana4,0")
    expect(facts).to_contain_text("ConsensoNo · Sin consenso")
    expect(item.locator("ul.comments li")).to_have_count(2)
    expect(item.locator("ul.comments")).not_to_contain_text("Argentina")  # comments carry no country

    # Trinidad and Tobago is the Caribbean's only respondent: members see no subregion table at all
    for subregion in ("El Caribe", "América del Sur", "Centroamérica y México"):
        expect(page.locator("main").get_by_text(subregion, exact=True)).to_have_count(0)
    expect(page.locator("caption", has_text="Por subregión")).to_have_count(0)
    # nor does the JSON the member's session can read: every subregion of the item shows its n and nothing else
    round_id = re.search(r"/rounds/(\d+)/feedback$", page.url).group(1)
    results = page.request.get(f"/api/v1/rounds/{round_id}/results")
    assert results.ok
    item_json = next(i for i in results.json()["items"] if i["text"]["es"].startswith(STATEMENT))
    assert item_json["subregions"] == {"caribbean": {"n": 1}, "central_america_mexico": {"n": 3},
                                       "south_america": {"n": 7}}
    log_out(page)

    log_in(page, "facilitadora@demo.cepal.org", demo_password("facilitator"))
    page.goto("/committees/")
    page.get_by_role("region", name="Modelo sectorial de planificación del desarrollo") \
        .get_by_role("link", name="Ronda 2", exact=True).click()
    page.get_by_role("navigation", name="Ronda").get_by_role("link", name="Resultados").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(STATEMENT)
    first_item = page.get_by_role("table", name=re.compile("^Por subregión")).first  # facilitators see small n
    caribbean = first_item.get_by_role("row", name=re.compile("^El Caribe"))
    expect(caribbean).to_contain_text("solo n (menos de 3 calificaciones válidas)")
    expect(caribbean.locator("td").first).to_have_text("1")
