"""What an error code says to the person who reads it, in their language.

Services raise `UserError(code, **params)`; this is the one table of what each code says. Every
message says what to do next. Sections by domain, so each domain's messages sit together.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..errors import InvalidInput, Money, Problem, User, UserError
from ..i18n import N_, Text
from .text import esc, mention

MESSAGES: dict[str, str] = {
    "invalid": N_("That didn't look right. Check the form and try again."),

    # --- tasks -----------------------------------------------------------------------------------
    "task_no_owner": N_("Who is it for? Start with an @mention."),
    "task_no_text": N_("Say what is to be done."),
    "task_bad_date": N_("I can't read the date “{word}”. Write it as YYYY-MM-DD, or a word such as "
                        "“tomorrow” or “friday”."),
    "task_owner_required": N_("Choose who owns this item."),
    "task_text_too_long": N_("Keep it under {limit} characters."),
    "item_gone": N_("That action item no longer exists (it may have been removed in an edit)."),
    "item_not_yours": N_("Only {owner}, who owns this item, or {creator}, who gave it, can mark it done."),
    "due_in_past": N_("The due date {date} is in the past. Pick today or a later day."),

    # --- minutes ---------------------------------------------------------------------------------


    # --- sign-offs -------------------------------------------------------------------------------


    # --- clients ---------------------------------------------------------------------------------


    # --- work orders -----------------------------------------------------------------------------


    # --- invoices and money ----------------------------------------------------------------------


    # --- calls, goals, planning, reports, digest ---------------------------------------------------


    # --- settings, people ------------------------------------------------------------------------
    "zone_unknown": N_("I don't know the time zone “{zone}”. Write it like Europe/Madrid or America/New_York."),
    "zone_unknown_near": N_("I don't know the time zone “{zone}”. Did you mean {near}? Write it like "
                            "Europe/Madrid or America/New_York."),
    "time_unreadable": N_("Write a time as HH:MM on a 24-hour clock, e.g. {example}."),
    "setting_gone": N_("That choice is no longer offered. Close this form and open /ae settings again."),
    "workspace_tz_admin_only": N_("Only a workspace admin or owner can change the workspace time zone. "
                                  "Ask one of them."),
    "workspace_language_admin_only": N_("Only a workspace admin or owner can change the language of channel "
                                        "posts. Ask one of them."),
    "finance_admin_only": N_("Only a workspace admin or owner can choose who is in finance. Ask one of them."),
    "lead_admin_only": N_("Only a workspace admin or owner can choose the leads. Ask one of them."),
    "away_missing": N_("When are you away? Give your first and last day."),
    "away_unreadable": N_("I can't read “{text}” as two dates: write the first and last day as YYYY-MM-DD."),
    "away_backwards": N_("{first} is after {last}: put the first day first."),
    "away_past": N_("{last} is in the past: pick days from today on."),
    "away_too_long": N_("That is {days} days; the most is {limit}. Set a shorter time away."),


    # --- amounts (bot/amounts.py) ------------------------------------------------------------------
    "amount_missing": N_("Enter an amount, for example {example}."),
    "amount_not_positive": N_("The amount must be more than zero."),
    "amount_too_large": N_("That amount is too large."),
    "amount_unreadable": N_("I can't read “{text}” as an amount. Write it like {example}."),
    "amount_ambiguous": N_("“{text}” could be read two ways. Write {thousands} if you mean thousands, "
                           "or {decimal} for an amount with decimals."),
    "amount_ambiguous_whole": N_("“{text}” could be read two ways. Write {thousands} if you mean thousands."),
    "amount_no_decimals": N_("{currency} amounts have no decimals: write a whole number, like {example}."),
    "amount_too_many_decimals": N_("{currency} amounts have at most {places} decimals, like {example}."),
}


def _value(v, t: Text) -> str:
    if isinstance(v, User):
        return mention(v.id)
    if isinstance(v, Money):
        return t.money(v.amount, v.currency)
    if isinstance(v, date):
        return t.date(v)
    if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return t.number(v)
    if isinstance(v, (list, tuple)):
        return t.join([_value(x, t) for x in v])
    return esc(str(v))


def describe(problem: Problem | UserError | str, t: Text) -> str:
    """The problem in the reader's words. (A plain string is shown as is.)"""
    if isinstance(problem, UserError):
        problem = problem.problem
    if isinstance(problem, str):
        return problem
    msgid = MESSAGES.get(problem.code)
    if msgid is None:
        # Until every service speaks codes, an English sentence raised as is is shown as is.
        return problem.code if " " in problem.code else t(MESSAGES["invalid"])
    return t(msgid, **{k: _value(v, t) for k, v in problem.params.items()})


def modal_errors(e: InvalidInput, t: Text) -> dict[str, str]:
    """`response_action: errors` for a modal: each block's problem in the reader's words (plain text)."""
    return {block: describe(p, t) for block, p in e.errors.items()}
