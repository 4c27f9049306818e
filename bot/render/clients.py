"""/client: the add/edit modal, the list, the replies; the "My clients" lines of App Home."""
from __future__ import annotations

import json

from ..models import TIER_CALL_DAYS, Client, Tier
from ..services.clients import (CONTACTS_MAX, DAYS, NAME_MAX, REPORT_DAY, REPORT_TIME, TERMS_DEFAULT, TIER_LABELS,
                                ClientRow, Saved)
from .text import MESSAGE_BLOCKS, context, esc, input_block, mention, moment, packed_sections, plain, section

CLIENT_CALLBACK = "client_modal"
DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
             "sat": "Saturday", "sun": "Sunday"}
NEW_TIER = Tier.B          # what a new client's form starts with (the table's default too)
USAGE = ("`/client add [name]` (in the client's channel) · `/client list` · `/client edit NAME`")


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


_input = input_block


def client_modal(*, client: Client | None = None, contacts: list[str] | None = None, name: str = "",
                 ae_id: str | None = None, channel_id: str | None = None, reply_channel: str | None = None) -> dict:
    """The add form (defaults: the caller as AE, this channel, Monday 12:00, tier B's call days, 45 days)
    or the edit form (pre-filled from `client`)."""
    tier = Tier(client.tier) if client else NEW_TIER
    days = (client.call_days if client else TIER_CALL_DAYS[tier]).split(",")
    report_day = client.report_day if client and client.report_day in DAYS else REPORT_DAY
    channel = client.channel_id if client else channel_id
    contacts = contacts or []
    tiers = [_option(TIER_LABELS[t], t.value) for t in Tier]
    weekdays = [_option(DAY_NAMES[d], d) for d in DAYS]
    conversation = {"type": "conversations_select",
                    "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if channel and channel[:1] != "D":
        conversation["initial_conversation"] = channel
    people = {"type": "users_select"}
    ae = client.ae_id if client else ae_id
    if ae:
        people["initial_user"] = ae
    checks = {"type": "checkboxes", "options": weekdays}
    if any(d in DAYS for d in days):
        checks["initial_options"] = [o for o in weekdays if o["value"] in days]
    guests = {"type": "multi_users_select", "max_selected_items": CONTACTS_MAX,
              "placeholder": {"type": "plain_text", "text": "People at the client (guests in a shared channel)"}}
    if contacts:
        guests["initial_users"] = contacts
    named = {"type": "plain_text_input", "max_length": NAME_MAX}
    initial_name = client.name if client else " ".join(name.split())
    if initial_name:
        named["initial_value"] = initial_name[:NAME_MAX]
    blocks = [
        _input("name", "Client name", named),
        _input("tier", "Tier", {"type": "static_select", "options": tiers,
                                "initial_option": next(o for o in tiers if o["value"] == tier.value)}),
        _input("ae", "AE", people),
        _input("channel", "Client's channel", conversation, hint="The weekly report is drafted from this channel."),
        _input("report_day", "Weekly report day", {"type": "static_select", "options": weekdays,
                                                   "initial_option": next(o for o in weekdays
                                                                          if o["value"] == report_day)}),
        _input("report_time", "Weekly report time (HH:MM)",
               {"type": "plain_text_input", "max_length": 5,
                "initial_value": client.report_time if client else REPORT_TIME},
               hint="In the AE's time zone."),
        _input("call_days", "Progress-call days", checks, optional=True,
               hint="Left at the tier's default (A every weekday, B Monday and Thursday, C Monday), they follow "
                    "the tier you pick. None ticked: the tier's default."),
        _input("contacts", "Client contacts", guests, optional=True,
               hint="They confirm deliverables with a button."),
        _input("payment_terms", "Payment terms (days)",
               {"type": "plain_text_input", "max_length": 3,
                "initial_value": str(client.payment_terms_days if client else TERMS_DEFAULT)}),
    ]
    meta = {"client_id": client.id if client else None, "tier": tier.value, "reply": reply_channel}
    return {
        "type": "modal", "callback_id": CLIENT_CALLBACK,
        "title": {"type": "plain_text", "text": "Edit client" if client else "New client"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def _days(call_days: str) -> str:
    days = [d for d in DAYS if d in call_days.split(",")]
    if days == list(DAYS):
        return "every weekday"
    return ", ".join(DAY_NAMES[d][:3] for d in days) or "none"


def next_report(when) -> str:
    return moment(when) if when else "none (no channel)"


def line(row: ClientRow) -> str:
    c = row.client
    channel = f"<#{c.channel_id}>" if c.channel_id else "no channel"
    return (f"• *{esc(plain(c.name, NAME_MAX))}* · tier {Tier(c.tier).value} · AE {mention(c.ae_id)} · {channel} · "
            f"next report {next_report(row.next_report)}")


def client_list(rows: list[ClientRow]) -> dict:
    if not rows:
        text = "No clients yet. Add one with `/client add NAME` in the client's channel."
        return {"text": text, "blocks": [section(text)]}
    blocks = packed_sections(f"*Clients ({len(rows)})*", [line(r) for r in rows], max_sections=MESSAGE_BLOCKS - 1)
    blocks.append(context(f"Report times are shown in your time zone. {USAGE}"))
    return {"text": f"{len(rows)} clients", "blocks": blocks}


def saved_reply(saved: Saved) -> dict:
    c = saved.client
    verb = "Added" if saved.created else ("Updated" if saved.changed else "No changes to")
    text = (f"{verb} *{esc(plain(c.name, NAME_MAX))}* (tier {Tier(c.tier).value}, AE {mention(c.ae_id)}, "
            f"<#{c.channel_id}>): weekly report {DAY_NAMES[c.report_day]}s at {c.report_time} the AE's time "
            f"(next {next_report(saved.next_report)}), progress calls {_days(c.call_days)}, "
            f"payment terms {c.payment_terms_days} days.")
    return {"text": f"{verb} client {c.name}", "blocks": [section(text)]}


def usage(problem: str | None = None) -> dict:
    text = f"{problem}\n{USAGE}" if problem else USAGE
    return {"response_type": "ephemeral", "text": text}


def home_lines(rows: list[ClientRow]) -> list[str]:
    """App Home's "My clients": name, tier and next report."""
    return [f"• *{esc(plain(r.client.name, NAME_MAX))}* · tier {Tier(r.client.tier).value} · "
            f"next report {next_report(r.next_report)}" for r in rows]


def home_blocks(rows: list[ClientRow]) -> list[dict]:
    """App Home's "My clients" (AEs only): at most 4 blocks, so the tab stays far below 100."""
    if not rows:
        return []
    return [{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": "My clients"}},
            *packed_sections("", home_lines(rows), max_sections=2)]
