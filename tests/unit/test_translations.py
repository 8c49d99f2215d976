"""Every user-facing string in the code and templates has a Spanish translation with the same placeholders."""
from __future__ import annotations

import os
import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PO = os.path.join(ROOT, "whitepaper", "translations", "es", "LC_MESSAGES", "messages.po")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set[str]:
    method_map = [("whitepaper/**.py", "python"), ("templates/**.html", "jinja2")]
    messages = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map=method_map, keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        messages.add(message if isinstance(message, str) else message[0])
    return {m for m in messages if m}


def test_every_interface_string_has_a_spanish_translation():
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    missing = []
    for message in sorted(_extracted()):
        entry = catalog.get(message)
        text = entry.string if entry is not None else None
        if isinstance(text, tuple):
            text = text[0] if all(text) else None
        if not text or (entry is not None and entry.fuzzy):
            missing.append(message)
    assert missing == [], f"{len(missing)} strings have no Spanish translation; run `make messages` and " \
                          f"translate them: {missing[:10]}"


def test_translations_keep_their_placeholders():
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    wrong = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong == []
