"""Progress calls: the morning DM of clients to call, the Log call modal, the "logged" confirmation.

Every function takes the reader's `Text`: the AE reads the morning DM, the person who clicked or typed
`/call` reads the modal and the confirmation.
"""
from __future__ import annotations

import json

from ..i18n import N_, Text
from ..models import ActionItem, CallLog, Client
from ..services.calls import CALL_KINDS, OUTCOME_MAX, WHO_MAX, ChannelWork
from .text import MESSAGE_BLOCKS, button, context, esc, input_block, mention, plain, section

CALL_CALLBACK = "call_log_modal"
LOG_CALL = "call_log"    # the Log call button; its value is `client:<id>` or (no client) the channel
CLIENT_VALUE = "client:"
OPTION_TEXT = 75         # a static_select option's text
KIND_LABELS = {"phone_call": N_("Phone call"), "site_visit": N_("Site visit")}


def _summary(w: ChannelWork, t: Text) -> str:
    """The channel's open work: counted facts side by side (each one whole, so no glued sentence)."""
    parts = []
    if w.open_items:
        parts.append(t.plural("{n} open action item", "{n} open action items", w.open_items))
    if w.overdue:
        parts.append(t.plural("*{n} overdue*", "*{n} overdue*", w.overdue))
    if w.unsigned:
        parts.append(t.plural("{n} set of minutes waiting for sign-off", "{n} sets of minutes waiting for sign-off",
                              w.unsigned))
    return " · ".join(parts)


def _client_line(w: ChannelWork, t: Text) -> str:
    channel = f"<#{w.channel_id}>"
    head = t("*{name}* · tier {tier} · {channel}", name=esc(plain(w.client_name, 120)), tier=w.tier, channel=channel)
    summary = _summary(w, t) or t("Nothing open — a progress check-in.")
    return f"{head}\n{summary}"


def daily_call(recipient: str, work: list[ChannelWork], t: Text) -> dict:
    """One section per client due today, then per channel with open work, each with a Log call button;
    past the block limit, say how many more."""
    due = sum(1 for w in work if w.client_id is not None)
    channels = len(work) - due
    if due:
        counts = [t.plural("{n} client due for a call", "{n} clients due for a call", due)]
        if channels:
            counts.append(t.plural("{n} channel with open work", "{n} channels with open work", channels))
        text = t("Calls for today: {counts}", counts=t.join(counts))
        head = t("📞 *Calls for today* — {counts}.", counts=t.join(counts))
    else:
        text = t("Calls for today: {counts}",
                 counts=t.plural("{n} client with open work", "{n} clients with open work", len(work)))
        head = t.plural("📞 *Calls for today* — {n} client has open work.",
                        "📞 *Calls for today* — {n} clients have open work.", len(work))
    blocks = [section(head)]
    room = MESSAGE_BLOCKS - 2            # the header and a possible "…and N more" line
    log = t("Log call")
    for w in work[:room]:
        if w.client_id is not None:
            blocks.append(section(_client_line(w, t), accessory=button(log, LOG_CALL, f"{CLIENT_VALUE}{w.client_id}")))
        else:
            blocks.append(section(f"<#{w.channel_id}>\n{_summary(w, t)}",
                                  accessory=button(log, LOG_CALL, w.channel_id)))
    rest = work[room:]
    if rest:
        if any(w.client_id is not None for w in rest):
            more = t.plural("…and {n} more to call.", "…and {n} more to call.", len(rest))
        else:
            more = t.plural("…and {n} more channel with open work.", "…and {n} more channels with open work.",
                            len(rest))
        blocks.append(context(more))
    return {"channel": recipient, "text": text, "blocks": blocks}


def client_picker(clients: list[Client], picked: Client | None, t: Text) -> dict:
    """A static_select of clients (the caller caps the list at 100, Slack's limit)."""
    def option(c: Client) -> dict:
        return {"text": {"type": "plain_text", "text": plain(c.name, OPTION_TEXT)}, "value": str(c.id)}

    element = {"type": "static_select", "action_id": "value", "options": [option(c) for c in clients],
               "placeholder": {"type": "plain_text", "text": t("Pick the client")}}
    if picked is not None and any(c.id == picked.id for c in clients):
        element["initial_option"] = option(picked)
    return {"type": "input", "block_id": "client", "label": {"type": "plain_text", "text": t("Client")},
            "element": element}


def kind_options(t: Text) -> list[dict]:
    return [{"text": {"type": "plain_text", "text": t(KIND_LABELS[kind])}, "value": kind} for kind in CALL_KINDS]


def call_modal(channel_id: str | None, t: Text, *, via: str = "daily_call", client: Client | None = None,
               clients: list[Client] | None = None, picked: Client | None = None, note: str | None = None) -> dict:
    """The Log call modal, about a client (`client`), or asking which one (`clients`: a picker with
    `picked` pre-selected), or, in a workspace without clients, about a channel (asked for when
    there is none, e.g. `/call` outside a client channel). `note` is already in the reader's words."""
    _input = input_block
    meta = {"channel": channel_id, "via": via}
    if client is not None:
        name, channel = esc(plain(client.name, 120)), f"<#{client.channel_id}>"
        top = [section(t("Call with *{name}* ({channel})", name=name, channel=channel)
                       if client.channel_id else t("Call with *{name}*", name=name))]
        meta = {"client": client.id, "channel": client.channel_id, "via": via}
    elif clients:
        top = [client_picker(clients, picked, t)]
        meta = {"pick": True, "via": via}
    elif channel_id:
        channel = f"<#{channel_id}>"
        top = [section(t("Call with {channel}", channel=channel))]
    else:
        top = [_input("channel", t("Client channel"), {"type": "conversations_select",
                                                       "default_to_current_conversation": True},
                      optional=True)]
    kinds = kind_options(t)
    return {
        "type": "modal", "callback_id": CALL_CALLBACK,
        "title": {"type": "plain_text", "text": t("Log a call")},
        "submit": {"type": "plain_text", "text": t("Save")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps(meta),
        "blocks": ([context(note)] if note else []) + top + [
            _input("kind", t("Kind"), {"type": "static_select", "options": kinds, "initial_option": kinds[0]}),
            _input("who", t("Who you spoke to"), {"type": "plain_text_input", "max_length": WHO_MAX}),
            _input("duration", t("Duration (minutes)"), {"type": "plain_text_input", "max_length": 4,
                                                         "placeholder": {"type": "plain_text", "text": "15"}}),
            _input("outcome", t("Outcome"), {"type": "plain_text_input", "multiline": True,
                                             "max_length": OUTCOME_MAX}),
            {"type": "divider"},
            context(t("*Follow-up* (optional): becomes an action item for its owner.")),
            _input("follow_up_text", t("Follow-up"), {"type": "plain_text_input", "max_length": 2000}, optional=True),
            _input("follow_up_owner", t("Owner"), {"type": "users_select"}, optional=True),
            _input("follow_up_due", t("Due date"), {"type": "datepicker"}, optional=True),
        ],
    }


def _logged_line(call: CallLog, client: Client | None, t: Text) -> str:
    """One whole sentence per kind and place (a client, a channel, neither)."""
    who, n = esc(plain(call.who, WHO_MAX)), call.minutes
    visit = call.kind == "site_visit"
    if client is not None:
        name = f"*{esc(plain(client.name, 120))}*"
        place = f"{name} (<#{call.channel_id}>)" if call.channel_id else name
        if visit:
            return t.plural("📞 Logged your {n}-minute site visit with {who} at {client}.",
                            "📞 Logged your {n}-minute site visit with {who} at {client}.", n, who=who, client=place)
        return t.plural("📞 Logged your {n}-minute call with {who} at {client}.",
                        "📞 Logged your {n}-minute call with {who} at {client}.", n, who=who, client=place)
    if call.channel_id:
        channel = f"<#{call.channel_id}>"
        if visit:
            return t.plural("📞 Logged your {n}-minute site visit with {who} ({channel}).",
                            "📞 Logged your {n}-minute site visit with {who} ({channel}).", n, who=who, channel=channel)
        return t.plural("📞 Logged your {n}-minute call with {who} ({channel}).",
                        "📞 Logged your {n}-minute call with {who} ({channel}).", n, who=who, channel=channel)
    if visit:
        return t.plural("📞 Logged your {n}-minute site visit with {who}.",
                        "📞 Logged your {n}-minute site visit with {who}.", n, who=who)
    return t.plural("📞 Logged your {n}-minute call with {who}.", "📞 Logged your {n}-minute call with {who}.", n,
                    who=who)


def logged(call: CallLog, item: ActionItem | None, t: Text, client: Client | None = None) -> dict:
    line = _logged_line(call, client, t)
    if item:
        line += "\n" + t("Follow-up sent to {person}: {text}", person=mention(item.owner_id),
                         text=esc(plain(item.text, 500)))
    text = (t("Site visit with {who} logged", who=call.who) if call.kind == "site_visit"
            else t("Call with {who} logged", who=call.who))
    return {"text": text, "blocks": [section(line)]}
