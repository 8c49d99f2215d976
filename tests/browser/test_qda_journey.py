"""Journey: the demo facilitator downloads the REFI-QDA codebook of the sectoral committee's published open round
(its ten codes, in the codebook namespace), finds that a published round takes no import and has no second
coding to start, then imports the file into the vision committee's open round through the upload form (CSRF
on) and finds the codes in that round's codebook."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

CODE = "Vínculo entre plan, presupuesto e inversión"
CB = "{urn:QDA-XML:codebook:1.0}"


def _systemize(page, committee: str) -> None:
    page.goto("/committees/")
    page.get_by_role("region", name=committee).get_by_role("link", name="Ronda 1", exact=True).click()
    page.get_by_role("navigation", name="Ronda").get_by_role("link", name="Sistematizar respuestas").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sistematizar las respuestas")


def test_facilitator_moves_a_codebook_between_rounds_as_refi_qda(page, tmp_path):
    log_in(page, "facilitadora@demo.cepal.org", demo_password("facilitator"))
    _systemize(page, "Modelo sectorial de planificación del desarrollo")
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar el libro de códigos (REFI-QDA .qdc)").click()
    path = tmp_path / "libro.qdc"
    download.value.save_as(path)
    root = ET.parse(path).getroot()
    assert root.tag == CB + "CodeBook"
    names = [code.get("name") for code in root.iter(CB + "Code")]
    assert len(names) == 10 and CODE in names

    expect(page.get_by_role("link", name="Importar un libro de códigos (.qdc)")).to_have_count(0)  # published
    page.get_by_role("link", name="Doble codificación y concordancia").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Doble codificación")
    expect(page.locator("main")).to_contain_text("Esta ronda no tiene una segunda codificación.")
    expect(page.get_by_role("button", name=re.compile("Comenzar la segunda codificación"))).to_have_count(0)

    # The vision round is still being coded: its workspace computes the code suggestions of every uncoded
    # answer, which can take seconds on a busy machine the first time.
    page.set_default_timeout(30_000)
    _systemize(page, "Modelo de visiones de desarrollo de largo plazo")
    page.get_by_role("link", name="Importar un libro de códigos (.qdc)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importar un libro de códigos")
    page.get_by_label(re.compile(r"Archivo del libro de códigos")).set_input_files(str(path))
    page.get_by_label("Idioma de los códigos del archivo").select_option("es")
    confirm = page.get_by_label(re.compile("Agregar los códigos del archivo"))
    if confirm.count():  # another journey may have added a code to this round first
        confirm.check()
    page.get_by_role("button", name="Importar el libro de códigos").click()

    expect(page).to_have_url(re.compile(r"/systemize#codebook$"))
    expect(page.locator(".flash")).to_contain_text(re.compile(r"Se importaron 10 códigos"))
    codebook = page.get_by_role("complementary", name="Libro de códigos")
    expect(codebook.get_by_role("link", name=CODE)).to_be_visible()
