"""What the round pages show around the statistics: the feedback's labels, translated once per page rather than
once per item, and the distribution charts, each drawn once per exact input and language.

A chart is remembered by everything it is drawn from (the counts per scale point, the median, the scale, the
rule, the reader's own rating, the title and the language), so a remembered chart is always the chart those
inputs give: when an answer changes, the item's counts or median change and its chart is drawn again, while the
charts of the other items are read back."""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Any, Optional

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ... import charts, formatting
from ...navigation import subregion_label
from .. import stats
from .statistics import SUBREGION_ORDER


def feedback_labels() -> dict[str, Any]:
    """The words of the feedback macros (templates/delphi/_feedback.html) and the results page, in the reader's
    language. Texts with a number in them stay in the templates. Like the templates' own `_()`, a translation is
    markup as written (the catalogue is ours), so the page is the same as with the texts in the template."""
    return _as_markup({
        "valid_n": _("Valid ratings (n)"), "median": _("Median"), "iqr_long": _("Interquartile range (IQR)"),
        "iqr": _("IQR"), "agreement": _("Agreement"), "consensus": _("Consensus"), "yes": _("Yes"), "no": _("No"),
        "mean": _("Mean"), "sd": _("Standard deviation"), "cv": _("Coefficient of variation"),
        "cv_stability": _("Group stability (100 − CV)"),
        "kappa": _("Weighted kappa between the two rounds (quadratic weights)"),
        "rand": _("RAND/UCLA: IPR and IPRAS"), "disagreement": _("disagreement"),
        "rated_7_9": _("Rated 7–9 / 1–3"), "subregion": _("Subregion"), "from_codes": _("From the codes"),
        "option": _("Option"), "mean_rank": _("Mean rank"),
        "kendall": _("Kendall's W (agreement among the rankings, 0 to 1)"),
        "outcomes": {"in": _("Consensus (agreement)"), "out": _("Consensus (disagreement)"),
                     "none": _("No consensus"), "appropriate": _("Appropriate"),
                     "inappropriate": _("Inappropriate"), "uncertain": _("Uncertain")},
        "kinds": {"open_text": _("Open question"), "agreement": _("Agreement statement"), "ranking": _("Ranking")},
        "subregions": {key: subregion_label(key) for key in SUBREGION_ORDER},
    })


def _as_markup(labels: Any) -> Any:
    if isinstance(labels, dict):
        return {key: _as_markup(value) for key, value in labels.items()}
    return Markup(labels)


def distribution(result: stats.AgreementResult, scale: int, rule: str, highlight: Optional[int] = None,
                 title: Optional[str] = None) -> Markup:
    """The column chart of an item's ratings (charts.distribution), with `highlight` (the reader's own rating)."""
    locale = get_locale()
    return _distribution(str(locale), tuple(sorted(result.distribution.items())), result.median, scale, rule,
                         highlight, title)


@lru_cache(maxsize=2048)
def _distribution(locale: str, counts: tuple[tuple[int, int], ...], median: Optional[Fraction], scale: int,
                  rule: str, highlight: Optional[int], title: Optional[str]) -> Markup:
    """Drawn in the current request's language, which is `locale` (part of the key for that reason)."""
    low, high = ((_("Inappropriate"), _("Appropriate")) if rule == "rand_ucla"
                 else (_("Strongly disagree"), _("Strongly agree")))
    return charts.distribution(dict(counts), highlight=highlight, median=median, fmt=formatting.number,
                               title=title or _("Distribution of ratings"), scale_labels={1: low, scale: high},
                               highlight_label=_("your answer"), median_label=_("Median"), n_label="n",
                               empty_label=_("No ratings"))
