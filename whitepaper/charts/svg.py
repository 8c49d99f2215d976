"""The building blocks of the charts: constants and colours, number and band helpers, text cleaning,
escaping, measuring and wrapping, SVG elements, legends, and :func:`_svg`, which wraps a chart's body.

The underscored helpers are private to the package ``whitepaper.charts``: its chart modules import them from
here, nothing outside the package should. Like the whole package, a pure module: standard library and
markupsafe only, no Flask, no database. Every chart returns a complete ``<svg>`` element as
:class:`markupsafe.Markup`, ready to be placed in a Jinja template or in a WeasyPrint document:

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

import functools
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
    "format_number",
    "score_band",
    "text_width",
]

DASH = "—"
FONT_FAMILY = "DejaVu Sans, sans-serif"

Value = Real | None  # int, float, Fraction or Decimal; None when undefined
Fmt = Callable[[Value], str]

# The score bands of docs/methods.md §2.7, on the exact score.
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


# What _clean does to each character, as one translation table: tab, line feed, carriage return and the line and
# paragraph separators (U+2028, the only character of category Zl, and U+2029, the only one of Zp) become a
# space; the other C0 controls, DEL and the C1 controls, surrogates and the non-characters U+FFFE and U+FFFF go.
_CLEAN_TABLE: dict[int, str | None] = {cp: None for cp in range(0x20)}
_CLEAN_TABLE.update({cp: None for cp in range(0x7F, 0xA0)})
_CLEAN_TABLE.update({cp: None for cp in range(0xD800, 0xE000)})
_CLEAN_TABLE.update({0xFFFE: None, 0xFFFF: None})
_CLEAN_TABLE.update({ord(ch): " " for ch in "\t\n\r\u2028\u2029"})


def _clean(text: object) -> str:
    """A label as one line of XML-safe text: whitespace runs become one space, invalid characters go."""
    return " ".join(str(text).translate(_CLEAN_TABLE).split())


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
    return list(_wrapped(_clean(text), float(max_width), float(size), max_lines, bold))


@functools.lru_cache(maxsize=4096)
def _wrapped(text: str, max_width: float, size: float, max_lines: int, bold: bool) -> tuple[str, ...]:
    """_wrap on a cleaned text, remembered: the same labels are wrapped again and again (a page of charts)."""
    if not text:
        return ("",)
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
    return tuple(lines)


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
