"""Builds the self-contained HTML of the PDF documents and renders them, with a cache keyed by a hash of
what was rendered (the same inputs give the same HTML, so an unchanged document is never rendered twice).

WeasyPrint (`pdf`) is imported only when a PDF is really rendered: a page, a worker or a command that never
renders one (or finds it in the cache) never loads it."""
from __future__ import annotations

import hashlib
import os
from datetime import datetime
from functools import cache
from typing import Any, Optional

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Assessment, Rating

def _css() -> str:
    with open(os.path.join(current_app.static_folder, "css", "report.css"), encoding="utf-8") as handle:
        return handle.read()


def _ratings_by_criterion(assessment: Assessment) -> dict[int, Rating]:
    rows = db.session.scalars(select(Rating).where(Rating.assessment_id == assessment.id)
                              .options(selectinload(Rating.evidence)))
    return {r.criterion_id: r for r in rows}


def status_labels() -> dict[str, str]:
    return {"draft": _("Draft"), "submitted": _("Submitted"), "returned": _("Returned"),
            "validated": _("Validated"), "published": _("Published")}


def scorecard_html(assessment: Assessment, lang: str, viewer: Any = None,
                   generated: Optional[datetime] = None) -> str:
    """The scorecard as self-contained HTML in one language (the same numbers as the page and the API)."""
    from ..assessment import coherence as assessment_coherence
    from ..assessment import queries as assessment_queries
    from ..assessment.scorecard import band_labels, severity_labels
    from ..catalogue.queries import provenance_summary
    with force_locale(lang):
        view = (assessment_queries.scorecard_for(assessment) if viewer is None
                else assessment_queries.scorecard_for(assessment, viewer))
        card = view.card
        if not card.provisional:
            reason = ""
        elif card.completeness < 1:
            reason = _("not every criterion has a complete rating yet.")
        else:
            reason = _("the assessment has not been validated yet.")
        title = _("Scorecard: %(country)s, %(scope)s, %(start)d–%(end)d", country=assessment.country.name(lang),
                  scope=assessment.scope_name, start=assessment.period_start, end=assessment.period_end)
        return render_template(
            "reports/scorecard.html", view=view, lang=lang, css=_css(), doc_title=title,
            doc_description=_("Planbarómetro self-evaluation scorecard"),
            ratings=_ratings_by_criterion(assessment), band_labels=band_labels(),
            severity_labels=severity_labels(), status_label=status_labels().get(assessment.status, assessment.status),
            provisional_reason=reason, texts=provenance_summary(view.version),
            generated=(generated or assessment.updated_at).strftime("%Y-%m-%d"),
            coherence=assessment_coherence.for_subnational(  # a published subnational one beside its country's
                assessment, assessment_queries.TRUSTED if viewer is None else viewer))


@cache
def _renderer_version() -> str:
    """WeasyPrint's version, read from its installed metadata (importing WeasyPrint costs far more)."""
    from importlib.metadata import version
    return version("weasyprint")


def html_hash(html: str) -> str:
    """The cache key of a document: a new WeasyPrint version renders everything anew."""
    return hashlib.sha256((_renderer_version() + "\0" + html).encode()).hexdigest()


def cached_pdf(html: str, use_cache: bool = True) -> bytes:
    """Renders the HTML to PDF unless a PDF of exactly this HTML is already in the cache folder."""
    if not use_cache:  # no cache key either: WeasyPrint's version, read from its metadata, costs ~20 ms cold
        from . import pdf
        return pdf.render(html)
    folder = current_app.config["PDF_CACHE_FOLDER"]
    path = os.path.join(folder, html_hash(html) + ".pdf")
    if os.path.exists(path):
        with open(path, "rb") as handle:
            return handle.read()
    from . import pdf
    data = pdf.render(html)
    os.makedirs(folder, exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
    return data
