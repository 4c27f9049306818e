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
    "minutes_no_title": N_("Give the meeting a title."),
    "minutes_title_too_long": N_("Keep the title under {limit} characters (it has {length})."),
    "minutes_no_date": N_("Pick the date of the meeting."),
    "minutes_too_many_attendees": N_("At most {limit} attendees can sign. Pick fewer."),
    "minutes_too_many_external": N_("At most {limit} external names, one per line. Remove some."),
    "minutes_notes_too_long": N_("The notes are too long ({limit} characters at most). Shorten them."),
    "minutes_decisions_too_long": N_("The decisions are too long ({limit} characters at most). Shorten them."),
    "minutes_too_many_items": N_("At most {limit} action items fit in one set of minutes. Give the rest "
                                 "with /task."),
    "minutes_not_author": N_("Only {author}, who wrote these minutes, can edit them. Ask them, or request "
                             "changes instead."),
    "minutes_gone": N_("Those minutes no longer exist in this workspace. Write new ones with /minutes."),


    # --- sign-offs -------------------------------------------------------------------------------
    "minutes_not_attendee": N_("Only the attendees of this meeting can sign off. If you were there, ask the "
                               "author to add you."),
    "minutes_no_comment": N_("Say what should change."),
    "minutes_outdated": N_("These minutes have changed since that message (now version {version}). Please "
                           "read the minutes again and sign there."),
    "minutes_outdated_link": N_("These minutes have changed since that message (now version {version}). "
                                "Please read <{link}|the minutes> again and sign there."),


    # --- clients ---------------------------------------------------------------------------------


    # --- work orders -----------------------------------------------------------------------------


    # --- invoices and money ----------------------------------------------------------------------
    "invoice_gone": N_("That invoice no longer exists. `/invoice list` shows the open ones."),
    "invoice_issue_not_allowed": N_("Only finance can issue invoices. Ask {who}."),
    "invoice_issue_ask_admin": N_("Only finance can issue invoices. Ask a workspace admin."),
    "invoice_pay_not_allowed": N_("Only finance can mark invoices paid. Ask {who}."),
    "invoice_pay_ask_admin": N_("Only finance can mark invoices paid. Ask a workspace admin."),
    "invoice_view_not_allowed": N_("Only finance and leads can see invoices. Ask {who}."),
    "invoice_view_ask_admin": N_("Only finance and leads can see invoices. Ask a workspace admin."),
    "invoice_pick_work_order": N_("Pick the closed work order to invoice."),
    "invoice_work_order_gone": N_("That work order no longer exists. Pick another one."),
    "invoice_already_invoiced": N_("{number} is already invoiced. Pick another work order."),
    "invoice_work_order_not_closed": N_("{number} isn't closed yet: finance closes a job before it is invoiced."),
    "invoice_number_missing": N_("Give the invoice its number."),
    "invoice_number_too_long": N_("Keep the number under {limit} characters."),
    "invoice_number_taken": N_("Invoice {number} already exists; numbers are unique. Give another one."),
    "invoice_bad_currency": N_("Write the currency as a three-letter code, e.g. USD, EUR, JPY."),
    "invoice_issue_date_missing": N_("Pick the issue date."),
    "invoice_number_just_used": N_("That invoice number was just used; give another one."),
    "invoice_work_order_just_invoiced": N_("That work order was just invoiced. Pick another one."),
    "invoice_paid_on_missing": N_("Pick the day the money arrived."),
    "invoice_paid_on_future": N_("{date} is in the future; record a payment once it has arrived."),
    "invoice_paid_on_before_issue": N_("That is before the invoice was issued ({date}). Pick a later day."),


    # --- calls, goals, planning, reports, digest ---------------------------------------------------
    "report_gone": N_("I can't find that weekly report any more. The next one comes with its usual DM."),
    "report_client_gone": N_("I can't find that client (or its channel) any more. Check it with `/client`."),
    "report_not_yours": N_("This weekly report is {owner}'s to post. Ask them, or wait for your own."),
    "report_already_posted": N_("This report is already in <#{channel}> (posted by {person}). Nothing more "
                                "to do: next week's comes as usual."),
    "report_nothing_to_snooze": N_("This report is already in <#{channel}> (posted by {person}), so there is "
                                   "nothing to snooze."),
    "report_empty": N_("Write the report, or Cancel to keep the draft."),
    "report_too_long": N_("Keep it under {limit} characters."),
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
