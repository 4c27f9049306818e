"""/client: the add/edit modal, the list, the replies; the "My clients" lines of App Home.

Every function takes the reader's `Text` (`t`): the person who typed /client reads the modal, the list
and the replies; the AE reads App Home.
"""
from __future__ import annotations

import json

from babel.dates import get_day_names

from ..i18n import LANGUAGES, N_, NAMES, Text, text_for
from ..models import TIER_CALL_DAYS, Client, Tier
from ..services.clients import (CONTACTS_MAX, DAYS, NAME_MAX, REPORT_DAY, REPORT_TIME, TERMS_DEFAULT,
                                WORKSPACE_DEFAULT, ClientRow, Saved)
from .text import MESSAGE_BLOCKS, context, esc, input_block, mention, moment, packed_sections, plain, section

CLIENT_CALLBACK = "client_modal"
NEW_TIER = Tier.B          # what a new client's form starts with (the table's default too)
TIER_LABELS = {Tier.A: N_("A — key account"), Tier.B: N_("B — secondary"), Tier.C: N_("C — mid-size")}


def day_name(d: str, t: Text, width: str = "wide") -> str:
    """"thu" → "Thursday", "jueves", "목요일", "星期四" (Babel's names: no catalog entry to keep)."""
    return get_day_names(width, locale=t.locale)[DAYS.index(d)]


def usage_line(t: Text) -> str:
    return t("`/client add [name]` (in the client's channel) · `/client list` · `/client edit NAME`")


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


_input = input_block


def _languages(t: Text) -> list[dict]:
    """The Language choice: the workspace's, then each language named in itself."""
    return [_option(t("Workspace default"), WORKSPACE_DEFAULT)] + [_option(NAMES[lang], lang) for lang in LANGUAGES]


def client_modal(*, client: Client | None = None, contacts: list[str] | None = None, name: str = "",
                 ae_id: str | None = None, channel_id: str | None = None, reply_channel: str | None = None,
                 t: Text | None = None) -> dict:
    """The add form (defaults: the caller as AE, this channel, Monday 12:00, tier B's call days, 45 days)
    or the edit form (pre-filled from `client`)."""
    t = t or text_for("en")
    tier = Tier(client.tier) if client else NEW_TIER
    days = (client.call_days if client else TIER_CALL_DAYS[tier]).split(",")
    report_day = client.report_day if client and client.report_day in DAYS else REPORT_DAY
    channel = client.channel_id if client else channel_id
    contacts = contacts or []
    tiers = [_option(t(TIER_LABELS[x]), x.value) for x in Tier]
    # Spanish day names are lower case in a sentence; as a choice they start with a capital.
    weekdays = [_option(day_name(d, t)[:1].upper() + day_name(d, t)[1:], d) for d in DAYS]
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
              "placeholder": {"type": "plain_text", "text": t("People at the client (guests in a shared channel)")}}
    if contacts:
        guests["initial_users"] = contacts
    named = {"type": "plain_text_input", "max_length": NAME_MAX}
    initial_name = client.name if client else " ".join(name.split())
    if initial_name:
        named["initial_value"] = initial_name[:NAME_MAX]
    languages = _languages(t)
    chosen = (client.language if client and client.language in LANGUAGES else None) or WORKSPACE_DEFAULT
    blocks = [
        _input("name", t("Client name"), named),
        _input("tier", t("Tier"), {"type": "static_select", "options": tiers,
                                   "initial_option": next(o for o in tiers if o["value"] == tier.value)}),
        _input("ae", t("AE"), people),
        _input("channel", t("Client's channel"), conversation,
               hint=t("The weekly report is drafted from this channel.")),
        _input("report_day", t("Weekly report day"), {"type": "static_select", "options": weekdays,
                                                      "initial_option": next(o for o in weekdays
                                                                             if o["value"] == report_day)}),
        _input("report_time", t("Weekly report time (HH:MM)"),
               {"type": "plain_text_input", "max_length": 5,
                "initial_value": client.report_time if client else REPORT_TIME},
               hint=t("In the AE's time zone.")),
        _input("call_days", t("Progress-call days"), checks, optional=True,
               hint=t("Left at the tier's default (A every weekday, B Monday and Thursday, C Monday), they follow "
                      "the tier you pick. None ticked: the tier's default.")),
        _input("contacts", t("Client contacts"), guests, optional=True,
               hint=t("They confirm deliverables with a button.")),
        _input("payment_terms", t("Payment terms (days)"),
               {"type": "plain_text_input", "max_length": 3,
                "initial_value": str(client.payment_terms_days if client else TERMS_DEFAULT)}),
        _input("language", t("Language"), {"type": "static_select", "options": languages,
                                           "initial_option": next(o for o in languages if o["value"] == chosen)},
               hint=t("What ae-bot writes in the client's channel: work-order cards, reports.")),
    ]
    meta = {"client_id": client.id if client else None, "tier": tier.value, "reply": reply_channel}
    return {
        "type": "modal", "callback_id": CLIENT_CALLBACK,
        "title": {"type": "plain_text", "text": t("Edit client") if client else t("New client")},
        "submit": {"type": "plain_text", "text": t("Save")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps(meta),
        "blocks": blocks,
    }


def _days(call_days: str, t: Text) -> str:
    days = [d for d in DAYS if d in call_days.split(",")]
    if days == list(DAYS):
        return t("every weekday")
    return t.join([day_name(d, t, "abbreviated") for d in days]) or t("no call days")


def next_report(when, t: Text | None = None) -> str:
    t = t or text_for("en")
    return moment(when, t) if when else t("none (no channel)")


def language_name(client: Client, t: Text) -> str:
    return NAMES[client.language] if client.language in LANGUAGES else t("the workspace's language")


def line(row: ClientRow, t: Text) -> str:
    c = row.client
    channel = f"<#{c.channel_id}>" if c.channel_id else t("no channel")
    return t("• *{name}* · tier {tier} · AE {ae} · {channel} · next report {next} · posts in {language}",
             name=esc(plain(c.name, NAME_MAX)), tier=Tier(c.tier).value, ae=mention(c.ae_id), channel=channel,
             next=next_report(row.next_report, t), language=language_name(c, t))


def client_list(rows: list[ClientRow], t: Text) -> dict:
    if not rows:
        text = t("No clients yet. Add one with `/client add NAME` in the client's channel.")
        return {"text": text, "blocks": [section(text)]}
    title = t.plural("*Client ({n})*", "*Clients ({n})*", len(rows))
    blocks = packed_sections(title, [line(r, t) for r in rows], max_sections=MESSAGE_BLOCKS - 1, t=t)
    blocks.append(context(t("Report times are shown in your time zone.") + " " + usage_line(t)))
    return {"text": t.plural("{n} client", "{n} clients", len(rows)), "blocks": blocks}


_SAVED = {   # one whole sentence per outcome (the verb is not glued in); {terms} is "45 days"
    "added": N_("Added *{name}* (tier {tier}, AE {ae}, {channel}): weekly report {day}s at {time} the AE's time "
                "(next {next}), progress calls {days}, payment terms {terms}."),
    "updated": N_("Updated *{name}* (tier {tier}, AE {ae}, {channel}): weekly report {day}s at {time} the AE's "
                  "time (next {next}), progress calls {days}, payment terms {terms}."),
    "same": N_("No changes to *{name}* (tier {tier}, AE {ae}, {channel}): weekly report {day}s at {time} the AE's "
               "time (next {next}), progress calls {days}, payment terms {terms}."),
}
_SAVED_TEXT = {"added": N_("Added client {name}"), "updated": N_("Updated client {name}"),
               "same": N_("No changes to client {name}")}


def saved_reply(saved: Saved, t: Text | None = None) -> dict:
    t = t or text_for("en")
    c = saved.client
    outcome = "added" if saved.created else ("updated" if saved.changed else "same")
    text = t(_SAVED[outcome], name=esc(plain(c.name, NAME_MAX)), tier=Tier(c.tier).value, ae=mention(c.ae_id),
             channel=f"<#{c.channel_id}>", day=day_name(c.report_day, t), time=c.report_time,
             next=next_report(saved.next_report, t), days=_days(c.call_days, t),
             terms=t.plural("{n} day", "{n} days", c.payment_terms_days))
    return {"text": t(_SAVED_TEXT[outcome], name=c.name), "blocks": [section(text)]}


def usage(problem: str | None = None, t: Text | None = None) -> dict:
    """`problem`: a sentence already in the reader's words."""
    t = t or text_for("en")
    text = f"{problem}\n{usage_line(t)}" if problem else usage_line(t)
    return {"response_type": "ephemeral", "text": text}


def which_client(t: Text) -> str:
    return t("Which client? Give its name: `/client edit NAME`.")


def unknown_word(word: str, t: Text) -> str:
    return t("I don't know `/client {word}`. These are the ones I know:", word=esc(word))


def home_lines(rows: list[ClientRow], t: Text | None = None) -> list[str]:
    """App Home's "My clients": name, tier and next report."""
    t = t or text_for("en")
    return [t("• *{name}* · tier {tier} · next report {next}", name=esc(plain(r.client.name, NAME_MAX)),
              tier=Tier(r.client.tier).value, next=next_report(r.next_report, t)) for r in rows]


def home_blocks(rows: list[ClientRow], t: Text | None = None) -> list[dict]:
    """App Home's "My clients" (AEs only): at most 4 blocks, so the tab stays far below 100."""
    t = t or text_for("en")
    if not rows:
        return []
    return [{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": t("My clients")}},
            *packed_sections("", home_lines(rows, t), max_sections=2, t=t)]
