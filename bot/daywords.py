"""Dates as people type them after "by": an ISO date, or today/tomorrow/a weekday in any of our
languages ("by mañana", "by 내일", "by 明天", "by viernes", "by 周五").

A weekday means the next one after today ("by friday" on a Friday is a week away).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from functools import lru_cache

from babel.dates import get_day_names

from .i18n import BABEL_LOCALES

# Words for "today" and "tomorrow", per language, folded (lower case, no accents).
_RELATIVE = {
    0: ("today", "hoy", "오늘", "今天", "今日"),
    1: ("tomorrow", "manana", "내일", "明天", "明日"),
    2: ("后天", "모레", "pasado-manana", "pasadomanana"),
}
_EXTRA_WEEKDAYS = {   # Monday = 0; forms Babel's tables don't list
    0: ("mon", "monday", "礼拜一", "星期一", "周一", "월"), 1: ("tue", "tues", "礼拜二"), 2: ("wed", "礼拜三"),
    3: ("thu", "thur", "thurs", "礼拜四"), 4: ("fri", "礼拜五"), 5: ("sat", "礼拜六"),
    6: ("sun", "礼拜日", "礼拜天", "星期天", "周天"),
}


def fold(word: str) -> str:
    """Lower case without accents, so "Mañana", "MANANA" and "mañana" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=1)
def _weekdays() -> dict[str, int]:
    words: dict[str, int] = {}
    for locale in BABEL_LOCALES.values():
        for width in ("wide", "abbreviated"):
            for n, name in get_day_names(width, locale=locale).items():
                words[fold(name).rstrip(".")] = n
    for n, names in _EXTRA_WEEKDAYS.items():
        for name in names:
            words[fold(name)] = n
    # One-syllable Korean abbreviations ("월", "화") are only safe as weekdays after "by".
    return words


# English words that start like a day ("tomorrowish", "fri.") are date attempts to refuse, not text
# ("by phone" is text).
_ENGLISH_DATEISH = re.compile(r"^(today|tonight|tomorrow|yesterday|mon|tue|wed|thu|fri|sat|sun|next|this|eod|eow|end)")


def looks_like_day(word: str) -> bool:
    """Whether the word after a trailing "by" is meant as a date (so one we can't read is refused)."""
    w = fold(word).rstrip(".")
    return (any(c.isdigit() for c in w) or w in _weekdays() or any(w in ws for ws in _RELATIVE.values())
            or bool(_ENGLISH_DATEISH.match(w)))


def parse_day(word: str, today: date) -> date | None:
    """The date `word` names, seen from `today`; None when it names no date we know."""
    w = fold(word).rstrip(".")
    try:
        return date.fromisoformat(w)
    except ValueError:
        pass
    for offset, words in _RELATIVE.items():
        if w in words:
            return today + timedelta(days=offset)
    weekday = _weekdays().get(w)
    if weekday is None:
        return None
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
