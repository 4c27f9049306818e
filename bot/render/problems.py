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


    # --- calls, goals, planning, reports, digest ---------------------------------------------------


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
