"""CSV files whose cells a spreadsheet opens as text, never as formulas ("CSV injection", OWASP).

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` (also their full-width and small forms, which
some spreadsheets fold to ASCII, and after leading spaces), or with a tab or a carriage return. It may also split
a cell where the file's delimiter is not the one it expects (`;`, `,`, tab, `|`), at quotes and at line breaks,
so `a;=1+1` can become a cell `=1+1`. Every such place in a text gets a single quote in front of it, as OWASP
recommends, so each piece a spreadsheet could make of the cell begins with `'` and stays text. Numbers are
written as they are (a negative number is data, not a formula). Every CSV export goes through `csv_text`."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction
from typing import Any, Iterable

NEUTRAL_PREFIX = "'"
FORMULA_STARTS = frozenset("=+-@" "\uff1d\uff0b\uff0d\uff20" "\ufe66\ufe62\ufe63\ufe6b")
CONTROL_STARTS = frozenset("\t\r")
# where a spreadsheet may start a new cell inside this one: delimiters it might expect, quotes, line breaks
SPLITS = frozenset(",;\t|\"\r\n")


def _runs_as_formula(text: str, start: int) -> bool:
    """Whether the piece of `text` that begins at `start` would run as a formula."""
    if text[start] in CONTROL_STARTS:
        return True
    index = start
    while index < len(text) and text[index].isspace():
        index += 1
    return index < len(text) and text[index] in FORMULA_STARTS


def neutral_text(text: str) -> str:
    """`text` with a single quote before each place a spreadsheet could start a formula."""
    out: list[str] = []
    at_start = True
    for index, char in enumerate(text):
        if at_start and _runs_as_formula(text, index):
            out.append(NEUTRAL_PREFIX)
        out.append(char)
        at_start = char in SPLITS
    return "".join(out)


def cell(value: Any) -> Any:
    """A value as a CSV cell: None is empty, numbers stay numbers, texts are neutralised."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal, Fraction)):
        return value
    return neutral_text(str(value))


def csv_text(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    """A CSV document (CRLF line ends) with every cell passed through `cell`; a BOM by default, so spreadsheets
    read the accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return ("\ufeff" if bom else "") + buffer.getvalue()
