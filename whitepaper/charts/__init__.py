"""Server-side SVG charts, shared by the pages and the PDFs (ARCHITECTURE.md): the public API.

The primitives live in :mod:`.svg`, one module per chart beside it (radar, bars, distribution, heatmap); this
package only re-exports them, plus :func:`radar`, which falls back to bars when there are too few axes."""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from markupsafe import Markup

from .bars import hbars, vote_bars
from .distribution import distribution
from .heatmap import heatmap
from .radar import radar_plot
from .svg import (
    BAND_COLOURS,
    BANDS,
    BOLD_FACTOR,
    DASH,
    DEFAULT_BAND_LABELS,
    DEFAULT_VOTE_LABELS,
    FONT_FAMILY,
    GRID,
    INK,
    MUTED,
    NEUTRAL_COLOURS,
    NONE_FILL,
    THIRD,
    TWO_THIRDS,
    Fmt,
    Value,
    contrast,
    format_number,
    score_band,
    text_width,
)

# Every public name of the former single module ``charts.py``: its __all__, plus the constants and types it
# also offered (INK and NONE_FILL are used by the tests).
__all__ = [
    "BANDS",
    "BAND_COLOURS",
    "BOLD_FACTOR",
    "DASH",
    "DEFAULT_BAND_LABELS",
    "DEFAULT_VOTE_LABELS",
    "FONT_FAMILY",
    "GRID",
    "INK",
    "MUTED",
    "NEUTRAL_COLOURS",
    "NONE_FILL",
    "THIRD",
    "TWO_THIRDS",
    "Fmt",
    "Value",
    "contrast",
    "distribution",
    "format_number",
    "hbars",
    "heatmap",
    "radar",
    "score_band",
    "text_width",
    "vote_bars",
]


def radar(
    axes: Sequence[tuple[str, Value]],
    *,
    series_label: str = "This assessment",
    compare: Sequence[tuple[str, Sequence[Value]]] = (),
    fmt: Fmt = format_number,
    title: str = "Profile by dimension",
    size: int = 360,
    none_label: str = "no score",
    band_of: Callable[[Value], str | None] | None = score_band,
    band_labels: Mapping[str, str] | None = None,
) -> Markup:
    """A radar (spider) chart of scores on 0–100, one axis per dimension: see :func:`.radar.radar_plot`.

    With fewer than three axes (no polygon to draw) the chart falls back to :func:`hbars`, with the same
    `fmt`, `title`, `none_label`, `band_of` and `band_labels`. The choice is made here, so that no chart
    module imports another.
    """
    if len(axes) < 3:
        return hbars(axes, fmt=fmt, title=title, none_label=none_label, band_of=band_of, band_labels=band_labels)
    return radar_plot(axes, series_label=series_label, compare=compare, fmt=fmt, title=title, size=size,
                      none_label=none_label, band_of=band_of, band_labels=band_labels)
