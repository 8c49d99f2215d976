"""Journey: an anonymous visitor opens the published scorecard of Yucatán (the demo's subnational assessment
beside Mexico's national one), follows the link to the coherence page and finds a gap flagged with both
criteria's texts."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_visitor_follows_a_scorecard_to_the_coherence_across_levels(page):
    page.goto("/assessments/published")
    page.locator("tbody tr", has_text="Yucatán").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Ficha de resultados: Yucatán"))
    page.get_by_role("link", name=re.compile(r"^Coherencia con la evaluación nacional")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Coherencia entre niveles: México")
    expect(page.locator("#mapping-pending")).to_contain_text("hasta que un comité técnico los valide")
    flagged = page.locator("table.coherence-pairs tr.flagged")
    expect(flagged.first).to_be_visible()
    count = flagged.count()
    expect(page.locator("#gaps-flagged")).to_have_text(str(count))
    expect(page.locator("#flagged-gaps .gap-detail")).to_have_count(count)
    expect(page.locator("#flagged-gaps .gap-detail").first.locator("dd")).to_have_count(2)
