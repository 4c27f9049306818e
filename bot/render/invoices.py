"""Invoices: the /invoice modal, the DMs, Mark paid, the aging report, the CSV export, collection reminders.

Every function takes the reader's `Text` (`t`): whoever typed /invoice or clicked reads the replies and
the modals; the recipient reads a DM or a reminder. Money through `t.money`, dates through `day(d, t)`.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from babel.numbers import get_decimal_symbol

from ..amounts import example
from ..i18n import N_, Text, text_for
from ..models import InvoiceStatus
from ..services.invoices import (BUCKETS, DAYS_15, DAYS_30, DAYS_31_UP, NOT_DUE, Aging, AgingLine, InvoiceCard,
                                 minor_units)
from .text import button, context, day, esc, fit, input_block, mention, packed_sections, plain, section, text_input

INVOICE_CALLBACK = "invoice_modal"
PAID_CALLBACK = "invoice_paid_modal"
MARK_PAID = "invoice_mark_paid"
USAGE = N_("Usage: `/invoice` (issue one from a closed work order), `/invoice list`, `/invoice export`.")
BUCKET_LABELS = {NOT_DUE: N_("Not due"), DAYS_15: N_("0–15 days overdue"), DAYS_30: N_("16–30 days overdue"),
                 DAYS_31_UP: N_("31+ days overdue")}
LIST_LINES = 15          # invoices listed per bucket in /invoice list (the export has them all)
LIST_BUTTONS = 10        # the oldest ones get a Mark paid button
CSV_HEADER = [N_("number"), N_("client"), N_("work order"), N_("amount"), N_("currency"), N_("issued"), N_("due"),
              N_("status"), N_("paid on"), N_("days overdue")]
CSV_STATUS = {InvoiceStatus.open: N_("open"), InvoiceStatus.paid: N_("paid")}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def totals_text(sums: dict[str, Decimal], t: Text | None = None) -> str:
    t = t or text_for(None)
    return " · ".join(t.money(v, c) for c, v in sums.items()) or "—"


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": plain(text, 75)}, "value": value}


def _input(block_id: str, label: str, element: dict, hint: str | None = None, optional: bool = False) -> dict:
    return input_block(block_id, label, element, optional, hint)


def _text(placeholder: str, max_length: int) -> dict:
    return text_input(max_length=max_length, placeholder=placeholder)


def work_order_label(wo, client) -> str:
    return f"{wo.number} · {client.name} · {wo.title}"


def invoice_modal(choices: list, today: date, channel: str | None, t: Text) -> dict:
    options = [_option(work_order_label(w, c), str(w.id)) for w, c in choices]
    written = example(t, None, "12500.00")     # 12,500.00 · 12.500,00: the reader's own notation
    return {
        "type": "modal", "callback_id": INVOICE_CALLBACK,
        "title": {"type": "plain_text", "text": t("Issue an invoice")},
        "submit": {"type": "plain_text", "text": t("Issue")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps({"channel": channel}),
        "blocks": [
            _input("work_order", t("Closed work order"), {
                "type": "static_select", "options": options,
                "placeholder": {"type": "plain_text", "text": t("Pick one")}}),
            _input("number", t("Invoice number"), _text(t("e.g. {example}", example="INV-2026-118"), 40),
                   t("Unique in this workspace.")),
            _input("amount", t("Amount"), _text(t("e.g. {example}", example=written), 24),
                   t("Decimals after “{point}”, as in {example}.", point=get_decimal_symbol(t.locale),
                     example=written)),
            _input("currency", t("Currency"), _text(t("e.g. {example}", example="USD"), 3),
                   t("Leave empty for the work order's currency."), optional=True),
            _input("issued_on", t("Issue date"), {"type": "datepicker", "initial_date": today.isoformat()},
                   t("The due date follows from the client's payment terms.")),
        ],
    }


def _summary(card: InvoiceCard, t: Text) -> str:
    inv, wo, c = card.invoice, card.work_order, card.client
    return (t("*Invoice {number}* · {client} · {work_order} {title}", number=esc(inv.number), client=esc(c.name),
              work_order=esc(wo.number), title=esc(plain(wo.title, 150))) + "\n"
            + t("{amount} · issued {issued} · due {due}", amount=t.money(inv.amount, inv.currency),
                issued=day(inv.issued_on, t), due=day(inv.due_on, t)))


def issued_to_ae(card: InvoiceCard, t: Text) -> dict:
    inv, wo = card.invoice, card.work_order
    terms = card.client.payment_terms_days
    return {"text": t("Invoice {number} issued for {work_order}, due {date}", number=inv.number,
                      work_order=wo.number, date=t.date(inv.due_on)),
            "blocks": [section(t("🧾 Invoice *{number}* issued for {work_order} ({client}), due {date}.",
                                 number=esc(inv.number), work_order=esc(wo.number), client=esc(card.client.name),
                                 date=day(inv.due_on, t))),
                       context(t.plural("{amount} · payment terms {n} day. I'll remind you before it is due.",
                                        "{amount} · payment terms {n} days. I'll remind you before it is due.",
                                        terms, amount=t.money(inv.amount, inv.currency)))]}


def invoice_card(card: InvoiceCard, t: Text) -> dict:
    """Finance's copy: the invoice with Mark paid, or who recorded the payment."""
    inv = card.invoice
    blocks = [section(_summary(card, t))]
    if inv.paid_on:
        blocks.append(context(t("✅ Paid on {date}, recorded by {person}", date=day(inv.paid_on, t),
                                person=mention(inv.paid_by))))
    else:
        blocks.append({"type": "actions", "block_id": "invoice_actions",
                       "elements": [button(t("Mark paid"), MARK_PAID, str(inv.id), style="primary")]})
    return {"text": fit(t("Invoice {number} · {client}", number=inv.number, client=card.client.name), 3000)[0],
            "blocks": blocks}


def paid_modal(card: InvoiceCard, today: date, meta: dict, t: Text) -> dict:
    return {
        "type": "modal", "callback_id": PAID_CALLBACK,
        "title": {"type": "plain_text", "text": t("Mark paid")},
        "submit": {"type": "plain_text", "text": t("Mark paid")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps(meta),
        "blocks": [section(_summary(card, t)),
                   _input("paid_on", t("Paid on"), {"type": "datepicker", "initial_date": today.isoformat()},
                          t("The day the money arrived."))],
    }


def paid_notice(card: InvoiceCard, changed: bool, t: Text) -> dict:
    inv = card.invoice
    what = {"number": esc(inv.number), "client": esc(card.client.name), "date": day(inv.paid_on, t),
            "person": mention(inv.paid_by)}
    if changed:
        text = t("✅ Marked paid: invoice {number}", number=inv.number)
        line = t("✅ Marked paid: invoice *{number}* ({client}), paid on {date}, recorded by {person}.", **what)
    else:
        text = t("Invoice {number} was already paid", number=inv.number)
        line = t("This invoice was already paid: *{number}* ({client}), paid on {date}, recorded by {person}.",
                 **what)
    return {"text": text, "blocks": [section(line)]}


def _line(line: AgingLine, t: Text | None = None) -> str:
    t = t or text_for(None)
    inv, c = line.card.invoice, line.card.client
    what = {"number": esc(plain(inv.number, 40)), "client": esc(plain(c.name, 60)),
            "amount": t.money(inv.amount, inv.currency), "date": day(inv.due_on, t)}
    if not line.days_overdue:
        return "• " + t("{number} · {client} · {amount} · due {date}", **what)
    return "• " + t.plural("{number} · {client} · {amount} · due {date} · *{n} day overdue*",
                           "{number} · {client} · {amount} · due {date} · *{n} days overdue*",
                           line.days_overdue, **what)


def aging_report(aging: Aging, t: Text) -> dict:
    totals = aging.totals
    blocks = [section(t("*Open invoices by aging* (as of {date}; a day after the due date is 1 day overdue)",
                        date=day(aging.today, t)))]
    if not aging.count:
        blocks.append(context(t("No open invoices. 🎉")))
    for b in BUCKETS:
        lines = aging.buckets[b]
        head = f"*{t(BUCKET_LABELS[b])}* — {t.number(len(lines))} · {totals_text(totals[b], t)}"
        body = [_line(x, t) for x in lines[:LIST_LINES]]
        if len(lines) > LIST_LINES:
            body.append(t.plural("…and {n} more (`/invoice export` has them all)",
                                 "…and {n} more (`/invoice export` has them all)", len(lines) - LIST_LINES))
        blocks += packed_sections(head, body, max_sections=3, t=t)   # long names: more sections, never a cut line
    overdue = [x for x in aging.oldest(LIST_BUTTONS) if x.days_overdue]
    if overdue:
        blocks.append({"type": "divider"})
        for x in overdue:
            blocks.append(section(_line(x, t)[2:],
                                  accessory=button(t("Mark paid"), MARK_PAID, str(x.card.invoice.id))))
    return {"text": t.plural("{n} open invoice", "{n} open invoices", aging.count), "blocks": blocks}


# --- the CSV export ----------------------------------------------------------------------------------------

def safe_cell(value) -> str:
    """Text a spreadsheet will not run (OWASP CSV injection): a leading ' before = + - @ tab CR."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def invoices_csv(lines: list[AgingLine], t: Text) -> str:
    """Text cells are neutralised; amounts are our own Decimals written as plain numbers (validation keeps them
    above zero, so no amount ever starts with "-"), and they are not passed through safe_cell.

    The header row and the status words are in the exporter's language; dates (ISO 8601) and amounts (plain
    decimals with a dot, no grouping) stay machine-readable, so a spreadsheet in any locale sorts and sums them."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([t(h) for h in CSV_HEADER])
    for line in lines:
        inv, wo, c = line.card.invoice, line.card.work_order, line.card.client
        amount = format(inv.amount.quantize(Decimal(1).scaleb(-minor_units(inv.currency))), "f")
        w.writerow([safe_cell(inv.number), safe_cell(c.name), safe_cell(wo.number), amount,
                    safe_cell(inv.currency), inv.issued_on.isoformat(), inv.due_on.isoformat(),
                    t(CSV_STATUS[InvoiceStatus(inv.status)]), inv.paid_on.isoformat() if inv.paid_on else "",
                    str(line.days_overdue)])
    return out.getvalue()


# --- collection reminders -----------------------------------------------------------------------------------

def collection_reminder(card: InvoiceCard, recipient: str, today: date, t: Text, *, finance: bool, lead: bool,
                        finance_named: bool, lead_named: bool) -> dict:
    """The recipient's reminder, in their language (whole sentences per case)."""
    inv, c = card.invoice, card.client
    left = (inv.due_on - today).days
    what = {"number": esc(inv.number), "client": esc(c.name), "work_order": esc(card.work_order.number),
            "amount": t.money(inv.amount, inv.currency), "date": day(inv.due_on, t)}
    if left > 1:
        head = t.plural("🧾 Due in {n} day, on {date}: invoice *{number}* for *{client}* ({work_order}), {amount}.",
                        "🧾 Due in {n} days, on {date}: invoice *{number}* for *{client}* ({work_order}), {amount}.",
                        left, **what)
        text = t.plural("Invoice {number} due in {n} day", "Invoice {number} due in {n} days", left,
                        number=inv.number)
    elif left == 1:
        head = t("🧾 Due *tomorrow*, {date}: invoice *{number}* for *{client}* ({work_order}), {amount}.", **what)
        text = t("Invoice {number} due tomorrow", number=inv.number)
    elif left == 0:
        head = t("🧾 Due *today*: invoice *{number}* for *{client}* ({work_order}), {amount}.", **what)
        text = t("Invoice {number} due today", number=inv.number)
    else:
        head = t.plural("⚠️ *{n} day overdue* (due {date}): invoice *{number}* for *{client}* ({work_order}), "
                        "{amount}.",
                        "⚠️ *{n} days overdue* (due {date}): invoice *{number}* for *{client}* ({work_order}), "
                        "{amount}.", -left, **what)
        text = t.plural("Invoice {number} is {n} day overdue", "Invoice {number} is {n} days overdue", -left,
                        number=inv.number)
    blocks = [section(head)]
    notes = []
    if recipient == c.ae_id:
        notes.append(t("You are the client's AE: please follow up with them."))
    elif lead and not finance:
        notes.append(t("You are getting this as a lead: it is 15 or more days overdue. AE: {person}.",
                       person=mention(c.ae_id)))
    if not finance_named:
        notes.append(t("No one is named as finance yet: a workspace admin can name them in `/ae settings`."))
    if left < -14 and not lead_named:
        notes.append(t("No lead is named to escalate to: a workspace admin can name one in `/ae settings`."))
    if notes:
        blocks.append(context(("" if t.lang == "zh" else " ").join(notes)))
    if finance:
        blocks.append({"type": "actions", "block_id": "invoice_actions",
                       "elements": [button(t("Mark paid"), MARK_PAID, str(inv.id), style="primary")]})
    return {"channel": recipient, "text": fit(text, 3000)[0], "blocks": blocks}


def usage(word: str, t: Text) -> dict:
    unknown = t("I don't know `/invoice {word}`.", word=esc(plain(word, 40))) + " " if word else ""
    return {"response_type": "ephemeral", "text": unknown + t(USAGE)}


def no_work_orders(t: Text) -> str:
    return t("No closed work orders are waiting for an invoice. Finance closes a job first.")


def exported(n: int, t: Text) -> str:
    return t.plural("📎 Sent you the CSV of {n} invoice in our DM.", "📎 Sent you the CSV of {n} invoices in our DM.", n)


def export_file(n: int, today: date, t: Text) -> dict:
    """files.uploadV2's words for the export, in the exporter's language (the filename keeps an ISO date)."""
    return {"filename": t("invoices-{date}.csv", date=today.isoformat()),
            "title": t("Invoices as of {date}", date=t.date(today)),
            "initial_comment": t.plural("{n} invoice, as of {date}.", "All {n} invoices, as of {date}.", n,
                                        date=t.date(today))}
