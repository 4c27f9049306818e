"""Reminder messages: pure functions from rows to chat.postMessage arguments, in the recipient's `Text`."""
from __future__ import annotations

from ..i18n import Text
from ..models import ActionItem
from .text import button, context, day, esc, fit, mention, section


def _head(item: ActionItem, t: Text, overdue: bool, tomorrow: bool, owner: str | None) -> str:
    """The first line, whole: when it is due and (to whoever gave it) whose it is."""
    when = day(item.due_on, t)
    if overdue:
        return (t("⚠️ *Overdue* since {date} — owned by {person}", date=when, person=owner) if owner
                else t("⚠️ *Overdue* since {date}", date=when))
    if tomorrow:
        return (t("⏰ Due *tomorrow*, {date} — owned by {person}", date=when, person=owner) if owner
                else t("⏰ Due *tomorrow*, {date}", date=when))
    return (t("⏰ Due *today*, {date} — owned by {person}", date=when, person=owner) if owner
            else t("⏰ Due *today*, {date}", date=when))


def item_reminder(item: ActionItem, recipient: str, t: Text, *, overdue: bool, tomorrow: bool = False) -> dict:
    owner = None if recipient == item.owner_id else mention(item.owner_id)
    blocks = [section(f"{_head(item, t, overdue, tomorrow, owner)}\n{esc(item.text)}"),
              {"type": "actions", "elements": [button(t("Done"), "item_done", str(item.id), style="primary")]}]
    if overdue and recipient != item.owner_id:
        blocks.insert(1, context(t("You gave this item; the owner has been reminded too.")))
    text = t("Overdue: {text}", text=item.text) if overdue else t("Due: {text}", text=item.text)
    return {"channel": recipient, "text": fit(text, 3000)[0], "blocks": blocks}
