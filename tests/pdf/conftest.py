"""PDF tests run once, on SQLite (docs/design.md §5: browser and PDF tests run once), and need pdftotext."""
from __future__ import annotations

import subprocess

import pytest

from ..assessment.conftest import (  # noqa: F401  (shared factories)
    level_rating,
    make_assessment,
    tree,
)
from ..system import has_pdftotext, require


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def pdf_text():
    """pdf_text(data_or_path) -> the text pdftotext extracts (layout kept, so a table row stays on a line)."""
    require(has_pdftotext(), "pdftotext (poppler-utils)")

    def extract(pdf: bytes | str) -> str:
        args = ["pdftotext", "-layout", "-enc", "UTF-8"]
        if isinstance(pdf, bytes):
            return subprocess.run(args + ["-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        return subprocess.run(args + [pdf, "-"], capture_output=True, check=True).stdout.decode()
    return extract


@pytest.fixture
def pdf_outline():
    """pdf_outline(path) -> the titles of the PDF's bookmarks, read by pdftohtml."""
    require(has_pdftotext(), "pdftohtml (poppler-utils)")

    def outline(path: str) -> list[str]:
        import re
        xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", path], capture_output=True,
                             check=True).stdout.decode()
        block = xml.split("<outline>", 1)[1] if "<outline>" in xml else ""
        return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<item[^>]*>(.*?)</item>", block)]
    return outline


@pytest.fixture
def pdf_pages():
    def pages(path: str) -> int:
        info = subprocess.run(["pdfinfo", path], capture_output=True, check=True).stdout.decode()
        return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    return pages


@pytest.fixture
def pdf_structure():
    """pdf_structure(path) -> (tag counts of the PDF's structure tree, the alternate texts of its figures)."""
    require(has_pdftotext(), "pdfinfo (poppler-utils)")

    def structure(path: str) -> tuple[dict[str, int], list[str]]:
        import re
        import zlib
        from collections import Counter
        tree = subprocess.run(["pdfinfo", "-struct", path], capture_output=True, check=True).stdout.decode()
        tags = Counter(line.split()[0].rstrip(":") for line in tree.splitlines()
                       if line.strip() and not line.strip().startswith("/"))
        alts = []
        with open(path, "rb") as handle:
            data = handle.read()
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
            try:
                body = zlib.decompress(stream)
            except zlib.error:
                continue
            for literal, hexa in re.findall(rb"/Alt (?:\(((?:[^()\\]|\\.)*)\)|<([0-9A-Fa-f]*)>)", body):
                if hexa:
                    raw = bytes.fromhex(hexa.decode())
                    alts.append(raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1"))
                else:
                    alts.append(literal.decode("latin-1"))
        return dict(tags), alts
    return structure
