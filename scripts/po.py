"""Write translations into a language's catalog file: `python scripts/po.py FILE.json`.

FILE.json: {"file": "bot/locales/es/LC_MESSAGES/tasks.po", "lang": "es",
            "messages": {"msgid": "msgstr", "singular": ["form0", "form1"], ...}}
Plural entries are keyed by the singular msgid and need `"plural": {"singular": "plural msgid"}`.
Existing entries of the file are kept unless given again.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

PLURAL_FORMS = {"es": "nplurals=2; plural=(n != 1);", "ko": "nplurals=1; plural=0;", "zh": "nplurals=1; plural=0;"}
LOCALES = {"es": "es", "ko": "ko", "zh": "zh_Hans"}


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    path, lang = Path(spec["file"]), spec["lang"]
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=LOCALES[lang])
    else:
        catalog = Catalog(locale=LOCALES[lang], project="ae-bot", fuzzy=False)
    plurals = spec.get("plural", {})
    for msgid, msgstr in spec["messages"].items():
        if msgid in catalog:   # given again: the new translation replaces the old one
            del catalog[msgid]
        if isinstance(msgstr, list):
            catalog.add((msgid, plurals[msgid]), tuple(msgstr), flags=("python-brace-format",))
        else:
            flags = ("python-brace-format",) if "{" in msgid else ()
            catalog.add(msgid, msgstr, flags=flags)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, sort_output=True, omit_header=False, width=100)
    # The header's plural rule is ours (Spanish has two forms here), whatever Babel's default.
    text = path.read_text(encoding="utf-8")
    # Babel's own Spanish rule has three forms; ours has two: drop the empty third it writes.
    if lang == "es":
        text = re.sub(r'\nmsgstr\[2\] ""(?=\n)', "", text)
    text = re.sub(r'"Plural-Forms: [^"]*\\n"', f'"Plural-Forms: {PLURAL_FORMS[lang]}\\\\n"', text, count=1)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
