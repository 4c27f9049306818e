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
    "client_name_missing": N_("Give the client a name."),
    "client_name_too_long": N_("Keep the name under {limit} characters."),
    "client_name_taken": N_("There is already a client called “{name}”."),
    "client_taken": N_("There is already a client with that name or channel. Pick another name or channel."),
    "client_tier_missing": N_("Pick the tier."),
    "client_ae_missing": N_("Pick the client's AE."),
    "client_channel_missing": N_("Pick the client's channel: the weekly report is drafted from it."),
    "client_channel_dm": N_("Pick a channel, not a direct message."),
    "client_channel_taken": N_("That channel is already {client}'s channel. Pick another one."),
    "client_report_day_missing": N_("Pick a weekday for the report."),
    "client_bad_time": N_("Write the time as HH:MM, e.g. 12:00 or 16:30."),
    "client_bad_terms": N_("Write the payment terms as a whole number of days, e.g. 45."),
    "client_terms_range": N_("Payment terms are between {low} and {high} days."),
    "client_too_many_contacts": N_("Pick at most {limit} contacts."),
    "client_bad_language": N_("Pick a language from the list."),
    "client_gone": N_("I can't find that client any more. `/client list` shows the clients there are."),
    "client_not_found": N_("No client called “{name}”. `/client list` shows them all."),
    "client_not_found_close": N_("No client called “{name}”. Did you mean: {names}?"),
    "client_not_found_none": N_("No client called “{name}” — there are no clients yet. Add one with "
                                "`/client add NAME`."),


    # --- work orders -----------------------------------------------------------------------------
    "workorder_client_missing": N_("Pick the client."),
    "workorder_kind_missing": N_("Pick the kind of work."),
    "workorder_title_missing": N_("Give the work order a title."),
    "workorder_title_too_long": N_("Keep the title under {limit} characters (it has {length})."),
    "workorder_brief_too_long": N_("Keep the brief under {limit} characters; link to longer documents."),
    "workorder_currency_missing": N_("Pick the currency."),
    "workorder_vendor_too_long": N_("Keep the vendor under {limit} characters."),
    "workorder_due_missing": N_("Pick the due date."),
    "workorder_client_gone": N_("That client no longer exists; pick another."),
    "workorder_gone": N_("That work order no longer exists in this workspace. Run `/workorder` to open a new one."),
    "workorder_deliverable_missing": N_("Say what was delivered."),
    "workorder_deliverable_too_long": N_("Keep it under {limit} characters; link to the files."),
    "workorder_no_signers": N_("Pick who worked on it (this client has no contacts on file to confirm)."),
    "workorder_too_many_signers": N_("At most {limit} people can sign one deliverable. Pick fewer."),
    "workorder_comment_missing": N_("Say what should change."),
    "workorder_outdated": N_("{number} was delivered again since that message (now version {version}). "
                             "Please look at the newest sign-off card and sign there."),
    "workorder_changed_meanwhile": N_("Someone changed {number} at the same moment. Look at its card and try again."),
    "workorder_owner_only_deliver": N_("Only the client's AE or whoever opened {number} can mark it delivered. "
                                       "Ask {people}."),
    "workorder_owner_only_signoff": N_("Only the client's AE or whoever opened {number} can ask for sign-off. "
                                       "Ask {people}."),
    "workorder_not_signer": N_("Only the people asked to sign {number}'s deliverable can sign it off. "
                               "Ask its AE to add you."),
    "workorder_finance_only": N_("Only finance can close a job. Ask {people}."),
    "workorder_finance_only_admin": N_("Only finance can close a job. Ask a workspace admin."),
    "workorder_is_open": N_("{number} is open: nothing has been delivered yet. Mark it delivered first."),
    "workorder_is_delivered": N_("{number} is delivered but not closed yet. Finance closes it first, then it "
                                 "can be invoiced."),
    "workorder_is_closed": N_("{number} is closed: the job is finished and can't change. Open a new work order "
                              "with `/workorder` for more work."),
    "workorder_is_invoiced": N_("{number} is invoiced: the job is finished and can't change. Open a new work "
                                "order with `/workorder` for more work."),


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
    "roles_admin_only": N_("Only workspace admins can choose who is finance and who is lead. Ask one of them."),
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


def _value(v, t: Text, plain: bool = False) -> str:
    if isinstance(v, User):
        return mention(v.id)
    if isinstance(v, Money):
        return t.money(v.amount, v.currency)
    if isinstance(v, date):
        return t.date(v)
    if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
        return t.number(v)
    if isinstance(v, (list, tuple)):
        return t.join([_value(x, t, plain) for x in v])
    return str(v) if plain else esc(str(v))


def describe(problem: Problem | UserError | str, t: Text, plain: bool = False) -> str:
    """The problem in the reader's words (`plain`: for a modal's plain-text error, nothing escaped).
    (A plain string is shown as is.)"""
    if isinstance(problem, UserError):
        problem = problem.problem
    if isinstance(problem, str):
        return problem
    msgid = MESSAGES.get(problem.code)
    if msgid is None:
        # Until every service speaks codes, an English sentence raised as is is shown as is.
        return problem.code if " " in problem.code else t(MESSAGES["invalid"])
    return t(msgid, **{k: _value(v, t, plain) for k, v in problem.params.items()})


def modal_errors(e: InvalidInput, t: Text) -> dict[str, str]:
    """`response_action: errors` for a modal: each block's problem in the reader's words (plain text)."""
    return {block: describe(p, t, plain=True) for block, p in e.errors.items()}
