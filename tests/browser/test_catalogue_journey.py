"""Journeys through the catalogue: an anonymous visitor searches the national model and opens a criterion's
permalink; a logged-in observer compares the two versions of the sectoral model (the draft the committee
consulted on and the 2026-crp version it adopted)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_anonymous_visitor_searches_the_national_model_and_opens_a_criterion_permalink(page):
    page.goto("/catalogue/")
    page.get_by_role("link", name="Modelo nacional de planificación del desarrollo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modelo nacional de planificación del desarrollo")
    criteria = page.locator("article.criterion")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"\b33 criterios"))

    page.get_by_role("searchbox", name="Buscar en ambos idiomas").fill("participación")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"\b1 criterio"))
    expect(criteria).to_have_count(1)
    expect(criteria.get_by_role("heading")).to_have_text("NAC-2-07 Instancias de participación")
    expect(page.get_by_role("searchbox", name="Buscar en ambos idiomas")).to_have_value("participación")

    page.get_by_role("searchbox", name="Buscar en ambos idiomas").fill("participacion")  # no accent: same hit
    page.get_by_role("button", name="Filtrar").click()
    expect(criteria).to_have_count(1)
    expect(criteria.get_by_role("heading")).to_have_text("NAC-2-07 Instancias de participación")

    page.get_by_role("link", name="NAC-2-07").click()
    page.wait_for_url("**/catalogue/national/2017/criteria/NAC-2-07")
    expect(page.get_by_role("heading", level=1)).to_have_text("NAC-2-07 Instancias de participación")
    expect(page.locator("main p.meta").first).to_contain_text("Diseño")  # the breadcrumb names its dimension
    elements = page.locator("ul.elements li")
    expect(elements).to_have_count(7)
    # the element's code and text, then the badge saying they are ILPES's words
    expect(elements.first).to_have_text(re.compile(
        r"^NAC-2-07\.1 Existen y se aplican mecanismos de consulta a la sociedad\s+ILPES\s*$"))
    expect(elements.last).to_contain_text("Se incorpora más de un solo grupo o tipo de actores")

    page.get_by_role("link", name="Modelo nacional de planificación del desarrollo 2017").click()  # back up
    expect(page.get_by_role("status")).to_have_text(re.compile(r"\b33 criterios"))


def test_observer_compares_the_two_versions_of_the_sectoral_model(page):
    log_in(page, "observador@demo.cepal.org", demo_password("observer"))
    page.goto("/catalogue/")
    sectoral = page.locator("section.model-card", has=page.get_by_role(
        "heading", name="Modelo sectorial de planificación del desarrollo"))
    sectoral.get_by_text("Todas las versiones (2)").click()
    expect(sectoral.get_by_role("link", name="2026-draft")).to_be_visible()
    sectoral.get_by_role("link", name="Comparar versiones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Comparar versiones: Modelo sectorial de planificación del desarrollo")

    def section(title: str):
        return page.get_by_role("heading", level=2, name=re.compile("^" + title))

    # from the consulted draft to the adopted version: SEC-2-05 was rejected, SEC-1-02's optimal level moved to 3
    page.get_by_label("Versión anterior").select_option("2026-draft")
    page.get_by_label("Versión más reciente").select_option("2026-crp")
    page.get_by_role("button", name="Comparar").click()
    expect(section("Agregados")).to_have_text("Agregados (0)")
    expect(section("Eliminados")).to_have_text("Eliminados (1)")
    expect(section("Eliminados").locator("xpath=following-sibling::p[1]")).to_have_text("SEC-2-05")
    expect(section("Modificados")).to_have_text("Modificados (1)")
    expect(page.get_by_role("row", name=re.compile("^SEC-1-02"))).to_be_visible()

    # the other way round, the rejected criterion is the one added
    page.get_by_label("Versión anterior").select_option("2026-crp")
    page.get_by_label("Versión más reciente").select_option("2026-draft")
    page.get_by_role("button", name="Comparar").click()
    expect(page).to_have_url(re.compile(r"a=2026-crp&b=2026-draft"))
    expect(section("Agregados")).to_have_text("Agregados (1)")
    expect(section("Agregados").locator("xpath=following-sibling::p[1]")).to_have_text("SEC-2-05")
    expect(section("Eliminados")).to_have_text("Eliminados (0)")
