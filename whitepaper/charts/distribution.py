"""The column chart of a Delphi item's ratings per scale point."""

from __future__ import annotations

import math
from typing import Callable, Mapping

from markupsafe import Markup

from .svg import (
    _ID,
    INK,
    MUTED,
    Fmt,
    Value,
    _clean,
    _defined,
    _el,
    _line,
    _lines,
    _rect,
    _sentence,
    _svg,
    _text,
    _wrap,
    format_number,
    text_width,
)


def distribution(
    counts: Mapping[int, int],
    *,
    highlight: int | None = None,
    median: Value = None,
    fmt: Fmt = format_number,
    fmt_count: Callable[[int], str] = str,
    title: str = "Distribution of ratings",
    scale_labels: Mapping[int, str] | None = None,
    highlight_label: str = "your answer",
    median_label: str = "Median",
    n_label: str = "n",
    empty_label: str = "No ratings",
    width: int = 480,
) -> Markup:
    """A column chart of the number of ratings per scale point (Delphi feedback).

    Every point from the lowest to the highest of `counts`, `scale_labels` and `highlight` gets a column,
    zero counts included. The count is printed above each column. `highlight` (the member's own previous
    rating) is hatched, outlined and marked "▲ your answer" under the axis; `median`, when given, is a
    dashed line labelled at the top (it may fall between two points).
    """
    scale_labels = dict(scale_labels or {})
    keys = set(int(k) for k in counts) | set(int(k) for k in scale_labels)
    if highlight is not None:
        keys.add(int(highlight))
    points = list(range(min(keys), max(keys) + 1)) if keys else []
    total = sum(int(counts.get(p, 0)) for p in points)

    font = 12.0
    pad = 8.0
    has_median = _defined(median) and bool(points)
    top = pad + (20 if has_median else 4)
    plot_h = 150.0
    count_room = 18.0
    x0, x1 = pad + 4, width - pad - 4
    col_w = (x1 - x0) / max(len(points), 1)
    bar_w = min(col_w * 0.62, 56.0)
    base = top + count_room + plot_h
    peak = max([int(counts.get(p, 0)) for p in points] + [1])

    # A scale label may spread under its neighbours' columns when they have no label of their own (a 9-point
    # scale labelled only at its ends); the end columns then align to the chart's edge.
    scale_lines: dict[int, tuple[list[str], float, str]] = {}
    for i, p in enumerate(points):
        if p not in scale_labels:
            continue
        cx = x0 + col_w * (i + 0.5)
        free_left = i > 0 and points[i - 1] not in scale_labels and (i < 2 or points[i - 2] not in scale_labels)
        free_right = (i < len(points) - 1 and points[i + 1] not in scale_labels
                      and (i > len(points) - 3 or points[i + 2] not in scale_labels))
        if i == 0 and free_right and len(points) > 1:
            lines = _wrap(scale_labels[p], col_w * 1.5 - 4, 10, max_lines=3)
            scale_lines[p] = (lines, x0 + 2, "start")
        elif i == len(points) - 1 and free_left and len(points) > 1:
            lines = _wrap(scale_labels[p], col_w * 1.5 - 4, 10, max_lines=3)
            scale_lines[p] = (lines, x1 - 2, "end")
        else:
            room = col_w * (1 + (0.9 if free_left else 0) + (0.9 if free_right else 0)) if 0 < i < len(points) - 1 \
                else col_w
            scale_lines[p] = (_wrap(scale_labels[p], room - 6, 10, max_lines=3), cx, "middle")
    label_rows = max([len(v[0]) for v in scale_lines.values()] + [0])
    label_top = base + 20
    marker_top = label_top + label_rows * 12.5 + (4 if label_rows else 0)
    height = marker_top + (20 if highlight is not None else 0) + pad

    defs = [
        f'<pattern id="{_ID}-hatch" patternUnits="userSpaceOnUse" width="6" height="6">'
        + _rect(0, 0, 6, 6, "#c6dbef")
        + _el("path", {"d": "M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2", "stroke": "#08306b", "stroke-width": "1.6"})
        + "</pattern>"
    ] if highlight is not None else []

    body: list[str] = []
    if not points:
        body.append(_text(width / 2, top + plot_h / 2, empty_label, size=font, anchor="middle", fill=MUTED))
    centres = {p: x0 + col_w * (i + 0.5) for i, p in enumerate(points)}
    heights = {p: plot_h * int(counts.get(p, 0)) / peak for p in points}
    chosen = int(highlight) if highlight is not None else None
    for p in points:
        cx, h = centres[p], heights[p]
        if p == chosen:
            body.append(_rect(cx - bar_w / 2, base - max(h, 2), bar_w, max(h, 2), f"url(#{_ID}-hatch)", "#08306b",
                              2.5, cls="bar highlight", extra={"data-point": p}))
        else:
            body.append(_rect(cx - bar_w / 2, base - h, bar_w, h, "#4a7fb0", "#23496e", 1, cls="bar",
                              extra={"data-point": p}))
    if points:
        body.append(_line(x0, base, x1, base, INK, 1, cls="axis"))
    median_x = None
    if has_median:
        lo, hi = points[0], points[-1]
        m = min(max(float(median), lo), hi)
        below = min(int(math.floor(m)), hi)
        median_x = centres[below] + (col_w * (m - below) if below < hi else 0)
        body.append(_line(median_x, top - 4, median_x, base, "#000000", 1.5, "5 3", cls="median"))
        text = _wrap(f"{_clean(median_label)}: {fmt(median)}", width - 2 * pad, 11, max_lines=1)[0]
        tw = text_width(text, 11)
        tx = min(max(median_x, pad + tw / 2), width - pad - tw / 2)
        body.append(_text(tx, top - 8, text, size=11, anchor="middle", cls="median-label"))
    for p in points:
        cx, h = centres[p], heights[p]
        is_hl = p == chosen
        count_text = fmt_count(int(counts.get(p, 0)))
        cw = text_width(count_text, font, is_hl)
        if median_x is not None and abs(cx - median_x) < cw / 2 + 2:  # keep the count readable over the line
            body.append(_rect(cx - cw / 2 - 2, base - h - 5 - font * 0.85, cw + 4, font, "#ffffff"))
        body.append(_text(cx, base - h - 5, count_text, size=font, anchor="middle", bold=is_hl, cls="count-label"))
        body.append(_text(cx, base + 15, str(p), size=font, anchor="middle", bold=is_hl, cls="point-label"))
        if p in scale_lines:
            lines, lx, anchor = scale_lines[p]
            body.append(_lines(lx, label_top, lines, size=10, line_height=12.5, anchor=anchor, fill=MUTED,
                               cls="scale-label"))
        if is_hl:
            text = _wrap(f"▲ {_clean(highlight_label)}", width - 2 * pad, 11, max_lines=1, bold=True)[0]
            tw = text_width(text, 11, bold=True)
            tx = min(max(cx, pad + tw / 2), width - pad - tw / 2)
            body.append(_text(tx, marker_top + 13, text, size=11, anchor="middle", bold=True, fill="#08306b",
                              cls="highlight-label"))

    parts = []
    for p in points:
        name = f"{p} ({_clean(scale_labels[p])})" if p in scale_labels else str(p)
        parts.append(f"{name}: {fmt_count(int(counts.get(p, 0)))}")
    desc = _sentence(parts) if parts else _clean(empty_label) + "."
    desc += f" {_clean(n_label)} = {fmt_count(total)}."
    if has_median:
        desc += f" {_clean(median_label)}: {fmt(median)}."
    if highlight is not None:
        desc += f" {_clean(highlight_label)}: {int(highlight)}."
    return _svg("distribution", width, height, title, desc, body, defs)
