"""The heat map of scores, countries × dimensions."""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from markupsafe import Markup

from .svg import (
    BAND_COLOURS,
    DASH,
    DEFAULT_BAND_LABELS,
    NEUTRAL_COLOURS,
    NONE_FILL,
    Fmt,
    Value,
    _balanced,
    _band_legend_entries,
    _clean,
    _defined,
    _ink_on,
    _legend,
    _lines,
    _rect,
    _sentence,
    _svg,
    _text,
    format_number,
    score_band,
    text_width,
)


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
