"""The regional report for the Regional Council for Planning (CRP): the published assessments of one
planning model's catalogue version side by side, and the committee's results."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import charts, formatting
from ..assessment import comparability, fingerprint
from ..assessment import queries as assessment_queries
from ..assessment import scoring
from ..catalogue import queries as catalogue_queries
from ..errors import NotFound
from ..models import Assessment, CatalogueVersion
from .documents import _css
from ..delphi import committees
from ..delphi import results


@dataclass
class CountryRow:
    assessment: Assessment
    card: scoring.Scorecard


@dataclass
class CrpReport:
    version: CatalogueVersion          # with its tree loaded
    rows: list[CountryRow]             # in alphabetical order of the country's name
    regional: Optional[scoring.Regional]
    committee: Any = None              # committee results view-model, when the votes feature provides it
    # published assessments left out: their comparability fingerprints differ (docs/design.md, "Comparability
    # fingerprint")
    left_out: tuple[fingerprint.LeftOut[Assessment], ...] = ()
    mode: str = ""                     # the version's scoring mode, which the members share

    def dimension_titles(self) -> list[str]:
        return [formatting.text(d.title) for d in self.version.dimensions]

    def label(self, row: CountryRow) -> str:
        return self.assessment_label(row.assessment)

    @staticmethod
    def assessment_label(a: Assessment) -> str:
        """The country, and the scope when it is not the country itself."""
        name = a.country.name(formatting.current_lang())
        return name if a.scope_name in (a.country.name_es, a.country.name_en) else f"{name} · {a.scope_name}"

    def mode_label(self) -> str:
        return comparability.mode_label(self.mode)

    def left_out_reasons(self, item: fingerprint.LeftOut[Assessment]) -> list[str]:
        return [comparability.reason_text(reason, item.fingerprint, self.version.label, self.mode)
                for reason in item.reasons]

    def heatmap(self):
        return charts.heatmap(
            [self.label(r) for r in self.rows],
            self.dimension_titles(),
            [[d.score for d in r.card.dimensions] for r in self.rows],
            fmt=formatting.number, title=_("Score by country and dimension (0–100)"), none_label=_("no score"))

    def profile(self, row: CountryRow):
        axes = [(formatting.text(d.title), r.score) for d, r in zip(self.version.dimensions, row.card.dimensions)]
        compare = []
        if self.regional is not None:
            compare.append((_("Regional mean"), [s.mean for s in self.regional.dimensions]))
        return charts.radar(axes, series_label=row.assessment.country.name(formatting.current_lang()),
                            compare=compare, fmt=formatting.number, title=_("Profile by dimension (0–100)"),
                            none_label=_("no score"), size=260)


def _committee_results(model_key: str) -> Any:
    """The results of the model's technical committee (participation, rounds, ballots), when it has one. The
    report goes to the CRP, so it reads as members and observers do: participation by subregion, not by
    country, and no breakdown of any item (docs/methods.md §3.10)."""
    committee = next((c for c in committees.committees() if c.planning_model.key == model_key), None)
    return results.committee_results(committee, by_country=False) if committee is not None else None


def build(model_key: str, progress: Callable[[int, str], None] = lambda p, m: None) -> CrpReport:
    model = catalogue_queries.model_by_key(model_key)
    if model is None:
        raise NotFound(_("There is no planning model %(key)s.", key=model_key))
    current = catalogue_queries.current_version(model)
    if current is None:
        raise NotFound(_("The %(key)s model has no version yet.", key=model_key))
    tree = catalogue_queries.version_tree(current.id)
    # Members with compatible fingerprints only; the others are listed, with the reasons.
    figures = assessment_queries.regional_figures(assessment_queries.spec_from_tree(tree))
    members = assessment_queries.assessments_by_id(figures.members)
    left = {a.id: a for a in assessment_queries.assessments_by_id([item.key for item in figures.left_out])}
    lang = formatting.current_lang()
    left_out = sorted((fingerprint.LeftOut(left[item.key], item.reasons, item.fingerprint)
                       for item in figures.left_out if item.key in left),
                      key=lambda item: (item.key.country.name(lang), item.key.scope_name, item.key.period_end))
    progress(5, _("Reading %(n)d published assessments", n=len(members)))
    rows = []
    for i, member in enumerate(members, start=1):
        rows.append(CountryRow(member, figures.cards[member.id]))
        progress(5 + int(40 * i / max(1, len(members))), _("Scoring %(country)s", country=member.country.iso3))
    rows.sort(key=lambda r: (r.assessment.country.name(lang), r.assessment.scope_name))
    return CrpReport(version=tree, rows=rows, regional=figures.regional, committee=_committee_results(model_key),
                     left_out=tuple(left_out), mode=figures.reference.scoring_mode)


def crp_html(model_key: str, lang: str, progress: Callable[[int, str], None] = lambda p, m: None) -> str:
    from ..assessment.scorecard import band_labels
    with force_locale(lang):
        report = build(model_key, progress)
        title = _("Regional report for the CRP: %(model)s, version %(label)s",
                  model=formatting.text(report.version.title), label=report.version.label)
        progress(50, _("Laying out the report"))
        return render_template("reports/crp.html", report=report, lang=lang, css=_css(), doc_title=title,
                               doc_description=_("Planbarómetro regional report"), band_labels=band_labels())
