"""/ae settings (the modal and what was saved) and /ae away (the answers)."""
from __future__ import annotations

import json
from datetime import date

from ..services.settings import AWAY_USAGE, OPT_OUTS, RULE_TIMES, Current, fmt
from .text import context, esc, input_block, section, text_input

SETTINGS_CALLBACK = "settings_modal"
TIME_LABELS = {
    "item_due": "Action items due", "daily_call": "Daily call list (weekdays)",
    "weekly_report": "Weekly client report (Monday)", "weekly_planning": "Weekly planning (Sunday)",
    "quarterly_review": "Quarterly goal review",
}
OPT_OUT_LABELS = {
    "item_due": "Action items due tomorrow or today", "item_overdue": "Overdue action items",
    "signoff_nudge": "Minutes waiting for my sign-off", "daily_call": "Daily call list",
    "weekly_report": "Monday report draft", "quarterly_review": "Quarterly and yearly goal reviews",
}
PLANNING_LABEL = "Send me the coming week's plan on Sunday evening"


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _input(block_id: str, label: str, element: dict, hint: str | None = None, optional: bool = True) -> dict:
    return input_block(block_id, label, element, optional, hint)


def _text(initial: str | None, placeholder: str, max_length: int = 64) -> dict:
    return text_input(initial, max_length=max_length, placeholder=placeholder)


def _checkboxes(options: list[dict], chosen: list[str]) -> dict:
    el = {"type": "checkboxes", "options": options}
    initial = [o for o in options if o["value"] in chosen]
    if initial:   # Slack refuses an empty initial_options
        el["initial_options"] = initial
    return el


def _people(initial: list[str]) -> dict:
    el = {"type": "multi_users_select", "max_selected_items": 20,
          "placeholder": {"type": "plain_text", "text": "Pick people"}}
    if initial:   # Slack refuses an empty initial_users
        el["initial_users"] = initial
    return el


def settings_modal(cur: Current, is_admin: bool, channel: str | None = None) -> dict:
    slack_tz = cur.slack_tz or "not known yet"
    blocks = [
        section("*Your reminders.* Times are in your own time zone; leave a field empty for the default."),
        _input("tz", "Time zone", _text(cur.tz_override, "e.g. Europe/Madrid"),
               f"Leave empty to use your Slack time zone ({slack_tz})."),
    ]
    for rule, default in RULE_TIMES.items():
        blocks.append(_input(f"time_{rule}", TIME_LABELS[rule], _text(cur.times.get(rule), fmt(default), 5),
                             f"HH:MM, 24-hour clock. Default {fmt(default)}."))
    blocks.append(_input("opt_out", "Don't send me", _checkboxes(
        [_option(OPT_OUT_LABELS[r], r) for r in OPT_OUTS], [r for r in OPT_OUTS if r in cur.opted_out])))
    blocks.append(_input("weekly_planning", "Weekly planning", _checkboxes(
        [_option(PLANNING_LABEL, "on")], ["on"] if cur.weekly_planning else [])))
    if cur.away_until:
        blocks.append(context(f"🌴 Away {cur.away_from} to {cur.away_until}: no reminders then. "
                              "`/ae away off` ends it."))
    if is_admin:
        blocks.append({"type": "divider"})
        blocks.append(_input("workspace_tz", "Workspace time zone", _text(cur.workspace_tz, "e.g. Europe/Madrid"),
                             "For channel digests; empty means UTC. Only workspace admins see this.",
                             optional=True))
        blocks.append(_input("finance", "Finance", _people(cur.roles.get("finance", [])),
                             "Close jobs, issue invoices, mark them paid. Nobody named: workspace admins."))
        blocks.append(_input("lead", "Leads", _people(cur.roles.get("lead", [])),
                             "Get escalations, e.g. invoices 15 days overdue. Nobody named: workspace admins."))
    return {
        "type": "modal", "callback_id": SETTINGS_CALLBACK,
        "title": {"type": "plain_text", "text": "ae-bot settings"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": channel}),
        "blocks": blocks,
    }


def saved_reply(cur: Current) -> dict:
    zone = cur.tz_override or f"{cur.slack_tz or 'UTC'} (from Slack)"
    moved = [f"{TIME_LABELS[r].lower()} at {t}" for r, t in cur.times.items() if t != fmt(RULE_TIMES[r])]
    off = [OPT_OUT_LABELS[r].lower() for r in OPT_OUTS if r in cur.opted_out]
    lines = [f"⚙️ *Settings saved.* Time zone: {esc(zone)}."]
    if moved:
        lines.append("Reminders: " + "; ".join(moved) + ".")
    if off:
        lines.append("Not sent to you: " + "; ".join(off) + ".")
    if cur.weekly_planning:
        lines.append("Weekly planning: on, Sunday at " + cur.times["weekly_planning"] + ".")
    return {"text": "Settings saved", "blocks": [section("\n".join(lines))]}


def away_set(first: date, last: date) -> dict:
    return {"text": f"🌴 Away from {first} to {last}: no reminders for you on those days. "
                    "`/ae away off` if you come back early."}


def away_cleared(was_away: bool) -> dict:
    return {"text": "👋 Welcome back: your reminders are on again." if was_away
            else "You weren't set as away. " + AWAY_USAGE}


def away_usage(message: str) -> dict:
    return {"text": message if AWAY_USAGE in message else f"{message} {AWAY_USAGE}"}
