"""`flask scorecard` takes the PDF from the cache the scorecard page fills when exactly the same HTML was
rendered before, and renders anew (neither reading nor filling the cache) with `--no-cache`."""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.pdf


def test_the_scorecard_command_uses_the_pdf_cache_unless_told_not_to(app, runner, make_assessment, tmp_path,
                                                                      monkeypatch):
    from whitepaper.reports import pdf
    assessment = make_assessment("CRI", status="published", rate="all")
    renders: list[str] = []

    def render(html: str) -> bytes:   # stands in for WeasyPrint: what matters here is whether it is called
        renders.append(html)
        return f"%PDF-1.7 render {len(renders)}".encode()
    monkeypatch.setattr(pdf, "render", render)
    cache = app.config["PDF_CACHE_FOLDER"]

    def scorecard(*extra: str) -> bytes:
        out = tmp_path / "card.pdf"
        result = runner.invoke(args=["scorecard", str(assessment.id), "--out", str(out), "--lang", "en", *extra])
        assert result.exit_code == 0, result.output
        return out.read_bytes()

    def cached() -> list[str]:
        return sorted(os.listdir(cache)) if os.path.isdir(cache) else []

    assert scorecard() == b"%PDF-1.7 render 1" and len(renders) == 1
    assert len(cached()) == 1                                      # the first render fills the cache
    assert scorecard() == b"%PDF-1.7 render 1" and len(renders) == 1   # the second reads it
    assert scorecard("--no-cache") == b"%PDF-1.7 render 2" and len(renders) == 2
    assert len(cached()) == 1                                      # --no-cache leaves the cache alone
    assert scorecard() == b"%PDF-1.7 render 1" and len(renders) == 2
    assert scorecard("--lang", "es") == b"%PDF-1.7 render 3"       # other HTML, another render
    assert len(cached()) == 2
