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
    "call_no_who": N_("Say who you spoke to."),
    "call_who_too_long": N_("Keep it under {limit} characters."),
    "call_bad_duration": N_("Write the duration as a whole number of minutes, e.g. 15."),
    "call_duration_range": N_("A call lasts between {min} and {max} minutes. Write a duration in that range."),
    "call_no_outcome": N_("Say how the call went."),
    "call_outcome_too_long": N_("Keep the outcome under {limit} characters."),
    "call_follow_up_no_owner": N_("Pick who owns the follow-up."),
    "call_follow_up_no_text": N_("Say what the follow-up is (or clear its owner and date)."),
    "call_client_gone": N_("I can't find that client any more; pick another."),
    "call_pick_client": N_("Pick the client."),
    "goals_too_many": N_("Keep it to {max} goals or fewer (you have {count}): remove a line or two."),
    "goal_too_long": N_("Goal {line} is longer than {limit} characters; shorten it."),
    "goals_form_stale": N_("That form is out of date; run /goals again."),
    "goal_gone": N_("That goal no longer exists (it may have been replaced with /goals). Type `/goals` to see "
                    "your goals."),
    "goal_not_yours": N_("Only {owner}, whose goal this is, can mark it: ask them to."),


    # --- settings, people ------------------------------------------------------------------------


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
