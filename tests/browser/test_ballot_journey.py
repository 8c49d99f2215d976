"""Journey: the demo member votes in the vision committee's open ballot on the dimensions. A rejection without a
reason is refused with nothing saved; with its reason the votes are saved, shown again on reload, and can
still be changed while the ballot is open. (The only journey that votes: the demo member has not voted.)"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

REASON = "Los resultados de una visión se miden en décadas, no en un período de gobierno."


def test_member_votes_with_a_reason_sees_the_votes_kept_and_changes_one(page):
    log_in(page, "integrante@demo.cepal.org", demo_password("member"))
    page.goto("/ballots/")
    pending = page.get_by_role("region", name="Pendientes de su voto")
    pending.get_by_role("link", name=re.compile("^Modelo de visiones de desarrollo de largo plazo")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Su voto: (ix) Dimensiones por niveles")
    expect(page.locator("#unvoted")).to_contain_text("Pendientes de votar: 5 de 5 puntos.")

    design = page.get_by_role("group", name="Diseño", exact=True)
    outcomes = page.get_by_role("group", name="Resultados", exact=True)
    save = page.get_by_role("button", name="Guardar mis votos")

    design.get_by_label("Aprobar", exact=True).check()
    outcomes.get_by_label("Rechazar", exact=True).check()
    save.click()  # a rejection needs a reason: refused, nothing saved, the choices kept on the page
    expect(page.get_by_role("alert")).to_have_text("Algunos votos requieren una corrección; no se guardó nada.")
    expect(outcomes.locator(".error")).to_have_text("Un rechazo requiere un motivo.")
    expect(outcomes.get_by_label("Rechazar", exact=True)).to_be_checked()
    expect(page.locator("#unvoted")).to_contain_text("Pendientes de votar: 5 de 5 puntos.")

    outcomes.get_by_label("Motivo").fill(REASON)
    save.click()
    expect(page.locator(".flash-success")).to_have_text(
        "Sus votos se guardaron: 2 nuevos, 0 modificados. Puede cambiarlos hasta que se cierre la votación.")
    expect(page.locator("#unvoted")).to_contain_text("Pendientes de votar: 3 de 5 puntos.")
    expect(page.locator("#unvoted").get_by_role("link", name="Resultados")).to_have_count(0)

    page.reload()  # recorded: the choices and the reason come back from the server
    expect(design.get_by_label("Aprobar", exact=True)).to_be_checked()
    expect(outcomes.get_by_label("Rechazar", exact=True)).to_be_checked()
    expect(outcomes.get_by_label("Motivo")).to_have_value(REASON)
    expect(outcomes.locator("p.meta")).to_contain_text("Su voto: Rechazar")

    outcomes.get_by_label("Abstenerse", exact=True).check()  # votes may change until the ballot closes
    save.click()
    expect(page.locator(".flash-success")).to_contain_text("0 nuevos, 1 modificados")
    expect(outcomes.locator("p.meta")).to_contain_text("Su voto: Abstenerse")
    expect(design.locator("p.meta")).to_contain_text("Su voto: Aprobar")
