"""Invoices: the /invoice modal, the DMs, Mark paid, the aging report, the CSV export, collection reminders."""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from ..models import InvoiceStatus
from ..services.invoices import (BUCKETS, DAYS_15, DAYS_30, DAYS_31_UP, NOT_DUE, Aging, AgingLine, InvoiceCard,
                                 minor_units)
from .text import button, context, day, esc, fit, input_block, mention, packed_sections, plain, section, text_input

INVOICE_CALLBACK = "invoice_modal"
PAID_CALLBACK = "invoice_paid_modal"
MARK_PAID = "invoice_mark_paid"
USAGE = "Usage: `/invoice` (issue one from a closed work order), `/invoice list`, `/invoice export`."
BUCKET_LABELS = {NOT_DUE: "Not due", DAYS_15: "0–15 days overdue", DAYS_30: "16–30 days overdue",
                 DAYS_31_UP: "31+ days overdue"}
LIST_LINES = 15          # invoices listed per bucket in /invoice list (the export has them all)
LIST_BUTTONS = 10        # the oldest ones get a Mark paid button
CSV_HEADER = ["number", "client", "work order", "amount", "currency", "issued", "due", "status", "paid on",
              "days overdue"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def money(amount: Decimal, currency: str) -> str:
    """1234567.8 USD → "1,234,567.80 USD"; exact (Decimal formatting, no float)."""
    n = minor_units(currency)
    return f"{amount.quantize(Decimal(1).scaleb(-n)):,.{n}f} {currency}"


def totals_text(sums: dict[str, Decimal]) -> str:
    return " · ".join(money(v, c) for c, v in sums.items()) or "—"


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": plain(text, 75)}, "value": value}


def _input(block_id: str, label: str, element: dict, hint: str | None = None, optional: bool = False) -> dict:
    return input_block(block_id, label, element, optional, hint)


def _text(placeholder: str, max_length: int) -> dict:
    return text_input(max_length=max_length, placeholder=placeholder)


def work_order_label(wo, client) -> str:
    return f"{wo.number} · {client.name} · {wo.title}"


def invoice_modal(choices: list, today: date, channel: str | None) -> dict:
    options = [_option(work_order_label(w, c), str(w.id)) for w, c in choices]
    return {
        "type": "modal", "callback_id": INVOICE_CALLBACK,
        "title": {"type": "plain_text", "text": "Issue an invoice"},
        "submit": {"type": "plain_text", "text": "Issue"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": channel}),
        "blocks": [
            _input("work_order", "Closed work order", {"type": "static_select", "options": options,
                                                        "placeholder": {"type": "plain_text", "text": "Pick one"}}),
            _input("number", "Invoice number", _text("e.g. INV-2026-118", 40), "Unique in this workspace."),
            _input("amount", "Amount", _text("e.g. 12,500.00", 24), "Digits, with a dot for decimals."),
            _input("currency", "Currency", _text("e.g. USD", 3), "Leave empty for the work order's currency.",
                   optional=True),
            _input("issued_on", "Issue date", {"type": "datepicker", "initial_date": today.isoformat()},
                   "The due date follows from the client's payment terms."),
        ],
    }


def _summary(card: InvoiceCard) -> str:
    inv, wo, c = card.invoice, card.work_order, card.client
    return (f"*Invoice {esc(inv.number)}* · {esc(c.name)} · {esc(wo.number)} {esc(plain(wo.title, 150))}\n"
            f"{money(inv.amount, inv.currency)} · issued {day(inv.issued_on)} · due {day(inv.due_on)}")


def issued_to_ae(card: InvoiceCard) -> dict:
    inv, wo = card.invoice, card.work_order
    return {"text": f"Invoice {inv.number} issued for {wo.number}, due {inv.due_on.isoformat()}",
            "blocks": [section(f"🧾 Invoice *{esc(inv.number)}* issued for {esc(wo.number)} "
                               f"({esc(card.client.name)}), due {day(inv.due_on)}."),
                       context(f"{money(inv.amount, inv.currency)} · payment terms "
                               f"{card.client.payment_terms_days} days. I'll remind you before it is due.")]}


def invoice_card(card: InvoiceCard) -> dict:
    """Finance's copy: the invoice with Mark paid, or who recorded the payment."""
    inv = card.invoice
    blocks = [section(_summary(card))]
    if inv.paid_on:
        blocks.append(context(f"✅ Paid on {day(inv.paid_on)}, recorded by {mention(inv.paid_by)}"))
    else:
        blocks.append({"type": "actions", "block_id": "invoice_actions",
                       "elements": [button("Mark paid", MARK_PAID, str(inv.id), style="primary")]})
    return {"text": fit(f"Invoice {inv.number} · {card.client.name}", 3000)[0], "blocks": blocks}


def paid_modal(card: InvoiceCard, today: date, meta: dict) -> dict:
    return {
        "type": "modal", "callback_id": PAID_CALLBACK,
        "title": {"type": "plain_text", "text": "Mark paid"},
        "submit": {"type": "plain_text", "text": "Mark paid"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(meta),
        "blocks": [section(_summary(card)),
                   _input("paid_on", "Paid on", {"type": "datepicker", "initial_date": today.isoformat()},
                          "The day the money arrived.")],
    }


def paid_notice(card: InvoiceCard, changed: bool) -> dict:
    inv = card.invoice
    head = "✅ Marked paid" if changed else "This invoice was already paid"
    return {"text": f"{head}: invoice {inv.number}",
            "blocks": [section(f"{head}: invoice *{esc(inv.number)}* ({esc(card.client.name)}), "
                               f"paid on {day(inv.paid_on)}, recorded by {mention(inv.paid_by)}.")]}


def _line(line: AgingLine) -> str:
    inv, c = line.card.invoice, line.card.client
    late = f" · *{line.days_overdue} days overdue*" if line.days_overdue else ""
    return (f"• {esc(plain(inv.number, 40))} · {esc(plain(c.name, 60))} · {money(inv.amount, inv.currency)}"
            f" · due {day(inv.due_on)}{late}")


def aging_report(aging: Aging) -> dict:
    totals = aging.totals
    blocks = [section(f"*Open invoices by aging* (as of {day(aging.today)}; a day after the due date is "
                      "1 day overdue)")]
    if not aging.count:
        blocks.append(context("No open invoices. 🎉"))
    for b in BUCKETS:
        lines = aging.buckets[b]
        head = f"*{BUCKET_LABELS[b]}* — {len(lines)} · {totals_text(totals[b])}"
        body = [_line(x) for x in lines[:LIST_LINES]]
        if len(lines) > LIST_LINES:
            body.append(f"…and {len(lines) - LIST_LINES} more (`/invoice export` has them all)")
        blocks += packed_sections(head, body, max_sections=3)   # long names: more sections, never a cut line
    overdue = [x for x in aging.oldest(LIST_BUTTONS) if x.days_overdue]
    if overdue:
        blocks.append({"type": "divider"})
        for x in overdue:
            blocks.append(section(_line(x)[2:], accessory=button("Mark paid", MARK_PAID, str(x.card.invoice.id))))
    return {"text": f"Open invoices: {aging.count}", "blocks": blocks}


# --- the CSV export ----------------------------------------------------------------------------------------

def safe_cell(value) -> str:
    """Text a spreadsheet will not run (OWASP CSV injection): a leading ' before = + - @ tab CR."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def invoices_csv(lines: list[AgingLine]) -> str:
    """Text cells are neutralised; amounts are our own Decimals written as plain numbers (validation keeps them
    above zero, so no amount ever starts with "-"), and they are not passed through safe_cell."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for line in lines:
        inv, wo, c = line.card.invoice, line.card.work_order, line.card.client
        amount = format(inv.amount.quantize(Decimal(1).scaleb(-minor_units(inv.currency))), "f")
        w.writerow([safe_cell(inv.number), safe_cell(c.name), safe_cell(wo.number), amount,
                    safe_cell(inv.currency), inv.issued_on.isoformat(), inv.due_on.isoformat(),
                    InvoiceStatus(inv.status).value, inv.paid_on.isoformat() if inv.paid_on else "",
                    str(line.days_overdue)])
    return out.getvalue()


# --- collection reminders -----------------------------------------------------------------------------------

def collection_reminder(card: InvoiceCard, recipient: str, today: date, *, finance: bool, lead: bool,
                        finance_named: bool, lead_named: bool) -> dict:
    inv, c = card.invoice, card.client
    left = (inv.due_on - today).days
    what = f"invoice *{esc(inv.number)}* for *{esc(c.name)}* ({esc(card.work_order.number)}), " \
           f"{money(inv.amount, inv.currency)}"
    if left > 1:
        head, text = f"🧾 Due in {left} days, on {day(inv.due_on)}: {what}.", f"Invoice {inv.number} due in {left} days"
    elif left == 1:
        head, text = f"🧾 Due *tomorrow*, {day(inv.due_on)}: {what}.", f"Invoice {inv.number} due tomorrow"
    elif left == 0:
        head, text = f"🧾 Due *today*: {what}.", f"Invoice {inv.number} due today"
    else:
        head = f"⚠️ *{-left} days overdue* (due {day(inv.due_on)}): {what}."
        text = f"Invoice {inv.number} is {-left} days overdue"
    blocks = [section(head)]
    notes = []
    if recipient == c.ae_id:
        notes.append("You are the client's AE: please follow up with them.")
    elif lead and not finance:
        notes.append(f"You are getting this as a lead: it is 15 or more days overdue. AE: {mention(c.ae_id)}.")
    if not finance_named:
        notes.append("No one is named as finance yet: a workspace admin can name them in `/ae settings`.")
    if left < -14 and not lead_named:
        notes.append("No lead is named to escalate to: a workspace admin can name one in `/ae settings`.")
    if notes:
        blocks.append(context(" ".join(notes)))
    if finance:
        blocks.append({"type": "actions", "block_id": "invoice_actions",
                       "elements": [button("Mark paid", MARK_PAID, str(inv.id), style="primary")]})
    return {"channel": recipient, "text": fit(text, 3000)[0], "blocks": blocks}


def usage(word: str = "") -> dict:
    return {"response_type": "ephemeral",
            "text": (f"I don't know `/invoice {esc(plain(word, 40))}`. " if word else "") + USAGE}
