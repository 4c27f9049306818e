"""Action items: the DM to the owner, the /task modal, the /task list reply."""
from __future__ import annotations

import json

from ..models import ActionItem, ItemStatus
from ..services.tasks import USAGE
from .text import button, context, day, esc, fit, input_block, mention, moment, packed_sections, section

TASK_CALLBACK = "task_modal"


def _due(item: ActionItem) -> str:
    return f"Due {day(item.due_on)}" if item.due_on else "No due date"


def item_dm(item: ActionItem, origin: tuple[str, str | None] | None = None) -> dict:
    """The owner's DM: the item, where it came from, and a Done button (or who finished it)."""
    lines = [f"📌 *Action item for you* from {mention(item.creator_id)}", esc(item.text), _due(item)]
    blocks = [section("\n".join(lines))]
    if origin:
        title, link = origin
        blocks.append(context(f"From the minutes <{link}|{esc(title)}>" if link else f"From the minutes *{esc(title)}*"))
    if item.status == ItemStatus.done:
        blocks.append(context(f"✅ Done by {mention(item.done_by)} {moment(item.done_at)}"))
    else:
        blocks.append({"type": "actions", "block_id": "item_actions",
                       "elements": [button("Done", "item_done", str(item.id), style="primary")]})
    return {"text": fit(f"Action item: {item.text}", 3000)[0], "blocks": blocks}


def done_notice(item: ActionItem) -> dict:
    return {"text": f"Done: {item.text}", "blocks": [
        section(f"✅ {esc(item.text)}"), context(f"Done by {mention(item.done_by)} {moment(item.done_at)}")]}


def created_reply(item: ActionItem) -> dict:
    return {"text": f"Action item for {item.owner_id} saved",
            "blocks": [section(f"👍 Sent to {mention(item.owner_id)}: {esc(item.text)} · {_due(item)}")]}


def task_list(items: list[ActionItem]) -> dict:
    if not items:
        return {"text": "You have no open action items. 🎉"}
    lines = [f"• {esc(i.text)} — {_due(i)}" for i in items]
    return {"text": f"You have {len(items)} open action items",
            "blocks": packed_sections(f"*Your open action items ({len(items)})*", lines, max_sections=20)}


def task_modal(channel_id: str) -> dict:
    _input = input_block
    return {
        "type": "modal", "callback_id": TASK_CALLBACK,
        "title": {"type": "plain_text", "text": "New action item"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": channel_id}),
        "blocks": [
            _input("item_0_text", "What is to be done", {"type": "plain_text_input", "max_length": 2000}),
            _input("item_0_owner", "Owner", {"type": "users_select"}),
            _input("item_0_due", "Due date", {"type": "datepicker"}, optional=True),
        ],
    }


def usage(message: str) -> dict:
    return {"text": message if USAGE in message else f"{message} {USAGE}"}
