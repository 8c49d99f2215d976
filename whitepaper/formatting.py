"""Locale-aware display of numbers, dates and bilingual texts (one decimal, rounded half up)."""
from __future__ import annotations

import math
import threading
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Mapping

from babel import Locale
from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import Flask
from flask_babel import format_datetime, format_decimal, get_locale

from .numbers import round_half_up

DASH = "—"


def current_lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "es"


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits else "")


def _babel_number(value: Fraction | float | int | Decimal, digits: int, locale: Locale | None = None) -> str:
    """The reference: Babel's formatting of the exactly rounded value, in `locale` (else the request's, or Flask-
    Babel's default); slow, as it parses the pattern and looks the locale's symbols up on every call."""
    rounded = round_half_up(Fraction(value) if not isinstance(value, Fraction) else value, digits)
    if locale is None:
        return format_decimal(rounded, format=_pattern(digits))
    return babel_format_decimal(rounded, format=_pattern(digits), locale=locale)


class NumberFormat:
    """The number pattern "#,##0.0…" of one locale, built once: its decimal and group symbols read from Babel,
    then every number formatted with plain integer arithmetic. The strings are exactly Babel's (the locale is
    checked against Babel on sample values when the formatter is built, else Babel itself is used)."""

    SAMPLES = (Fraction(0), Fraction(-1, 20), Fraction(1234567, 10), Fraction(-98765432, 7), 1, Decimal("66.65"))

    def __init__(self, locale: Locale):
        self.locale = locale
        self.decimal = get_decimal_symbol(locale)
        self.group = get_group_symbol(locale)
        self.exact = all(self._plain(value, digits) == _babel_number(value, digits, locale)
                         for value in self.SAMPLES for digits in (0, 1, 2))

    def _plain(self, value: Fraction | float | int | Decimal, digits: int) -> str:
        numerator, denominator = value.as_integer_ratio()
        # floor(|x|·10^digits + 1/2): rounded half up, exactly (numbers.round_half_up)
        units = (2 * abs(numerator) * 10 ** digits + denominator) // (2 * denominator)
        whole, fraction = divmod(units, 10 ** digits) if digits else (units, 0)
        text = str(whole)
        if len(text) > 3:
            head = len(text) % 3 or 3
            text = self.group.join([text[:head]] + [text[i:i + 3] for i in range(head, len(text), 3)])
        if digits:
            text += self.decimal + str(fraction).zfill(digits)
        return "-" + text if numerator < 0 and units else text

    def format(self, value: Fraction | float | int | Decimal, digits: int = 1) -> str:
        if not self.exact or digits < 0 or not isinstance(value, (Fraction, int, float, Decimal)) \
                or (isinstance(value, float) and not math.isfinite(value)) \
                or (isinstance(value, Decimal) and not value.is_finite()):
            # the reference path, which also raises what it always raised for values it cannot round
            return _babel_number(value, digits, self.locale)
        return self._plain(value, digits)


_formats: dict[str, NumberFormat] = {}
_formats_lock = threading.Lock()
_last: tuple[Locale | None, NumberFormat | None] = (None, None)  # the locale object asked for last, and its format


def number_format(locale: Locale) -> NumberFormat:
    """The formatter of a locale, built on first use and kept for the life of the process (a locale's
    symbols never change). A request asks with the same Locale object every time: that one is found first."""
    global _last
    last_locale, last_format = _last
    if last_locale is locale and last_format is not None:
        return last_format
    key = str(locale)
    found = _formats.get(key)
    if found is None:
        with _formats_lock:
            found = _formats.get(key)
            if found is None:
                found = _formats[key] = NumberFormat(locale)
    _last = (locale, found)
    return found


def number(value: Fraction | float | int | None, digits: int = 1) -> str:
    """A score for people: rounded half up to `digits` decimals in the reader's locale; "—" when undefined."""
    if value is None:
        return DASH
    locale = get_locale()
    if locale is None:  # outside a request: Babel's default locale, as format_decimal would use
        return _babel_number(value, digits)
    return number_format(locale).format(value, digits)


def text(value: Mapping[str, str] | None, lang: str | None = None) -> str:
    """Picks the reader's language from a {"es": …, "en": …} text, falling back to the other one."""
    if not value:
        return ""
    lang = lang or current_lang()
    return value.get(lang) or value.get("es") or value.get("en") or ""


def when(value: datetime | None, fmt: str = "medium") -> str:
    return format_datetime(value, fmt) if value else DASH


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["num"] = number
    app.jinja_env.filters["t"] = text
    app.jinja_env.filters["when"] = when
    app.jinja_env.globals["DASH"] = DASH
