"""Whole numbers read from a request: database ids in URLs and numbers in query strings.

Only ASCII digits count (Python's `int()` and werkzeug's `\\d` also take "١٢٣" and other scripts' digits), and
only values the database can hold: ids run from 1 to 2**63 − 1 (a BIGINT; SQLite's INTEGER is the same). An id
outside that range names no row, so its URL answers 404 like any other missing object."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2 ** 63 - 1
MAX_PAGE = 100_000  # a page number beyond any list, whose OFFSET any database still takes
MAX_DIGITS = len(str(MAX_ID))  # 19
_INTEGER = re.compile(r"-?[0-9]{1,%d}" % MAX_DIGITS, re.ASCII)


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: ASCII digits only, 1 … 2**63 − 1; anything else does not match (404)."""

    regex = r"[0-9]{1,%d}" % MAX_DIGITS

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=1 if min is None else min,
                         max=MAX_ID if max is None else max, signed=False)


def parse_int(raw: Any, *, minimum: int = -MAX_ID, maximum: int = MAX_ID) -> Optional[int]:
    """`raw` as an integer when it is ASCII digits (an optional minus) within [minimum, maximum]; else None."""
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not _INTEGER.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


def parse_id(raw: Any) -> Optional[int]:
    """A database id written in a form or a query string, or None."""
    return parse_int(raw, minimum=1, maximum=MAX_ID)


def arg_int(args: Mapping[str, Any], name: str, default: Optional[int] = None, *, minimum: int = -MAX_ID,
            maximum: int = MAX_ID) -> Optional[int]:
    """A query-string (or form) number, or `default` when it is missing or not a number in range."""
    value = parse_int(args.get(name), minimum=minimum, maximum=maximum)
    return default if value is None else value
