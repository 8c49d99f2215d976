"""Journey: the CRP observer asks for the regional report of the national model. No worker runs beside the test
server, so the job stays queued: its page shows the state and the progress, and asking again leads to the same
job instead of queueing a second one."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from whitepaper.demo import demo_password

from .conftest import log_in

pytestmark = pytest.mark.browser

NATIONAL = "Modelo nacional de planificación del desarrollo"


def test_observer_queues_the_national_report_and_asking_again_joins_the_same_job(page):
    log_in(page, "observador@demo.cepal.org", demo_password("observer"))
    menu = page.get_by_role("navigation", name="Navegación principal")
    menu.get_by_role("link", name="Informes para el CRP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informes para el CRP")

    page.get_by_role("row", name=re.compile("^" + NATIONAL)).get_by_role(
        "button", name="Generar el informe en PDF").click()
    expect(page).to_have_url(re.compile(r"/reports/jobs/\d+$"))
    job_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Informe #\d+$"))
    expect(page.locator("#job-status")).to_have_text("en espera")
    expect(page.get_by_role("progressbar", name="Avance")).to_have_attribute("value", "0")
    expect(page.locator("#job")).to_contain_text("Esta página se actualiza sola cada pocos segundos.")
    expect(page.locator("#job-download")).to_have_count(0)  # nothing to download before it is done

    page.get_by_role("link", name="Volver a los informes").click()
    listed = page.get_by_role("listitem").filter(has_text=re.compile(r"· national · es"))
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("en espera (0 %)")

    page.get_by_role("row", name=re.compile("^" + NATIONAL)).get_by_role(
        "button", name="Generar el informe en PDF").click()
    expect(page).to_have_url(job_url)  # the same job, joined
    joined = page.locator(".flash")
    expect(joined).to_have_count(1)  # and it says so, in the reader's language
    expect(joined).to_contain_text(re.compile(r"\binforme\b"))
    expect(page.locator("#job-status")).to_have_text("en espera")
    page.get_by_role("link", name="Volver a los informes").click()
    expect(page.get_by_role("listitem").filter(has_text=re.compile(r"· national · es"))).to_have_count(1)
