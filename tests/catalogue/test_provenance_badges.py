"""The provenance badge (catalogue/display.py): one per kind of text and language, with its source."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from whitepaper.catalogue import display


def _item(provenance, source=None, validated_by=None):
    return SimpleNamespace(provenance=provenance, provenance_source=source, validated_by=validated_by)


@pytest.mark.parametrize("lang, item, kind, label, title", [
    ("es", _item("ilpes", "national form"), "ilpes", "ILPES", "Texto de ILPES, literal: Formulario en papel del modelo nacional"),
    ("en", _item("ilpes", "subnational manual"), "ilpes", "ILPES", "application manual"),
    ("en", _item("composed"), "composed", "composed · pending validation", "pending validation"),
    ("en", _item("composed", validated_by="ballot 4 of committee 2"), "composed", "composed · validated",
     "validated by ballot 4 of committee 2"),
    ("en", _item(None), "", "provenance not recorded", "flask catalog load"),
])
def test_each_kind_of_text_gets_its_badge_in_the_page_language(app, lang, item, kind, label, title):
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        html = str(display.badge(item))
    assert f'data-provenance="{kind}"' in html
    assert f">{label}</span>" in html
    assert title in html


def test_an_unknown_source_is_shown_as_written_and_quotes_are_escaped(app):
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        html = str(display.badge(_item("ilpes", 'a "handbook" <draft>')))
        assert display.source_label(None) == ""
    assert "&#34;handbook&#34; &lt;draft&gt;" in html and "<draft>" not in html
