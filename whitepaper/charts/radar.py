"""The radar (spider) chart of a profile by dimension, with optional comparison series."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Mapping, Sequence

from markupsafe import Markup

from .svg import (
    DASH,
    DEFAULT_BAND_LABELS,
    GRID,
    MUTED,
    THIRD,
    TWO_THIRDS,
    Fmt,
    Value,
    _clean,
    _defined,
    _el,
    _legend,
    _line,
    _lines,
    _n,
    _rect,
    _sentence,
    _svg,
    _text,
    _to_float,
    _wrap_within,
    format_number,
    score_band,
    text_width,
)

_SERIES_STYLES = (
    # stroke, dash, marker
    ("#1f4e79", None, "circle"),
    ("#a34700", "8 4", "square"),
    ("#4d4d4d", "2 3", "diamond"),
    ("#6a3d9a", "10 3 2 3", "triangle"),
)


def _marker(kind: str, x: float, y: float, colour: str, cls: str) -> str:
    if kind == "circle":
        return _el("circle", {"cx": float(x), "cy": float(y), "r": "3.5", "fill": colour, "class": cls})
    if kind == "square":
        return _rect(x - 3, y - 3, 6, 6, colour, cls=cls)
    if kind == "diamond":
        pts = f"{_n(x)},{_n(y - 4.2)} {_n(x + 4.2)},{_n(y)} {_n(x)},{_n(y + 4.2)} {_n(x - 4.2)},{_n(y)}"
        return _el("polygon", {"points": pts, "fill": colour, "class": cls})
    pts = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4)},{_n(y + 3)} {_n(x - 4)},{_n(y + 3)}"
    return _el("polygon", {"points": pts, "fill": colour, "class": cls})


def _series_swatch(index: int) -> str:
    colour, dash, marker = _SERIES_STYLES[index % len(_SERIES_STYLES)]
    return (_line(-6, 7, 14, 7, colour, 2.5 if index == 0 else 2, dash)
            + _marker(marker, 4, 7, colour, "marker"))


def radar_plot(
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
    """A radar (spider) chart of scores on 0–100, one axis per dimension.

    `axes` are (label, score) pairs in display order, the first one at the top, going clockwise. Gridlines
    at 100/3, 200/3 and 100 (the band boundaries). The score of each axis is printed under its label; a None
    score is drawn at the centre and shown as "—" ("no score" in the description). `compare` adds series
    (a previous assessment, a regional mean) with one value per axis, drawn in other dash patterns and
    marker shapes and listed in a legend. `size` sets the plot's scale (the radius is 0.3·size); the SVG's
    own width and height follow from the labels.

    Needs three axes or more: the public :func:`whitepaper.charts.radar` draws bars instead below that, so
    that this module needs no other chart module.
    """
    band_labels = {**DEFAULT_BAND_LABELS, **(band_labels or {})}
    if len(axes) < 3:
        raise ValueError(f"a radar needs at least three axes, not {len(axes)}")
    for label, values in compare:
        if len(values) != len(axes):
            raise ValueError(f"comparison series {label!r} has {len(values)} values for {len(axes)} axes")

    n = len(axes)
    radius = size * 0.3
    gap = 10.0
    font = 12.0
    lh = font * 1.25
    label_width = max(110.0, size * 0.4)
    pad = 8.0

    def angle(i: int) -> float:
        return -math.pi / 2 + 2 * math.pi * i / n

    def point(i: int, value: Value) -> tuple[float, float]:
        v = _to_float(value)
        r = 0.0 if v is None else radius * min(max(v, 0.0), 100.0) / 100.0
        a = angle(i)
        return r * math.cos(a), r * math.sin(a)

    # Axis label blocks, laid out around a centre at (0, 0).
    blocks = []  # (x, top, anchor, lines, value_text)
    xmin, xmax, ymin, ymax = -radius, radius, -radius, radius
    for i, (label, value) in enumerate(axes):
        a = angle(i)
        cos_a, sin_a = math.cos(a), math.sin(a)
        lines = _wrap_within(label, label_width, font, max_lines=3)
        value_text = fmt(value) if _defined(value) else DASH
        height = (len(lines) + 1) * lh
        width = max([text_width(line, font) for line in lines] + [text_width(value_text, font, bold=True)])
        px, py = (radius + gap) * cos_a, (radius + gap) * sin_a
        if abs(cos_a) < 0.2:
            anchor, left = "middle", px - width / 2
        elif cos_a > 0:
            anchor, left = "start", px
        else:
            anchor, left = "end", px - width
        top = py - height * (1 - sin_a) / 2
        if abs(cos_a) < 0.2 and sin_a < 0:
            top -= 2
        blocks.append((px, top, anchor, lines, value_text))
        xmin, xmax = min(xmin, left), max(xmax, left + width)
        ymin, ymax = min(ymin, top), max(ymax, top + height)

    # Legend (only with comparison series) under the plot.
    series_names = [series_label] + [label for label, _ in compare]
    legend_entries = [(_series_swatch(i), name) for i, name in enumerate(series_names)] if compare else []
    plot_width = xmax - xmin
    legend_width = max(plot_width, 220.0)
    legend_top = ymax + 14
    legend_elements: list[str] = []
    legend_h = 0.0
    if legend_entries:
        legend_elements, legend_h, legend_w = _legend(0, 0, legend_width, legend_entries)
        xmax = max(xmax, xmin + legend_w)
        ymax = legend_top + legend_h

    ox, oy = pad - xmin, pad - ymin  # the centre, in SVG coordinates
    width, height = xmax - xmin + 2 * pad, ymax - ymin + 2 * pad

    body: list[str] = []
    # Rings at the band boundaries, and the axes.
    for k, level in enumerate((THIRD, TWO_THIRDS, Fraction(100))):
        r = radius * float(level) / 100
        pts = " ".join(f"{_n(ox + r * math.cos(angle(i)))},{_n(oy + r * math.sin(angle(i)))}" for i in range(n))
        cls = "ring ring-outer" if k == 2 else "ring"
        body.append(_el("polygon", {"points": pts, "fill": "none", "stroke": GRID if k == 2 else "#c8c8c8",
                                    "stroke-width": "1", "class": cls}))
    for i in range(n):
        a = angle(i)
        body.append(_line(ox, oy, ox + radius * math.cos(a), oy + radius * math.sin(a), "#c8c8c8", 1, cls="axis"))
    # Ring values in the gap nearest the bottom, just inside each ring's edge (drawn under the series).
    gap_index = min(range(n), key=lambda i: (abs(math.sin(angle(i) + math.pi / n) - 1), i))
    mid = angle(gap_index) + math.pi / n
    for level in (THIRD, TWO_THIRDS, Fraction(100)):
        edge = radius * float(level) / 100 * math.cos(math.pi / n)
        tx, ty = ox + (edge - 3) * math.cos(mid), oy + (edge - 3) * math.sin(mid)
        body.append(_text(tx, ty, fmt(level), size=9, anchor="middle", fill=MUTED, cls="ring-label"))

    # Series: comparisons first (under), the assessment last (on top).
    all_series = [(series_label, [v for _, v in axes])] + [(label, list(values)) for label, values in compare]
    for index in range(len(all_series) - 1, -1, -1):
        colour, dash, marker = _SERIES_STYLES[index % len(_SERIES_STYLES)]
        values = all_series[index][1]
        pts = [point(i, v) for i, v in enumerate(values)]
        cls = "series series-main" if index == 0 else f"series series-compare series-{index}"
        body.append(_el("polygon", {
            "points": " ".join(f"{_n(ox + x)},{_n(oy + y)}" for x, y in pts),
            "fill": colour if index == 0 else "none", "fill-opacity": "0.14" if index == 0 else None,
            "stroke": colour, "stroke-width": "2.5" if index == 0 else "2", "stroke-dasharray": dash,
            "stroke-linejoin": "round", "class": cls,
        }))
        for x, y in pts:
            body.append(_marker(marker, ox + x, oy + y, colour, "marker"))

    for px, top, anchor, lines, value_text in blocks:
        body.append(_lines(ox + px, oy + top, lines, size=font, line_height=lh, anchor=anchor, cls="axis-label"))
        body.append(_text(ox + px, oy + top + font * 0.85 + len(lines) * lh, value_text, size=font, anchor=anchor,
                          bold=True, cls="value-label"))
    if legend_elements:
        body.append(f'<g class="legend" transform="translate({_n(pad)} {_n(oy + legend_top)})">')
        body.extend(legend_elements)
        body.append("</g>")

    # The text alternative.
    def describe(values: Sequence[Value], with_band: bool) -> list[str]:
        parts = []
        for (label, _), value in zip(axes, values):
            if not _defined(value):
                parts.append(f"{_clean(label)}: {none_label}")
                continue
            band = band_of(value) if (with_band and band_of) else None
            suffix = f" ({band_labels.get(band, band)})" if band else ""
            parts.append(f"{_clean(label)}: {fmt(value)}{suffix}")
        return parts

    desc = [f"{_clean(series_label)}: " + _sentence(describe([v for _, v in axes], True))]
    for label, values in compare:
        desc.append(f"{_clean(label)}: " + _sentence(describe(values, False)))
    return _svg("radar", width, height, title, " ".join(desc), body)
