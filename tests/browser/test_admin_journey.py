"""Journey: the administrator invites a person through Administration → Users, finds the new account with the
search, and sees the invitation waiting in the outbox with its one-time link masked."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

EMAIL = "paula.navegador@planificacion.example.org"


def test_admin_invites_a_user_and_sees_the_invitation_in_the_outbox(page):
    log_in(page, "admin@demo.cepal.org", demo_password("admin"))
    page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name="Administración").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Usuarios")
    page.get_by_role("link", name="Invitar a un usuario").click()

    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Nombre").fill("Paula Navegador")
    page.get_by_role("group", name="Roles").get_by_label("Observador(a)").check()
    page.get_by_label("País").select_option(label="Panamá")
    page.get_by_role("button", name="Enviar la invitación").click()

    expect(page).to_have_url(re.compile(r"/admin/users$"))
    expect(page.locator(".flash-success")).to_have_text(f"Invitación enviada a {EMAIL}.")
    page.get_by_role("searchbox", name="Buscar por nombre o correo electrónico").fill("Paula Navegador")
    page.get_by_role("button", name="Filtrar").click()
    row = page.get_by_role("row", name=re.compile(re.escape(EMAIL)))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text([EMAIL, "Paula Navegador", "Observador(a)", "Panamá",
                                                  re.compile(".+")])

    page.get_by_role("navigation", name="Administración").get_by_role("link", name="Bandeja de salida").click()
    invitation = page.locator("article.mail", has=page.get_by_text(f"Para: {EMAIL}"))
    expect(invitation).to_have_count(1)
    expect(invitation.get_by_role("heading")).to_have_text("Invitación a la plataforma Planbarómetro")
    expect(invitation.locator(".delivery")).to_contain_text("en espera de envío")
    body = invitation.locator("pre")
    expect(body).to_contain_text("Elija su contraseña aquí")
    expect(body).to_contain_text("/invitation/…")  # the one-time token is masked, even for administrators
