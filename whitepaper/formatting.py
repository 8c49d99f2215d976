"""Locale-aware display of numbers, dates and bilingual texts (one decimal, rounded half up)."""
from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Mapping

from flask import Flask
from flask_babel import format_datetime, format_decimal, get_locale

from .numbers import round_half_up

DASH = "—"


def current_lang() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "es"


def number(value: Fraction | float | int | None, digits: int = 1) -> str:
    """A score for people: rounded half up to `digits` decimals in the reader's locale; "—" when undefined."""
    if value is None:
        return DASH
    rounded = round_half_up(Fraction(value) if not isinstance(value, Fraction) else value, digits)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(rounded, format=pattern)


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
