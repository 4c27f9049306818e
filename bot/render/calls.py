"""Progress calls: the morning DM of clients to call, the Log call modal, the "logged" confirmation."""
from __future__ import annotations

import json

from ..models import ActionItem, CallLog
from ..services.calls import OUTCOME_MAX, WHO_MAX, ChannelWork
from .text import MESSAGE_BLOCKS, button, context, esc, mention, plain, section

CALL_CALLBACK = "call_log_modal"
LOG_CALL = "call_log"    # the Log call button; its value is the channel


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary(w: ChannelWork) -> str:
    parts = []
    if w.open_items:
        parts.append(_plural(w.open_items, "open action item", "open action items"))
    if w.overdue:
        parts.append(f"*{w.overdue} overdue*")
    if w.unsigned:
        parts.append(_plural(w.unsigned, "set of minutes", "sets of minutes") + " waiting for sign-off")
    return " · ".join(parts)


def daily_call(recipient: str, work: list[ChannelWork]) -> dict:
    """One section per client channel with a Log call button; past the block limit, say how many more."""
    head = f"📞 *Calls for today* — {_plural(len(work), 'client has', 'clients have')} open work."
    blocks = [section(head)]
    room = MESSAGE_BLOCKS - 2            # the header and a possible "…and N more" line
    for w in work[:room]:
        blocks.append(section(f"<#{w.channel_id}>\n{_summary(w)}",
                              accessory=button("Log call", LOG_CALL, w.channel_id)))
    if len(work) > room:
        blocks.append(context(f"…and {len(work) - room} more channels with open work."))
    return {"channel": recipient, "text": f"Calls for today: {_plural(len(work), 'client', 'clients')} with open work",
            "blocks": blocks}


def call_modal(channel_id: str | None, *, via: str = "daily_call") -> dict:
    """The Log call modal. With no channel (e.g. `/call` outside a client channel) it asks for one."""
    def _input(block_id, label, element, optional=False, hint=None):
        block = {"type": "input", "block_id": block_id, "optional": optional,
                 "label": {"type": "plain_text", "text": label}, "element": {"action_id": "value", **element}}
        if hint:
            block["hint"] = {"type": "plain_text", "text": hint}
        return block

    if channel_id:
        top = [section(f"Call with <#{channel_id}>")]
    else:
        top = [_input("channel", "Client channel", {"type": "conversations_select",
                                                    "default_to_current_conversation": True},
                      optional=True)]
    return {
        "type": "modal", "callback_id": CALL_CALLBACK,
        "title": {"type": "plain_text", "text": "Log a call"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": channel_id, "via": via}),
        "blocks": top + [
            _input("who", "Who you spoke to", {"type": "plain_text_input", "max_length": WHO_MAX}),
            _input("duration", "Duration (minutes)", {"type": "plain_text_input", "max_length": 4,
                                                      "placeholder": {"type": "plain_text", "text": "15"}}),
            _input("outcome", "Outcome", {"type": "plain_text_input", "multiline": True, "max_length": OUTCOME_MAX}),
            {"type": "divider"},
            context("*Follow-up* (optional): becomes an action item for its owner."),
            _input("follow_up_text", "Follow-up", {"type": "plain_text_input", "max_length": 2000}, optional=True),
            _input("follow_up_owner", "Owner", {"type": "users_select"}, optional=True),
            _input("follow_up_due", "Due date", {"type": "datepicker"}, optional=True),
        ],
    }


def logged(call: CallLog, item: ActionItem | None) -> dict:
    where = f" (<#{call.channel_id}>)" if call.channel_id else ""
    line = f"📞 Logged your {call.minutes}-minute call with {esc(plain(call.who, WHO_MAX))}{where}."
    if item:
        line += f"\nFollow-up sent to {mention(item.owner_id)}: {esc(plain(item.text, 500))}"
    return {"text": f"Call with {call.who} logged", "blocks": [section(line)]}
