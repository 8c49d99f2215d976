"""Server-side SVG charts, shared by the pages and the PDFs (DESIGN.md section 4).

A pure module: standard library and markupsafe only, no Flask, no database. Every function returns a
complete ``<svg>`` element as :class:`markupsafe.Markup`, ready to be placed in a Jinja template or in a
WeasyPrint document:

- ``role="img"``, a ``viewBox`` and explicit ``width``/``height`` (user units are CSS pixels, so a 560-wide
  chart prints at about 148 mm; a page may still scale it down with ``max-width: 100%; height: auto``);
- a ``<title>`` and a ``<desc>`` that together are a full text alternative, every number included;
- every text escaped (labels come from users and from the catalogue), numbers formatted by the caller's
  ``fmt`` (so Spanish shows ``66,7`` and English ``66.7``);
- presentation attributes only: no ``style`` attribute or element (a strict Content-Security-Policy stays
  happy), no script, no external resource;
- colours that keep text readable (dark or white text chosen by contrast), and values printed next to every
  mark, so that nothing is told by colour alone;
- deterministic: the same input gives the same string (element ids are derived from the content).

Texts shown on the charts ("no score", "your answer", legends) are parameters with English defaults; the
caller passes them translated.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from decimal import Decimal
from fractions import Fraction
from numbers import Real
from typing import Callable, Mapping, Sequence

from markupsafe import Markup

__all__ = [
    "BANDS",
    "BAND_COLOURS",
    "contrast",
    "DASH",
    "DEFAULT_BAND_LABELS",
    "DEFAULT_VOTE_LABELS",
    "FONT_FAMILY",
    "distribution",
    "format_number",
    "hbars",
    "heatmap",
    "radar",
    "score_band",
    "text_width",
    "vote_bars",
]

DASH = "—"
FONT_FAMILY = "DejaVu Sans, sans-serif"

Value = Real | None  # int, float, Fraction or Decimal; None when undefined
Fmt = Callable[[Value], str]

# The score bands of METHODS.md section 1, on the exact score.
BANDS = ("incipient", "developing", "consolidated", "optimal")
DEFAULT_BAND_LABELS: Mapping[str, str] = {
    "incipient": "Incipient",
    "developing": "Developing",
    "consolidated": "Consolidated",
    "optimal": "Optimal",
}
# (fill, outline) per band: the traffic-light order of the alert severities (red, orange, yellow, green),
# light enough for dark text; the darker outline keeps every bar's shape visible on white.
BAND_COLOURS: Mapping[str, tuple[str, str]] = {
    "incipient": ("#f4a09a", "#a50f15"),
    "developing": ("#fdc47d", "#a65300"),
    "consolidated": ("#f8e27e", "#806600"),
    "optimal": ("#6cc083", "#1b6530"),
}
NEUTRAL_COLOURS = ("#9ecae1", "#2b5f8a")
NONE_FILL = "#f0f0f0"

DEFAULT_VOTE_LABELS: Mapping[str, str] = {
    "approve": "Approve",
    "reject": "Reject",
    "abstain": "Abstain",
    "not_voted": "Not voted",
    "no_votes": "No votes cast",
    "cast": "Votes cast",
    "eligible": "eligible",
}

INK = "#1a1a1a"
MUTED = "#555555"  # 7.5:1 on white
GRID = "#8c8c8c"
THIRD = Fraction(100, 3)
TWO_THIRDS = Fraction(200, 3)


# ---------------------------------------------------------------------------------------------------------
# Numbers and bands


def _exact(value: Real) -> Fraction | None:
    """The exact rational a number stands for; floats stand for the decimal they print as; None if not finite."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    return Fraction(value)


def _defined(value: Value) -> bool:
    return value is not None and _exact(value) is not None


def format_number(value: Value) -> str:
    """The default ``fmt``: one decimal, rounded half up, with '.'; "—" for None (and NaN)."""
    if value is None:
        return DASH
    exact = _exact(value)
    if exact is None:
        return DASH
    tenths = math.floor(abs(exact) * 10 + Fraction(1, 2))
    sign = "-" if exact < 0 and tenths else ""
    return f"{sign}{tenths // 10}.{tenths % 10}"


def score_band(score: Value) -> str | None:
    """The band of a 0–100 score, compared exactly: < 100/3, < 200/3, < 100, else optimal; None for no score.

    A float is read as the decimal it prints as; float(Fraction(100, 3)) prints as 33.333333333333336, which
    is above 100/3, so a score converted to float for output keeps its band. Pass exact values when you can."""
    if not _defined(score):
        return None
    exact = _exact(score)
    if exact < THIRD:
        return "incipient"
    if exact < TWO_THIRDS:
        return "developing"
    if exact < 100:
        return "consolidated"
    return "optimal"


def _to_float(value: Value) -> float | None:
    return float(value) if _defined(value) else None


# ---------------------------------------------------------------------------------------------------------
# Text: cleaning, escaping, measuring, wrapping


def _clean(text: object) -> str:
    """A label as one line of XML-safe text: whitespace runs become one space, invalid characters go."""
    out = []
    for ch in str(text):
        cp = ord(ch)
        if ch in "\t\n\r" or unicodedata.category(ch) in ("Zl", "Zp"):
            out.append(" ")
        elif cp < 0x20 or 0xD800 <= cp <= 0xDFFF or cp in (0xFFFE, 0xFFFF) or 0x7F <= cp <= 0x9F:
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _esc(text: object) -> str:
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


# Advance widths of DejaVu Sans (em units), grouped; the charts are laid out for it (it is the widest of the
# usual sans-serif fonts, so a fallback font only leaves a little more room).
_WIDTH_GROUPS = (
    (0.28, "'ijlIJ"),
    (0.32, " ,.·"),
    (0.34, "/:;\\|f-"),
    (0.40, "()[]tr!¡"),
    (0.46, '"'),
    (0.50, "*_`–"),
    (0.53, "szc?¿"),
    (0.58, "Lkvxy"),
    (0.62, "FPTYoaeEhnuSbdgp q"),
    (0.64, "$0123456789{}"),
    (0.69, "KAVXZBRC"),
    (0.77, "UNHDGOQ&"),
    (0.84, "w#+<=>^~±×÷"),
    (0.87, "M"),
    (0.95, "%"),
    (0.99, "mW"),
    (1.00, "@—…▲▼●■◆"),
)
_WIDTHS = {ch: w for w, chars in _WIDTH_GROUPS for ch in chars}
_WIDTHS[" "] = 0.32
BOLD_FACTOR = 1.13


def _char_width(ch: str) -> float:
    w = _WIDTHS.get(ch)
    if w is not None:
        return w
    base = unicodedata.normalize("NFD", ch)[:1]
    w = _WIDTHS.get(base)
    if w is not None:
        return w
    if unicodedata.combining(ch):
        return 0.0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 0.7 if ch.isupper() else 0.62


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An estimate of the rendered width of `text` at font size `size` in DejaVu Sans."""
    w = sum(_char_width(ch) for ch in text) * size
    return w * BOLD_FACTOR if bold else w


def _wrap(text: str, max_width: float, size: float, max_lines: int = 3, bold: bool = False) -> list[str]:
    """Greedy word wrap into at most `max_lines` lines; an over-long word is split; overflow ends in "…"."""
    text = _clean(text)
    if not text:
        return [""]
    max_width = max(max_width, size)

    def fits(s: str) -> bool:
        return text_width(s, size, bold) <= max_width

    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        while not fits(word):
            cut = 1
            while cut < len(word) and fits(word[: cut + 1]):
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last.rstrip() + "…"):
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def _balanced(text: str, max_width: float, size: float, max_lines: int = 3, bold: bool = False) -> list[str]:
    """Like _wrap, but with lines of even length: the narrowest width that needs no more lines."""
    lines = _wrap(text, max_width, size, max_lines, bold)
    if len(lines) < 2 or lines[-1].endswith("…"):
        return lines
    low = max(text_width(word, size, bold) for word in _clean(text).split(" "))
    high = max_width
    if low >= high:
        return lines
    for _ in range(12):
        mid = (low + high) / 2
        if len(_wrap(text, mid, size, max_lines + 1, bold)) <= len(lines):
            high = mid
        else:
            low = mid
    return _wrap(text, high, size, max_lines, bold)


def _wrap_within(text: str, max_width: float, size: float, max_lines: int = 3, bold: bool = False) -> list[str]:
    """Balanced lines; widened (up to 1.5×) rather than cut a label that needs one more line."""
    width = max_width
    while len(_wrap(text, width, size, max_lines + 1, bold)) > max_lines and width < max_width * 1.5:
        width += size
    return _balanced(text, width, size, max_lines, bold)


# ---------------------------------------------------------------------------------------------------------
# SVG building blocks

_ID = "\x01id\x01"  # replaced by the chart's id; _clean removes \x01 from every user text


def _n(x: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _attrs(attrs: Mapping[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = _n(value)
        parts.append(f' {key}="{value}"')
    return "".join(parts)


def _el(tag: str, attrs: Mapping[str, object], content: str | None = None) -> str:
    if content is None:
        return f"<{tag}{_attrs(attrs)}/>"
    return f"<{tag}{_attrs(attrs)}>{content}</{tag}>"


def _text(x: float, y: float, text: str, *, size: float = 12, anchor: str = "start", bold: bool = False,
          fill: str = INK, cls: str | None = None) -> str:
    return _el("text", {
        "x": float(x), "y": float(y), "font-size": _n(size), "text-anchor": anchor if anchor != "start" else None,
        "font-weight": "bold" if bold else None, "fill": fill, "class": cls,
    }, _esc(text))


def _lines(x: float, top: float, lines: Sequence[str], *, size: float = 12, line_height: float | None = None,
           anchor: str = "start", bold: bool = False, fill: str = INK, cls: str | None = None) -> str:
    """Lines of text whose block starts at `top` (the first line's baseline is about 0.8·size lower)."""
    lh = line_height or size * 1.25
    return "".join(
        _text(x, top + size * 0.85 + i * lh, line, size=size, anchor=anchor, bold=bold, fill=fill, cls=cls)
        for i, line in enumerate(lines)
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str | None = None,
          stroke_width: float | None = None, cls: str | None = None, extra: Mapping[str, object] | None = None) -> str:
    attrs: dict[str, object] = {"x": float(x), "y": float(y), "width": float(max(w, 0)), "height": float(max(h, 0)),
                                "fill": fill}
    if stroke:
        attrs["stroke"] = stroke
        attrs["stroke-width"] = float(stroke_width or 1)
    if cls:
        attrs["class"] = cls
    if extra:
        attrs.update(extra)
    return _el("rect", attrs)


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 1, dash: str | None = None,
          cls: str | None = None) -> str:
    return _el("line", {"x1": float(x1), "y1": float(y1), "x2": float(x2), "y2": float(y2), "stroke": stroke,
                        "stroke-width": float(width), "stroke-dasharray": dash, "class": cls})


def _luminance(colour: str) -> float:
    c = colour.lstrip("#")
    channels = [int(c[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two '#rrggbb' colours."""
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _ink_on(fill: str) -> str:
    return INK if contrast(fill, INK) >= contrast(fill, "#ffffff") else "#ffffff"


_DEFAULT_TITLES = {
    "radar": "Profile by dimension",
    "hbars": "Scores",
    "distribution": "Distribution of ratings",
    "heatmap": "Scores by country and dimension",
    "votes": "Votes",
}


def _svg(kind: str, width: float, height: float, title: str, desc: str, body: Sequence[str],
         defs: Sequence[str] = ()) -> Markup:
    w, h = int(math.ceil(width)), int(math.ceil(height))
    title = _clean(title) or _DEFAULT_TITLES[kind]
    inner = "".join(body)
    defs_markup = f"<defs>{''.join(defs)}</defs>" if defs else ""
    digest_source = "\x00".join((kind, _clean(title), _clean(desc), defs_markup, inner, str(w), str(h)))
    chart_id = "wpc-" + hashlib.sha1(digest_source.encode("utf-8")).hexdigest()[:10]
    head = "<svg" + _attrs({
        "xmlns": "http://www.w3.org/2000/svg", "class": f"chart chart-{kind}", "role": "img",
        "width": str(w), "height": str(h), "viewBox": f"0 0 {w} {h}",
        "aria-labelledby": f"{chart_id}-title", "aria-describedby": f"{chart_id}-desc",
        "font-family": FONT_FAMILY, "font-size": "12", "fill": INK,
    }) + ">"
    out = (
        head
        + _el("title", {"id": f"{chart_id}-title"}, _esc(title))
        + _el("desc", {"id": f"{chart_id}-desc"}, _esc(desc))
        + defs_markup
        + _rect(0, 0, w, h, "#ffffff", cls="background")
        + inner
        + "</svg>"
    )
    return Markup(out.replace(_ID, chart_id))


def _legend(x: float, y: float, max_width: float, entries: Sequence[tuple[str, str]], size: float = 11
            ) -> tuple[list[str], float, float]:
    """Swatch-and-label entries flowing left to right, wrapping to new rows.

    `entries` are (swatch markup drawn in a 14×14 box at the origin, label). Returns the elements, the
    height used and the widest row's width."""
    out: list[str] = []
    row_h = max(16.0, size * 1.4)
    cx, cy = x, y
    widest = 0.0
    for swatch, label in entries:
        lines = _wrap(label, max_width - 20, size, max_lines=2)
        w = 20 + max(text_width(line, size) for line in lines)
        if cx > x and cx + w > x + max_width:
            cx, cy = x, cy + row_h
        out.append(f'<g transform="translate({_n(cx)} {_n(cy)})">{swatch}</g>')
        out.append(_lines(cx + 20, cy + (14 - size) / 2 - size * 0.1, lines, size=size, line_height=size * 1.25))
        extra = (len(lines) - 1) * size * 1.25
        widest = max(widest, cx + w - x)
        cx += w + 16
        if extra:  # a two-line entry ends its row
            cx, cy = x, cy + row_h + extra
    return out, (cy - y) + row_h, widest


def _band_swatch(band: str | None) -> str:
    fill, stroke = BAND_COLOURS[band] if band in BAND_COLOURS else (NONE_FILL, GRID)
    return _rect(0.5, 0.5, 13, 13, fill, stroke, 1)


def _band_legend_entries(band_labels: Mapping[str, str], none_label: str | None) -> list[tuple[str, str]]:
    entries = [(_band_swatch(band), band_labels.get(band, DEFAULT_BAND_LABELS[band])) for band in BANDS]
    if none_label:
        entries.append((_band_swatch(None) + _text(7, 11, DASH, size=10, anchor="middle"), none_label))
    return entries


def _sentence(parts: Sequence[str]) -> str:
    return "; ".join(parts) + "."


# ---------------------------------------------------------------------------------------------------------
# 1. Radar: the five-dimension profile


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
    """A radar (spider) chart of scores on 0–100, one axis per dimension.

    `axes` are (label, score) pairs in display order, the first one at the top, going clockwise. Gridlines
    at 100/3, 200/3 and 100 (the band boundaries). The score of each axis is printed under its label; a None
    score is drawn at the centre and shown as "—" ("no score" in the description). `compare` adds series
    (a previous assessment, a regional mean) with one value per axis, drawn in other dash patterns and
    marker shapes and listed in a legend. `size` sets the plot's scale (the radius is 0.3·size); the SVG's
    own width and height follow from the labels. With fewer than three axes the chart falls back to
    :func:`hbars`.
    """
    band_labels = {**DEFAULT_BAND_LABELS, **(band_labels or {})}
    if len(axes) < 3:
        return hbars(axes, fmt=fmt, title=title, none_label=none_label, band_of=band_of, band_labels=band_labels)
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


# ---------------------------------------------------------------------------------------------------------
# 2. Horizontal bars: dimension scores, criterion attainment


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
    by its band (`band_of`, by default the score bands of METHODS.md on a 0–100 scale; None gives plain
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
# 3. Distribution of a Delphi item's ratings


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


# ---------------------------------------------------------------------------------------------------------
# 4. Heat map: countries × dimensions


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[Value]],
    *,
    fmt: Fmt = format_number,
    title: str = "Scores by country and dimension",
    band_of: Callable[[Value], str | None] | None = score_band,
    band_labels: Mapping[str, str] | None = None,
    none_label: str = "no score",
    column_width: float | None = None,
    max_width: float = 640,
    legend: bool = True,
) -> Markup:
    """A table of coloured cells, one row per country and one column per dimension.

    Each cell prints its value and is coloured by its band; None is a grey cell with "—". Row labels are
    wrapped onto up to two lines, column headings onto up to five. By default the columns share what is
    left of `max_width` (640 px: an A4 page's text width) after the row labels, between 56 and 140 px each,
    and the headings' font shrinks (11 to 9 px) until their longest word fits.
    """
    band_labels = {**DEFAULT_BAND_LABELS, **(band_labels or {})}
    if len(values) != len(rows):
        raise ValueError(f"{len(values)} rows of values for {len(rows)} row labels")
    for r, row in enumerate(values):
        if len(row) != len(columns):
            raise ValueError(f"row {r} has {len(row)} values for {len(columns)} columns")

    font = 12.0
    pad = 8.0
    row_lines = [_balanced(label, 160, font, max_lines=2) for label in rows]
    label_w = max([text_width(line, font) for lines in row_lines for line in lines] + [40.0])
    x0 = pad + label_w + 10
    words = [word for label in columns for word in _clean(label).split()]

    def longest_word(size: float) -> float:
        return max([text_width(word, size) for word in words] + [0.0])

    if column_width is None:
        share = (max_width - x0 - pad) / max(len(columns), 1)
        column_width = min(max(56.0, longest_word(11) + 10), 140.0, max(share, 56.0))
    head_font = 11.0
    while head_font > 9 and longest_word(head_font) > column_width - 8:
        head_font -= 0.5
    head_lh = head_font * 1.25
    col_lines = [_balanced(label, column_width - 8, head_font, max_lines=5) for label in columns]
    head_h = max([len(lines) for lines in col_lines] + [1]) * head_lh + 6
    y0 = pad + head_h
    width = x0 + column_width * len(columns) + pad

    body: list[str] = []
    for j, lines in enumerate(col_lines):
        cx = x0 + column_width * (j + 0.5)
        top = y0 - 6 - len(lines) * head_lh
        body.append(_lines(cx, top, lines, size=head_font, line_height=head_lh, anchor="middle",
                           cls="column-label"))
    y = y0
    for lines, row in zip(row_lines, values):
        row_h = max(26.0, len(lines) * 14.5 + 8)
        mid = y + row_h / 2
        body.append(_lines(x0 - 10, mid - len(lines) * 14.5 / 2 + 1, lines, size=font, line_height=14.5,
                           anchor="end", cls="row-label"))
        for j, value in enumerate(row):
            cx = x0 + column_width * j
            if _defined(value):
                band = band_of(value) if band_of else None
                fill = BAND_COLOURS[band][0] if band in BAND_COLOURS else NEUTRAL_COLOURS[0]
                text = fmt(value)
                cls = f"cell band-{band}" if band else "cell"
            else:
                fill, text, cls = NONE_FILL, DASH, "cell none"
            body.append(_rect(cx + 1, y + 1, column_width - 2, row_h - 2, fill, cls=cls))
            body.append(_text(cx + column_width / 2, mid + font * 0.35, text, size=font, anchor="middle",
                              fill=_ink_on(fill), cls="cell-label"))
        y += row_h
    height = y
    if legend and band_of is not None:
        elements, legend_h, legend_w = _legend(pad, height + 10, max(width - 2 * pad, 320),
                                               _band_legend_entries(band_labels, none_label))
        body.append('<g class="legend">' + "".join(elements) + "</g>")
        height += 10 + legend_h
        width = max(width, pad + legend_w + pad)
    height += pad

    desc_rows = []
    for label, row in zip(rows, values):
        cells = [f"{_clean(col)} {fmt(v) if _defined(v) else none_label}" for col, v in zip(columns, row)]
        desc_rows.append(f"{_clean(label)}: " + ", ".join(cells))
    desc = _sentence(desc_rows) if desc_rows else DASH
    return _svg("heatmap", width, height, title, desc, body)


# ---------------------------------------------------------------------------------------------------------
# 5. A ballot item's tally

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
