"""Action items: the DM to the owner, the /task modal, the /task list reply.

Every function takes the reader's `Text` (`t`): the owner reads their DM, the person who typed /task
reads the reply and the modal.
"""
from __future__ import annotations

import json

from ..errors import Problem
from ..i18n import Text, text_for
from ..models import ActionItem, ItemStatus
from .problems import describe
from .text import button, context, day, esc, fit, input_block, mention, moment, packed_sections, section

TASK_CALLBACK = "task_modal"


def usage_line(t: Text) -> str:
    return t("Usage: `/task @person what to do [by DATE]` — or `/task` for a form, `/task list` for your open "
             "items. DATE is YYYY-MM-DD, “today”, “tomorrow” or a weekday.")


def _due(item: ActionItem, t: Text | None = None) -> str:
    t = t or text_for("en")
    return t("Due {date}", date=day(item.due_on, t)) if item.due_on else t("No due date")


def item_dm(item: ActionItem, t: Text, origin: tuple[str, str | None] | None = None) -> dict:
    """The owner's DM: the item, where it came from, and a Done button (or who finished it)."""
    lines = [t("📌 *Action item for you* from {person}", person=mention(item.creator_id)), esc(item.text),
             _due(item, t)]
    blocks = [section("\n".join(lines))]
    if origin:
        title, link = origin
        blocks.append(context(t("From the minutes <{link}|{title}>", link=link, title=esc(title)) if link
                              else t("From the minutes *{title}*", title=esc(title))))
    if item.status == ItemStatus.done:
        blocks.append(context(t("✅ Done by {person} {when}", person=mention(item.done_by),
                                when=moment(item.done_at, t))))
    else:
        blocks.append({"type": "actions", "block_id": "item_actions",
                       "elements": [button(t("Done"), "item_done", str(item.id), style="primary")]})
    return {"text": fit(t("Action item: {text}", text=item.text), 3000)[0], "blocks": blocks}


def done_notice(item: ActionItem, t: Text) -> dict:
    return {"text": t("Done: {text}", text=item.text), "blocks": [
        section(f"✅ {esc(item.text)}"),
        context(t("Done by {person} {when}", person=mention(item.done_by), when=moment(item.done_at, t)))]}


def created_reply(item: ActionItem, t: Text, owner_name: str | None = None) -> dict:
    return {"text": t("Action item for {name} saved", name=owner_name or t("its owner")),
            "blocks": [section(t("👍 Sent to {person}: {text} · {due}", person=mention(item.owner_id),
                                 text=esc(item.text), due=_due(item, t)))]}


def task_list(items: list[ActionItem], t: Text) -> dict:
    if not items:
        return {"text": t("You have no open action items. 🎉")}
    lines = [f"• {esc(i.text)} — {_due(i, t)}" for i in items]
    title = t.plural("*Your open action item ({n})*", "*Your open action items ({n})*", len(items))
    return {"text": t.plural("You have {n} open action item", "You have {n} open action items", len(items)),
            "blocks": packed_sections(title, lines, max_sections=20, t=t)}


def task_modal(channel_id: str, t: Text) -> dict:
    _input = input_block
    return {
        "type": "modal", "callback_id": TASK_CALLBACK,
        "title": {"type": "plain_text", "text": t("New action item")},
        "submit": {"type": "plain_text", "text": t("Send")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps({"channel": channel_id}),
        "blocks": [
            _input("item_0_text", t("What is to be done"), {"type": "plain_text_input", "max_length": 2000}),
            _input("item_0_owner", t("Owner"), {"type": "users_select"}),
            _input("item_0_due", t("Due date"), {"type": "datepicker"}, optional=True),
        ],
    }


def usage(problem: Problem | None, t: Text) -> dict:
    """What was wrong with a /task line, and how to write one."""
    first = describe(problem, t) + " " if problem else ""
    return {"text": first + usage_line(t)}


def already_done(t: Text) -> str:
    return t("That item is already done. 👍")
