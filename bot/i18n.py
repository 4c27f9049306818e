"""The reader's language: catalogs, plurals, numbers, money and dates.

A renderer gets a `Text` for whoever will read what it builds (`text_for("es")`) and writes every
word through it: `t("Sign off")`, `t.plural("{n} open item", "{n} open items", n)`, `t.money(...)`.
Message ids are English sentences with `{name}` placeholders, filled with `str.format`.

Catalogs are the `.po` files in `bot/locales/<lang>/LC_MESSAGES/messages.po`, read with Babel when the
process starts: there is no compiled file to go stale, and a fresh clone speaks all four languages.
"""
from __future__ import annotations

import gettext
import re
from dataclasses import dataclass

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_precision

LANGUAGES = ("en", "es", "ko", "zh")
DEFAULT = "en"
NAMES = {"en": "English", "es": "Español", "ko": "한국어", "zh": "简体中文"}   # each in its own language
BABEL_LOCALES = {"en": "en_US", "es": "es_ES", "ko": "ko_KR", "zh": "zh_Hans_CN"}
LOCALES_DIR = Path(__file__).parent / "locales"
# Spanish has two forms here (CLDR's "many" is for millions written as 1e6, which we never write).
PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "es": "nplurals=2; plural=(n != 1);",
                "ko": "nplurals=1; plural=0;", "zh": "nplurals=1; plural=0;"}


def N_(msgid: str) -> str:
    """Marks a message id for extraction where it is defined; it is translated where it is read."""
    return msgid


def language_of(locale: str | None) -> str:
    """Slack's locale ("es-ES", "es-LA", "ko-KR", "zh-TW") → one of LANGUAGES; anything else → en."""
    lang = (locale or "").replace("_", "-").split("-")[0].lower()
    return lang if lang in LANGUAGES else DEFAULT


def choose(*languages: str | None) -> str:
    """The first language given that we speak (a person's choice, then their Slack locale, …)."""
    for lang in languages:
        if lang in LANGUAGES:
            return lang
    return DEFAULT


@dataclass(frozen=True)
class _Catalog:
    singular: dict[str, str]
    plural: dict[str, tuple[str, ...]]


def catalog_files(lang: str) -> list[Path]:
    """A language's catalog: messages.po, and any other .po beside it (merged in that order)."""
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    return sorted(folder.glob("*.po"), key=lambda p: (p.name != "messages.po", p.name))


def _load(lang: str) -> _Catalog:
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    if lang == DEFAULT:
        return _Catalog(singular, plural)
    for path in catalog_files(lang):
        with path.open("rb") as f:
            _read(read_po(f, locale=BABEL_LOCALES[lang]), singular, plural)
    return _Catalog(singular, plural)


def _read(catalog, singular: dict, plural: dict) -> None:
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        if isinstance(m.id, (list, tuple)):
            if all(m.string):
                plural[m.id[0]] = tuple(m.string)
        elif m.string:
            singular[m.id] = m.string


class Text:
    """Everything one reader reads, in their language."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.locale = BABEL_LOCALES[self.lang]
        self._catalog = _load(self.lang)
        self._plural_index = gettext.c2py(PLURAL_FORMS[self.lang].split("plural=")[1].rstrip(";"))

    def __call__(self, msgid: str, **params) -> str:
        s = self._catalog.singular.get(msgid, msgid)
        return s.format(**params) if params else s

    def plural(self, singular: str, plural: str, n: int, **params) -> str:
        forms = self._catalog.plural.get(singular)
        if forms:
            s = forms[min(self._plural_index(n), len(forms) - 1)]
        else:
            s = singular if n == 1 else plural
        return s.format(n=self.number(n), **params)

    def number(self, n: int | Decimal) -> str:
        return format_decimal(n, locale=self.locale)

    def money(self, amount: Decimal, currency: str) -> str:
        """$12,500.50 · 12.500,50 € · ₩12,500 · ¥12,500.50: the currency keeps its own decimals."""
        return format_currency(amount, currency, locale=self.locale)

    def date(self, d: date) -> str:
        """A date as text, Babel's medium format: "Dec 7, 2026", "7 dic 2026", "2026. 12. 7.", "2026年12月7日"."""
        return format_date(d, "medium", locale=self.locale)

    def join(self, items: list[str]) -> str:
        """A list in the reader's punctuation ("a, b", "a、b")."""
        return ("、" if self.lang == "zh" else ", ").join(items)


@lru_cache(maxsize=None)
def text_for(lang: str | None) -> Text:
    return Text(choose(lang))


def decimals(currency: str) -> int:
    return get_currency_precision(currency)


_SPACES = re.compile(r"[\s\u00a0\u202f]")
