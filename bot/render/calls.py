"""Progress calls: the morning DM of clients to call, the Log call modal, the "logged" confirmation."""
from __future__ import annotations

import json

from ..models import ActionItem, CallLog, Client
from ..services.calls import CALL_KINDS, OUTCOME_MAX, WHO_MAX, ChannelWork
from .text import MESSAGE_BLOCKS, button, context, esc, input_block, mention, plain, section

CALL_CALLBACK = "call_log_modal"
LOG_CALL = "call_log"    # the Log call button; its value is `client:<id>` or (no client) the channel
CLIENT_VALUE = "client:"
OPTION_TEXT = 75         # a static_select option's text


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


def _client_line(w: ChannelWork) -> str:
    name = esc(plain(w.client_name, 120))
    return f"*{name}* · tier {w.tier} · <#{w.channel_id}>\n{_summary(w) or 'Nothing open — a progress check-in.'}"


def daily_call(recipient: str, work: list[ChannelWork]) -> dict:
    """One section per client due today, then per channel with open work, each with a Log call button;
    past the block limit, say how many more."""
    due = sum(1 for w in work if w.client_id is not None)
    channels = len(work) - due
    if due:
        text = f"Calls for today: {_plural(due, 'client', 'clients')} due for a call"
        if channels:
            text += f", {_plural(channels, 'channel', 'channels')} with open work"
        head = f"📞 *Calls for today* — {text.split(': ', 1)[1]}."
    else:
        text = f"Calls for today: {_plural(len(work), 'client', 'clients')} with open work"
        head = f"📞 *Calls for today* — {_plural(len(work), 'client has', 'clients have')} open work."
    blocks = [section(head)]
    room = MESSAGE_BLOCKS - 2            # the header and a possible "…and N more" line
    for w in work[:room]:
        if w.client_id is not None:
            blocks.append(section(_client_line(w),
                                  accessory=button("Log call", LOG_CALL, f"{CLIENT_VALUE}{w.client_id}")))
        else:
            blocks.append(section(f"<#{w.channel_id}>\n{_summary(w)}",
                                  accessory=button("Log call", LOG_CALL, w.channel_id)))
    rest = work[room:]
    if rest:
        what = "to call" if any(w.client_id is not None for w in rest) else "channels with open work"
        blocks.append(context(f"…and {len(rest)} more {what}."))
    return {"channel": recipient, "text": text, "blocks": blocks}


def client_picker(clients: list[Client], picked: Client | None) -> dict:
    """A static_select of clients (the caller caps the list at 100, Slack's limit)."""
    def option(c: Client) -> dict:
        return {"text": {"type": "plain_text", "text": plain(c.name, OPTION_TEXT)}, "value": str(c.id)}

    element = {"type": "static_select", "action_id": "value", "options": [option(c) for c in clients],
               "placeholder": {"type": "plain_text", "text": "Pick the client"}}
    if picked is not None and any(c.id == picked.id for c in clients):
        element["initial_option"] = option(picked)
    return {"type": "input", "block_id": "client", "label": {"type": "plain_text", "text": "Client"},
            "element": element}


KIND_OPTIONS = [{"text": {"type": "plain_text", "text": label}, "value": value}
                for value, label in CALL_KINDS.items()]


def call_modal(channel_id: str | None, *, via: str = "daily_call", client: Client | None = None,
               clients: list[Client] | None = None, picked: Client | None = None, note: str | None = None) -> dict:
    """The Log call modal, about a client (`client`), or asking which one (`clients`: a picker with
    `picked` pre-selected), or, in a workspace without clients, about a channel (asked for when
    there is none, e.g. `/call` outside a client channel)."""
    _input = input_block
    meta = {"channel": channel_id, "via": via}
    if client is not None:
        where = f" (<#{client.channel_id}>)" if client.channel_id else ""
        top = [section(f"Call with *{esc(plain(client.name, 120))}*{where}")]
        meta = {"client": client.id, "channel": client.channel_id, "via": via}
    elif clients:
        top = [client_picker(clients, picked)]
        meta = {"pick": True, "via": via}
    elif channel_id:
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
        "private_metadata": json.dumps(meta),
        "blocks": ([context(note)] if note else []) + top + [
            _input("kind", "Kind", {"type": "static_select", "options": KIND_OPTIONS,
                                    "initial_option": KIND_OPTIONS[0]}),
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


def logged(call: CallLog, item: ActionItem | None, client: Client | None = None) -> dict:
    where = f" (<#{call.channel_id}>)" if call.channel_id else ""
    if client is not None:
        where = f" at *{esc(plain(client.name, 120))}*{where}"
    what = "site visit" if call.kind == "site_visit" else "call"
    line = f"📞 Logged your {call.minutes}-minute {what} with {esc(plain(call.who, WHO_MAX))}{where}."
    if item:
        line += f"\nFollow-up sent to {mention(item.owner_id)}: {esc(plain(item.text, 500))}"
    return {"text": f"Call with {call.who} logged", "blocks": [section(line)]}
