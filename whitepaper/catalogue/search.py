"""Text search over a loaded version, in both languages, ignoring case and accents (pure)."""
from __future__ import annotations

import unicodedata
from typing import Any, Iterable


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _texts(criterion: Any) -> Iterable[str]:
    for bilingual in [criterion.title, criterion.description] + [lv.descriptor for lv in criterion.levels] + \
            [e.text for e in criterion.elements]:
        yield from (bilingual or {}).values()
    yield criterion.code


def matches(criterion: Any, query: str) -> bool:
    words = fold(query).split()
    haystack = " ".join(fold(t) for t in _texts(criterion))
    return all(word in haystack for word in words)
