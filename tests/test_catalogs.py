"""The catalogs against the code: every message the code uses is translated into es, ko and zh —
none empty, fuzzy or English copied over — with the same placeholders (issue 9)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import BABEL_LOCALES, LANGUAGES, catalog_files

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"t": None, "plural": (1, 2), "N_": None}
METHODS = [("bot/**.py", "python"), ("handlers/**.py", "python"), ("scheduler/**.py", "python")]
PLACEHOLDER = re.compile(r"\{(\w*)\}")
# Words that are the same in every language: names, codes and commands.
SAME_EVERYWHERE = {"AE", "ae-bot", "CSV", "OK", "Slack", "Slack Connect", "Teams", "URL", "UTC"}


def _used() -> dict[str, str | None]:
    """msgid → its plural msgid (or None), from the source as `pybabel extract` reads it."""
    out: dict[str, str | None] = {}
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, comment_tags=()):
        if isinstance(message, tuple):
            out[message[0]] = message[1]
        else:
            out[message] = None
    return out


USED = _used()


def _catalog(lang: str) -> dict:
    entries = {}
    for path in catalog_files(lang):
        with path.open("rb") as f:
            for m in read_po(f, locale=BABEL_LOCALES[lang]):
                if m.id:
                    entries[m.id[0] if isinstance(m.id, tuple) else m.id] = (m, path.name)
    return entries


def _meaningful(text: str) -> str:
    """The words of a message: without placeholders, mrkdwn, emoji, links and commands."""
    text = PLACEHOLDER.sub("", text)
    text = re.sub(r"`[^`]*`|<[^>]*>|[*_~…•·—–:;,.!?()\[\]\"“”«»'’/|+=#@%-]", " ", text)
    return " ".join(w for w in text.split() if any(c.isalpha() for c in w) and w not in SAME_EVERYWHERE)


def test_the_code_uses_messages():
    assert len(USED) > 40


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated_with_its_placeholders(lang):
    catalog = _catalog(lang)
    missing, empty, fuzzy, english, holes, forms = [], [], [], [], [], []
    for msgid, plural in USED.items():
        if msgid not in catalog:
            missing.append(msgid)
            continue
        m, _file = catalog[msgid]
        strings = list(m.string) if isinstance(m.string, tuple) else [m.string]
        if m.fuzzy:
            fuzzy.append(msgid)
        if not all(strings):
            empty.append(msgid)
            continue
        if plural is not None and not isinstance(m.id, tuple):
            forms.append(msgid)
        ids = [msgid] + ([plural] if plural else [])
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != wanted:
                holes.append((msgid, s))
            if _meaningful(msgid) and s.strip() == msgid.strip():
                english.append(msgid)
    assert not missing, f"{len(missing)} messages missing from {lang}: {missing[:20]}"
    assert not empty, f"empty in {lang}: {empty[:20]}"
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy[:20]}"
    assert not english, f"English copied over in {lang}: {english[:20]}"
    assert not holes, f"placeholders differ in {lang}: {holes[:10]}"
    assert not forms, f"plural messages without plural forms in {lang}: {forms[:10]}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_catalog_files_have_our_plural_rule_and_no_stale_entries(lang):
    from bot.i18n import PLURAL_FORMS

    for path in catalog_files(lang):
        text = path.read_text(encoding="utf-8")
        assert f"Plural-Forms: {PLURAL_FORMS[lang]}" in text, path
    stale = [msgid for msgid in _catalog(lang) if msgid not in USED]
    assert not stale, f"{lang} has messages the code no longer uses: {stale[:20]}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_a_message_in_two_catalog_files_reads_the_same_in_both(lang):
    seen: dict[str, tuple] = {}
    differ = []
    for path in catalog_files(lang):
        with path.open("rb") as f:
            for m in read_po(f, locale=BABEL_LOCALES[lang]):
                if not m.id:
                    continue
                key = m.id[0] if isinstance(m.id, tuple) else m.id
                string = tuple(m.string) if isinstance(m.string, tuple) else (m.string,)
                if key in seen and seen[key][0] != string:
                    differ.append((key, seen[key][1], path.name))
                seen.setdefault(key, (string, path.name))
    assert not differ, f"{lang}: the same message translated differently: {differ[:10]}"
