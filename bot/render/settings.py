"""/ae settings (the modal and what was saved) and /ae away (the answers), in the reader's language:
every function takes the `Text` of the person who typed the command (the one who reads the answer)."""
from __future__ import annotations

import json
from datetime import date

from ..errors import Problem
from ..i18n import LANGUAGES, N_, NAMES, Text
from ..services.settings import OPT_OUTS, RULE_TIMES, SLACK_LANGUAGE, Current, fmt
from .problems import describe
from .text import context, day, esc, input_block, section, text_input

SETTINGS_CALLBACK = "settings_modal"
TIME_LABELS = {
    "item_due": N_("Action items due"), "daily_call": N_("Daily call list (weekdays)"),
    "weekly_report": N_("Weekly client report (Monday)"), "weekly_planning": N_("Weekly planning (Sunday)"),
    "quarterly_review": N_("Quarterly goal review"),
}
OPT_OUT_LABELS = {
    "item_due": N_("Action items due tomorrow or today"), "item_overdue": N_("Overdue action items"),
    "signoff_nudge": N_("Minutes waiting for my sign-off"), "daily_call": N_("Daily call list"),
    "weekly_report": N_("Monday report draft"), "quarterly_review": N_("Quarterly and yearly goal reviews"),
}
PLANNING_LABEL = N_("Send me the coming week's plan on Sunday evening")


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


def _select(options: list[dict], chosen: str) -> dict:
    return {"type": "static_select", "options": options,
            "initial_option": next((o for o in options if o["value"] == chosen), options[0])}


def _people(initial: list[str], t: Text) -> dict:
    el = {"type": "multi_users_select", "max_selected_items": 20,
          "placeholder": {"type": "plain_text", "text": t("Pick people")}}
    if initial:   # Slack refuses an empty initial_users
        el["initial_users"] = initial
    return el


def _languages() -> list[dict]:
    """Each language named in itself, so a person who can't read the current one still finds theirs."""
    return [_option(NAMES[lang], lang) for lang in LANGUAGES]


def settings_modal(cur: Current, is_admin: bool, t: Text, channel: str | None = None) -> dict:
    zone_hint = (t("Leave empty to use your Slack time zone ({zone}).", zone=cur.slack_tz) if cur.slack_tz
                 else t("Leave empty to use your Slack time zone (not known yet)."))
    e_g = t("e.g. {example}", example="Europe/Madrid")
    blocks = [
        _input("language", t("Language"), _select(
            [_option(t("Slack's language ({language})", language=NAMES[cur.slack_language]), SLACK_LANGUAGE),
             *_languages()], cur.language or SLACK_LANGUAGE),
            t("What I write to you in: messages, forms and your Home tab.")),
        section(t("*Your reminders.* Times are in your own time zone; leave a field empty for the default.")),
        _input("tz", t("Time zone"), _text(cur.tz_override, e_g), zone_hint),
    ]
    for rule, default in RULE_TIMES.items():
        blocks.append(_input(f"time_{rule}", t(TIME_LABELS[rule]), _text(cur.times.get(rule), fmt(default), 5),
                             t("HH:MM, 24-hour clock. Default {time}.", time=fmt(default))))
    blocks.append(_input("opt_out", t("Don't send me"), _checkboxes(
        [_option(t(OPT_OUT_LABELS[r]), r) for r in OPT_OUTS], [r for r in OPT_OUTS if r in cur.opted_out])))
    blocks.append(_input("weekly_planning", t("Weekly planning"), _checkboxes(
        [_option(t(PLANNING_LABEL), "on")], ["on"] if cur.weekly_planning else [])))
    if cur.away_until:
        blocks.append(context(t("🌴 Away {first} to {last}: no reminders then. `/ae away off` ends it.",
                                first=t.date(cur.away_from), last=t.date(cur.away_until))))
    if is_admin:
        blocks.append({"type": "divider"})
        blocks.append(section(t("*Workspace.* Only workspace admins see these.")))
        blocks.append(_input("workspace_language", t("Language of channel posts"),
                             _select(_languages(), cur.workspace_language),
                             t("Summaries, cards and digests in channels; a client's own language comes first.")))
        blocks.append(_input("workspace_tz", t("Workspace time zone"), _text(cur.workspace_tz, e_g),
                             t("For channel digests; empty means UTC.")))
        blocks.append(_input("finance", t("Finance"), _people(cur.roles.get("finance", []), t),
                             t("Close jobs, issue invoices, mark them paid. Nobody named: workspace admins.")))
        blocks.append(_input("lead", t("Leads"), _people(cur.roles.get("lead", []), t),
                             t("Get escalations, e.g. invoices 15 days overdue. Nobody named: workspace admins.")))
    return {
        "type": "modal", "callback_id": SETTINGS_CALLBACK,
        "title": {"type": "plain_text", "text": t("ae-bot settings")},
        "submit": {"type": "plain_text", "text": t("Save")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps({"channel": channel}),
        "blocks": blocks,
    }


def saved_reply(cur: Current, t: Text, workspace: bool = False) -> dict:
    """What was saved, in the language just chosen (`t` is read after the save)."""
    lines = [t("⚙️ *Settings saved.* Time zone: {zone}.", zone=esc(cur.tz_override)) if cur.tz_override
             else t("⚙️ *Settings saved.* Time zone: {zone}, from Slack.", zone=esc(cur.slack_tz or "UTC"))]
    lines.append(t("Language: {language}.", language=NAMES[cur.language]) if cur.language
                 else t("Language: {language}, from Slack.", language=NAMES[cur.slack_language]))
    moved = [(r, hm) for r, hm in cur.times.items() if hm != fmt(RULE_TIMES[r])]
    if moved:
        lines.append(t("Reminders at other times:"))
        lines += [f"• {t(TIME_LABELS[r])}: {hm}" for r, hm in moved]
    off = [r for r in OPT_OUTS if r in cur.opted_out]
    if off:
        lines.append(t("Not sent to you:"))
        lines += [f"• {t(OPT_OUT_LABELS[r])}" for r in off]
    if cur.weekly_planning:
        lines.append(t("Weekly planning: on, Sunday at {time}.", time=cur.times["weekly_planning"]))
    if workspace:
        lines.append(t("Channel posts: {language}. Workspace time zone: {zone}.",
                       language=NAMES[cur.workspace_language], zone=esc(cur.workspace_tz)))
    return {"text": t("Settings saved"), "blocks": [section("\n".join(lines))]}


def away_usage_line(t: Text) -> str:
    return t("Usage: `/ae away YYYY-MM-DD..YYYY-MM-DD` (up to 90 days), or `/ae away off`.")


def away_set(first: date, last: date, t: Text) -> dict:
    return {"text": t("🌴 Away from {first} to {last}: no reminders for you on those days. "
                      "`/ae away off` if you come back early.", first=day(first, t), last=day(last, t))}


def away_cleared(was_away: bool, t: Text) -> dict:
    return {"text": t("👋 Welcome back: your reminders are on again.") if was_away
            else t("You weren't set as away.") + " " + away_usage_line(t)}


def away_usage(problem: Problem, t: Text) -> dict:
    """What was wrong with an /ae away line, and how to write one (one line)."""
    return {"text": describe(problem, t) + " " + away_usage_line(t)}
