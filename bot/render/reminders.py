"""Reminder messages: pure functions from rows to chat.postMessage arguments."""
from __future__ import annotations

from ..models import ActionItem
from .text import button, context, day, esc, fit, mention, section


def item_reminder(item: ActionItem, recipient: str, *, overdue: bool, tomorrow: bool = False) -> dict:
    if overdue:
        head = f"⚠️ *Overdue* since {day(item.due_on)}"
    elif tomorrow:
        head = f"⏰ Due *tomorrow*, {day(item.due_on)}"
    else:
        head = f"⏰ Due *today*, {day(item.due_on)}"
    whose = "" if recipient == item.owner_id else f" — owned by {mention(item.owner_id)}"
    blocks = [section(f"{head}{whose}\n{esc(item.text)}"),
              {"type": "actions", "elements": [button("Done", "item_done", str(item.id), style="primary")]}]
    if overdue and recipient != item.owner_id:
        blocks.insert(1, context("You gave this item; the owner has been reminded too."))
    return {"channel": recipient, "text": fit(f"{'Overdue' if overdue else 'Due'}: {item.text}", 3000)[0],
            "blocks": blocks}
