"""Amounts as people write them: "1,200.50" in English, "1.200,50" in Spanish — the reader's notation.

A notation that could be read two ways ("1.234" to an English reader: a thousand and more, or one and
a bit?) is refused with how to write each, never guessed.
"""
from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import NumberFormatError, format_decimal, get_decimal_symbol, parse_decimal

from .errors import InvalidInput, Problem
from .i18n import Text, decimals

AMOUNT_LIMIT = Decimal("1000000000000")   # a trillion: past any real invoice, within NUMERIC(16, 2)
_CHARS = re.compile(r"^[0-9.,]+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def example(t: Text, currency: str | None, value: str = "1200.50") -> str:
    places = decimals(currency) if currency else 2
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(Decimal(value), format=pattern, locale=t.locale)


def parse_amount(text: str, currency: str | None, t: Text, *, limit: Decimal = AMOUNT_LIMIT) -> Decimal:
    """The amount `text` means to this reader, or `InvalidInput` under block "amount" saying why."""
    problem = amount_problem(text, currency, t, limit=limit)
    if isinstance(problem, Problem):
        raise InvalidInput({"amount": problem})
    return problem


def amount_problem(text: str, currency: str | None, t: Text, *,
                   limit: Decimal = AMOUNT_LIMIT) -> Decimal | Problem:
    raw = _SPACES.sub("", text or "")
    ex = example(t, currency)
    if not raw:
        return Problem("amount_missing", {"example": ex})
    if raw.startswith("-"):
        return Problem("amount_not_positive")
    if not _CHARS.match(raw):   # keeps out "1e3", "NaN", currency signs and letters
        return Problem("amount_unreadable", {"text": raw[:40], "example": ex})
    point = get_decimal_symbol(t.locale)
    if re.fullmatch(r"\d{1,3}" + re.escape(point) + r"\d{3}", raw):
        thousands = t.number(int(raw.replace(point, "")))
        if currency and decimals(currency) == 0:
            return Problem("amount_ambiguous_whole", {"text": raw, "thousands": thousands})
        return Problem("amount_ambiguous", {"text": raw, "thousands": thousands,
                                            "decimal": example(t, currency, raw.replace(point, "."))})
    try:
        value = parse_decimal(raw, locale=t.locale, strict=True)
    except NumberFormatError:
        return Problem("amount_unreadable", {"text": raw[:40], "example": ex})
    if not value.is_finite() or value <= 0:
        return Problem("amount_not_positive")
    if value >= limit:
        return Problem("amount_too_large")
    if currency:
        places = decimals(currency)
        unit = Decimal(1).scaleb(-places)
        if value != value.quantize(unit):
            code = "amount_no_decimals" if places == 0 else "amount_too_many_decimals"
            return Problem(code, {"currency": currency, "places": places, "example": ex})
        value = value.quantize(unit)
    return value
