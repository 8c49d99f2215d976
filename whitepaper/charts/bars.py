"""Bar charts: horizontal bars of scores (hbars) and the stacked bar of a ballot item's votes (vote_bars)."""

from __future__ import annotations

import math
from numbers import Real
from typing import Callable, Mapping, Sequence

from markupsafe import Markup

from .svg import (
    _ID,
    BAND_COLOURS,
    DASH,
    DEFAULT_BAND_LABELS,
    DEFAULT_VOTE_LABELS,
    GRID,
    INK,
    MUTED,
    NEUTRAL_COLOURS,
    THIRD,
    TWO_THIRDS,
    Fmt,
    Value,
    _balanced,
    _band_legend_entries,
    _clean,
    _defined,
    _el,
    _legend,
    _line,
    _lines,
    _rect,
    _sentence,
    _svg,
    _text,
    format_number,
    score_band,
    text_width,
)

# ---------------------------------------------------------------------------------------------------------
# Horizontal bars: dimension scores, criterion attainment


def hbars(
    rows: Sequence[tuple[str, Value]],
    *,
    max_value: float = 100,
    marks: Sequence[Real] = (THIRD, TWO_THIRDS),
    fmt: Fmt = format_number,
    title: str = "Scores",
    band_of: Callable[[Value], str | None] | None = score_band,
    band_labels: Mapping[str, str] | None = None,
    none_label: str = "no score",
    width: int = 560,
    label_width: float | None = None,
    legend: bool = True,
) -> Markup:
    """Horizontal bars on 0–`max_value`, one row per (label, value).

    The label is on the left (wrapped onto up to three lines), the value at the bar's end, the bar coloured
    by its band (`band_of`, by default the score bands of docs/methods.md §2.7 on a 0–100 scale; None gives plain
    bars and no band legend). Dashed lines at `marks` (by default the band boundaries), labelled on the
    axis. A None value draws no bar and shows "—".
    """
    band_labels = {**DEFAULT_BAND_LABELS, **(band_labels or {})}
    if not max_value or max_value <= 0:
        raise ValueError("max_value must be positive")
    font = 12.0
    lh = 14.5
    pad = 8.0
    label_w = label_width if label_width is not None else min(220.0, width * 0.36)
    values_text = [fmt(v) if _defined(v) else DASH for _, v in rows]
    value_room = max([text_width(t, font, bold=True) for t in values_text] + [text_width(fmt(max_value), 10)]) + 10
    x0 = pad + label_w + 10
    x1 = width - pad - value_room
    if x1 - x0 < 60:
        x1 = x0 + 60
        width = int(math.ceil(x1 + value_room + pad))
    scale = (x1 - x0) / float(max_value)
    bar_h = 16.0

    body: list[str] = []
    y = pad
    row_geometry = []
    for (label, value), value_text in zip(rows, values_text):
        lines = _balanced(label, label_w, font, max_lines=3)
        row_h = max(26.0, len(lines) * lh + 10)
        row_geometry.append((y, row_h, lines, value, value_text))
        y += row_h
    plot_top, plot_bottom = pad, y

    for i, (top, row_h, lines, value, value_text) in enumerate(row_geometry):
        if i % 2 == 1:
            body.append(_rect(pad, top, width - 2 * pad, row_h, "#f7f7f7", cls="stripe"))
    for top, row_h, lines, value, value_text in row_geometry:
        mid = top + row_h / 2
        text_top = mid - (len(lines) * lh) / 2 + (lh - font) / 2 - 1
        body.append(_lines(x0 - 10, text_top, lines, size=font, line_height=lh, anchor="end", cls="row-label"))
        if _defined(value):
            v = min(max(float(value), 0.0), float(max_value))
            band = band_of(value) if band_of else None
            fill, stroke = BAND_COLOURS[band] if band in BAND_COLOURS else NEUTRAL_COLOURS
            bar_w = v * scale
            cls = f"bar band-{band}" if band else "bar"
            body.append(_rect(x0, mid - bar_h / 2, bar_w, bar_h, fill, stroke, 1, cls=cls))
            body.append(_text(x0 + bar_w + 5, mid + font * 0.35, value_text, size=font, bold=True, cls="value-label"))
        else:
            body.append(_text(x0 + 5, mid + font * 0.35, DASH, size=font, bold=True, cls="value-label none"))

    # Axis, ticks and marks.
    body.append(_line(x0, plot_top, x0, plot_bottom, INK, 1, cls="baseline"))
    body.append(_line(x0, plot_bottom, x1, plot_bottom, GRID, 1, cls="axis"))
    ticks = [0.0] + [float(m) for m in marks if 0 < float(m) < float(max_value)] + [float(max_value)]
    for m in marks:
        if 0 < float(m) < float(max_value):
            x = x0 + float(m) * scale
            body.append(_line(x, plot_top, x, plot_bottom, "#5a5a5a", 1, "3 3", cls="mark"))
    for t in ticks:
        x = x0 + t * scale
        body.append(_line(x, plot_bottom, x, plot_bottom + 4, GRID, 1))
        body.append(_text(x, plot_bottom + 16, fmt(_tick_value(t, marks, max_value)), size=10, anchor="middle",
                          fill=MUTED, cls="tick"))
    height = plot_bottom + 22

    if legend and band_of is not None and rows:
        entries = _band_legend_entries(band_labels, None)
        needed = sum(22 + 16 + text_width(label, 11) for _, label in entries)
        lx = x0 if needed <= width - x0 - pad else pad
        elements, legend_h, _ = _legend(lx, height + 6, width - lx - pad, entries)
        body.append('<g class="legend">' + "".join(elements) + "</g>")
        height += 6 + legend_h
    height += pad

    parts = []
    for (label, value), value_text in zip(rows, values_text):
        if _defined(value):
            band = band_of(value) if band_of else None
            suffix = f" ({band_labels.get(band, band)})" if band else ""
            parts.append(f"{_clean(label)}: {value_text}{suffix}")
        else:
            parts.append(f"{_clean(label)}: {none_label}")
    desc = _sentence(parts) if parts else DASH
    return _svg("hbars", width, height, title, desc, body)


def _tick_value(t: float, marks: Sequence[float], max_value: float) -> Value:
    """The value a tick stands for, as given by the caller (so 100/3 formats exactly)."""
    for m in marks:
        if float(m) == t:
            return m
    return max_value if t == float(max_value) else t


# ---------------------------------------------------------------------------------------------------------
# A ballot item's tally

_VOTE_STYLES = {
    # fill, outline, dash
    "approve": ("#1f4e79", "#1f4e79", None),
    "reject": ("#e66101", "#8f3b00", None),
    "abstain": (f"url(#{_ID}-abstain)", "#737373", None),
    "not_voted": ("#ffffff", "#737373", "4 3"),
}


def vote_bars(
    approve: int,
    reject: int,
    abstain: int,
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "Votes",
    eligible: int | None = None,
    width: int = 480,
) -> Markup:
    """One stacked bar: approve, reject, abstain (and "not voted" up to `eligible`, when given).

    Counts are printed in the segments wide enough to hold them and always in the legend. `labels` maps
    approve, reject, abstain, not_voted, no_votes, cast and eligible to the caller's words.
    """
    words = {**DEFAULT_VOTE_LABELS, **(labels or {})}
    counts = {"approve": int(approve), "reject": int(reject), "abstain": int(abstain)}
    if any(v < 0 for v in counts.values()):
        raise ValueError("vote counts cannot be negative")
    cast = sum(counts.values())
    if eligible is not None and eligible > cast:
        counts["not_voted"] = int(eligible) - cast
    total = sum(counts.values())

    pad = 8.0
    bar_h = 30.0
    x0, x1 = pad, width - pad
    y0 = pad
    defs = [
        f'<pattern id="{_ID}-abstain" patternUnits="userSpaceOnUse" width="6" height="6">'
        + _rect(0, 0, 6, 6, "#d9d9d9")
        + _el("path", {"d": "M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2", "stroke": "#a6a6a6", "stroke-width": "1"})
        + "</pattern>"
    ]

    def swatch(key: str) -> str:
        fill, stroke, dash = _VOTE_STYLES[key]
        return _el("rect", {"x": "0.5", "y": "0.5", "width": "13", "height": "13", "fill": fill, "stroke": stroke,
                            "stroke-width": "1", "stroke-dasharray": dash})

    body: list[str] = []
    if total == 0:
        body.append(_el("rect", {"x": float(x0), "y": float(y0), "width": float(x1 - x0), "height": float(bar_h),
                                 "fill": "#ffffff", "stroke": "#737373", "stroke-width": "1",
                                 "stroke-dasharray": "4 3", "class": "segment empty"}))
        body.append(_text((x0 + x1) / 2, y0 + bar_h / 2 + 4.2, words["no_votes"], size=12, anchor="middle",
                          fill=MUTED))
    else:
        x = x0
        for key, count in counts.items():
            if not count:
                continue
            w = (x1 - x0) * count / total
            fill, stroke, dash = _VOTE_STYLES[key]
            body.append(_el("rect", {"x": float(x), "y": float(y0), "width": float(w), "height": float(bar_h),
                                     "fill": fill, "stroke": stroke, "stroke-width": "1",
                                     "stroke-dasharray": dash, "class": f"segment segment-{key}",
                                     "data-count": count}))
            text = str(count)
            if text_width(text, 13, bold=True) + 8 <= w:
                ink = "#ffffff" if key == "approve" else INK
                body.append(_text(x + w / 2, y0 + bar_h / 2 + 4.6, text, size=13, anchor="middle", bold=True,
                                  fill=ink, cls="segment-label"))
            x += w
    entries = [(swatch(key), f"{words[key]}: {counts[key]}") for key in ("approve", "reject", "abstain")]
    if "not_voted" in counts:
        entries.append((swatch("not_voted"), f"{words['not_voted']}: {counts['not_voted']}"))
    elements, legend_h, _ = _legend(x0, y0 + bar_h + 10, x1 - x0, entries)
    body.append('<g class="legend">' + "".join(elements) + "</g>")
    height = y0 + bar_h + 10 + legend_h + pad

    desc = _sentence([f"{_clean(words[k])}: {counts[k]}" for k in counts])
    desc += f" {_clean(words['cast'])}: {cast}"
    desc += f" / {eligible} {_clean(words['eligible'])}." if eligible is not None else "."
    return _svg("votes", width, height, title, desc, body, defs)
