"""Small text helpers shared by every renderer: escaping, cutting to Block Kit limits, dates."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from babel.dates import format_datetime

from ..i18n import Text, text_for

SECTION_MAX = 3000   # characters of a section's text
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
CUT = "…"


def esc(text: str) -> str:
    """Escape user text for mrkdwn so it can't ping @channel or forge links."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int = SECTION_MAX, note: str = "") -> tuple[str, bool]:
    """Cut `text` to `limit` characters with a clear "…" (and `note`); says whether it cut."""
    if len(text) <= limit:
        return text, False
    keep = max(0, limit - len(CUT) - len(note))
    return text[:keep].rstrip() + CUT + note, True


def plain(text: str, limit: int) -> str:
    return fit(text.replace("\n", " "), limit)[0]


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: list[str], t: Text | None = None) -> str:
    t = t or text_for("en")
    return t.join([mention(u) for u in user_ids]) or t("nobody")


def day(d: date, t: Text | None = None) -> str:
    """A calendar date that Slack shows in the reader's own format (noon UTC keeps the day); the
    fallback (notifications, old clients) in the reader's language."""
    unix = int(datetime.combine(d, time(12), tzinfo=timezone.utc).timestamp())
    return f"<!date^{unix}^{{date_short_pretty}}|{(t or text_for('en')).date(d)}>"


def moment(at: datetime, t: Text | None = None) -> str:
    """An instant that Slack shows in each reader's own time zone."""
    unix = int(at.timestamp())
    fallback = format_datetime(at, "medium", tzinfo=timezone.utc, locale=(t or text_for("en")).locale) + " UTC"
    return f"<!date^{unix}^{{date_short_pretty}} {{time}}|{fallback}>"


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text)[0]}, **extra}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": fit(text)[0]}]}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict:
    b = {"type": "button", "text": {"type": "plain_text", "text": text, "emoji": True},
         "action_id": action_id, "value": value}
    if style:
        b["style"] = style
    return b


def packed_sections(title: str, lines: list[str], max_sections: int, t: Text | None = None) -> list[dict]:
    """Pack lines into as few sections as fit; past `max_sections`, say how many were left out."""
    blocks: list[dict] = []
    current = title
    for i, line in enumerate(lines):
        line = fit(line, SECTION_MAX - 200)[0]
        if len(current) + 1 + len(line) > SECTION_MAX:
            if len(blocks) + 1 >= max_sections:
                t = t or text_for("en")
                current += "\n" + t.plural("…and {n} more", "…and {n} more", len(lines) - i)
                break
            blocks.append(section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    blocks.append(section(current))
    return blocks


def chunks(text: str, size: int) -> list[str]:
    """Split long text on line breaks where possible, for thread replies."""
    out, rest = [], text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        out.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        out.append(rest)
    return out


def input_block(block_id: str, label: str, element: dict, optional: bool = False, hint: str | None = None) -> dict:
    """A modal input; every element answers under action_id "value" (handlers read state that way)."""
    b = {"type": "input", "block_id": block_id, "optional": optional,
         "label": {"type": "plain_text", "text": label}, "element": {"action_id": "value", **element}}
    if hint:
        b["hint"] = {"type": "plain_text", "text": hint}
    return b


def text_input(initial: str | None = "", multiline: bool = False, max_length: int | None = None,
               placeholder: str | None = None) -> dict:
    e = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        e["initial_value"] = initial
    if max_length:
        e["max_length"] = max_length
    if placeholder:
        e["placeholder"] = {"type": "plain_text", "text": placeholder}
    return e

