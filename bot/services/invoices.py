"""Invoices: finance issues one from a closed work order, marks it paid; the aging report and the export.

Money is Decimal end to end (the Money column is exact on both databases); amounts are validated
against the currency's minor unit (JPY and KRW have none) and are always more than zero.

Days overdue count against the viewer's local today: the due date itself is not overdue (0 days);
the day after it is 1 day overdue. Buckets: not due (0), 0–15 (1–15 days), 16–30, 31+.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from .. import amounts
from ..db import Database
from ..errors import InvalidInput, NotAllowed, NotFound, Problem, User
from ..i18n import Text, decimals, text_for
from ..models import Client, Invoice, InvoiceStatus, WorkOrder, WorkOrderStatus
from . import audit, people, roles, workorders

SUBJECT = "invoice"
NUMBER_MAX = 40
CHOICES_MAX = 100           # a static_select holds 100 options
AMOUNT_LIMIT = Decimal("1e14")  # NUMERIC(18, 4) keeps 14 digits before the point
_CURRENCY = re.compile(r"^[A-Z]{3}$")

NOT_DUE, DAYS_15, DAYS_30, DAYS_31_UP = "not_due", "0-15", "16-30", "31+"
BUCKETS = (NOT_DUE, DAYS_15, DAYS_30, DAYS_31_UP)


def minor_units(currency: str) -> int:
    """The currency's decimals as CLDR has them (JPY, KRW: none): the same table the amount parser and
    `Text.money` read, so what is accepted, stored, totalled and shown always agree."""
    return decimals(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def parse_amount(text: str, currency: str, t: Text | None = None) -> Decimal:
    """The amount as the reader writes it ("1,234.50" in English, "1.234,50" in Spanish); InvalidInput
    under "amount" saying how to write it instead."""
    return amounts.parse_amount(text, currency, t or text_for(None), limit=AMOUNT_LIMIT)


def days_overdue(due_on: date, today: date) -> int:
    return max(0, (today - due_on).days)


def bucket(due_on: date, today: date) -> str:
    late = (today - due_on).days
    if late <= 0:
        return NOT_DUE
    if late <= 15:
        return DAYS_15
    return DAYS_30 if late <= 30 else DAYS_31_UP


@dataclass
class InvoiceDraft:
    work_order_id: int | None
    number: str
    amount: str
    currency: str          # empty: the work order's
    issued_on: date | None
    notation: Text | None = None   # whose way of writing numbers the amount is in (default English)


@dataclass
class InvoiceCard:
    invoice: Invoice
    work_order: WorkOrder
    client: Client


@dataclass
class AgingLine:
    card: InvoiceCard
    days_overdue: int


@dataclass
class Aging:
    today: date
    buckets: dict[str, list[AgingLine]]     # each oldest due first

    @property
    def totals(self) -> dict[str, dict[str, Decimal]]:
        """bucket → currency → sum; currencies are never mixed."""
        out: dict[str, dict[str, Decimal]] = {}
        for b, lines in self.buckets.items():
            sums: dict[str, Decimal] = {}
            for line in lines:
                inv = line.card.invoice
                sums[inv.currency] = sums.get(inv.currency, Decimal(0)) + inv.amount
            # Quantized to each currency's minor unit: PostgreSQL's NUMERIC(18, 4) reads 0.1 back as 0.1000.
            out[b] = {c: v.quantize(quantum(c)) for c, v in sorted(sums.items())}
        return out

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.buckets.values())

    def oldest(self, n: int) -> list[AgingLine]:
        lines = [line for b in BUCKETS for line in self.buckets[b]]
        return sorted(lines, key=lambda line: (line.card.invoice.due_on, line.card.invoice.id))[:n]


# --- reading -------------------------------------------------------------------------------------------

def _cards(s: Session, team_id: str, *where, order=None) -> list[InvoiceCard]:
    q = (select(Invoice, WorkOrder, Client)
         .join(WorkOrder, WorkOrder.id == Invoice.work_order_id).join(Client, Client.id == Invoice.client_id)
         .where(Invoice.team_id == team_id, *where)
         .order_by(*(order or (Invoice.due_on, Invoice.id))))
    return [InvoiceCard(i, w, c) for i, w, c in s.exec(q)]


def _card(s: Session, team_id: str, invoice_id: int) -> InvoiceCard:
    found = _cards(s, team_id, Invoice.id == invoice_id)
    if not found:
        raise NotFound("invoice_gone")
    return found[0]


def load(db: Database, team_id: str, invoice_id: int) -> InvoiceCard:
    with db.transaction() as s:
        return _card(s, team_id, invoice_id)


def _require_finance(s: Session, team_id: str, user_id: str, is_admin: bool, doing: str) -> None:
    """NotAllowed with who to ask: `invoice_{doing}_not_allowed(who=[User])`, or `…_ask_admin` while no
    one is named (then workspace admins hold the role). Checked here rather than with `roles.require`,
    whose message is English prose."""
    if roles.has_role(s, team_id, user_id, roles.FINANCE, is_admin):
        return
    named = roles.holders(s, team_id, roles.FINANCE)
    if named:
        raise NotAllowed(f"invoice_{doing}_not_allowed", who=[User(u) for u in named])
    raise NotAllowed(f"invoice_{doing}_ask_admin")


def _require_viewer(s: Session, team_id: str, user_id: str, is_admin: bool) -> None:
    """Finance and leads see invoices."""
    if not roles.has_role(s, team_id, user_id, roles.LEAD, is_admin):
        _require_finance(s, team_id, user_id, is_admin, "view")


def invoiceable(db: Database, team_id: str, user_id: str, is_admin: bool) -> list[tuple[WorkOrder, Client]]:
    """Closed work orders not yet invoiced, newest job number first (finance only: it opens the form)."""
    with db.transaction() as s:
        _require_finance(s, team_id, user_id, is_admin, "issue")
        invoiced = select(Invoice.id).where(Invoice.team_id == team_id, Invoice.work_order_id == WorkOrder.id)
        q = (select(WorkOrder, Client).join(Client, Client.id == WorkOrder.client_id)
             .where(WorkOrder.team_id == team_id, WorkOrder.status == WorkOrderStatus.closed, ~invoiced.exists())
             .order_by(WorkOrder.year.desc(), WorkOrder.seq.desc()).limit(CHOICES_MAX))
        return [(w, c) for w, c in s.exec(q)]


def aging(db: Database, team_id: str, user_id: str, is_admin: bool, today: date) -> Aging:
    with db.transaction() as s:
        _require_viewer(s, team_id, user_id, is_admin)
        return _aging(s, team_id, today)


def _aging(s: Session, team_id: str, today: date) -> Aging:
    out: dict[str, list[AgingLine]] = {b: [] for b in BUCKETS}
    for card in _cards(s, team_id, Invoice.status == InvoiceStatus.open):
        due = card.invoice.due_on
        out[bucket(due, today)].append(AgingLine(card, days_overdue(due, today)))
    return Aging(today, out)


def home_for(db: Database, team_id: str, user_id: str) -> Aging | None:
    """For App Home: only people named as finance see it (Home asks Slack nothing, so it cannot know who is an
    admin; naming finance in /ae settings turns it on). Aged against their own local today."""
    today = people.today_for(db, team_id, user_id)
    with db.transaction() as s:
        if user_id not in roles.holders(s, team_id, roles.FINANCE):
            return None
        return _aging(s, team_id, today)


def export(db: Database, team_id: str, user_id: str, is_admin: bool, today: date) -> list[AgingLine]:
    """Every invoice, oldest first. days_overdue: as of today for open ones; how late it was paid for paid ones."""
    with db.transaction() as s:
        _require_viewer(s, team_id, user_id, is_admin)
        cards = _cards(s, team_id, order=(Invoice.issued_on, Invoice.id))
    return [AgingLine(c, days_overdue(c.invoice.due_on, c.invoice.paid_on or today)) for c in cards]


# --- issuing ---------------------------------------------------------------------------------------------

def _by_view(s: Session, team_id: str, view_id: str | None) -> Invoice | None:
    if not view_id:
        return None
    return s.exec(select(Invoice).where(Invoice.team_id == team_id, Invoice.source_view_id == view_id)).first()


def _number_taken(s: Session, team_id: str, number: str) -> bool:
    return s.exec(select(Invoice.id).where(Invoice.team_id == team_id, Invoice.number == number)).first() is not None


def _validate(s: Session, team_id: str, draft: InvoiceDraft) -> tuple[WorkOrder, dict]:
    errors: dict[str, Problem] = {}
    wo = None
    if draft.work_order_id is None:
        errors["work_order"] = Problem("invoice_pick_work_order")
    else:
        wo = s.exec(select(WorkOrder).where(WorkOrder.team_id == team_id, WorkOrder.id == draft.work_order_id)
                    .with_for_update()).first()
        if wo is None:
            errors["work_order"] = Problem("invoice_work_order_gone")
        elif wo.status == WorkOrderStatus.invoiced or s.exec(select(Invoice.id).where(
                Invoice.team_id == team_id, Invoice.work_order_id == wo.id)).first():
            errors["work_order"] = Problem("invoice_already_invoiced", {"number": wo.number})
        elif wo.status != WorkOrderStatus.closed:
            errors["work_order"] = Problem("invoice_work_order_not_closed", {"number": wo.number})
    number = (draft.number or "").strip()
    if not number:
        errors["number"] = Problem("invoice_number_missing")
    elif len(number) > NUMBER_MAX:
        errors["number"] = Problem("invoice_number_too_long", {"limit": NUMBER_MAX})
    elif _number_taken(s, team_id, number):
        errors["number"] = Problem("invoice_number_taken", {"number": number})
    currency = (draft.currency or "").strip().upper() or (wo.currency if wo else "")
    amount = None
    if currency and not _CURRENCY.match(currency):
        errors["currency"] = Problem("invoice_bad_currency")
    elif currency:
        amount = amounts.amount_problem(draft.amount, currency, draft.notation or text_for(None),
                                        limit=AMOUNT_LIMIT)
        if isinstance(amount, Problem):
            errors["amount"], amount = amount, None
    if draft.issued_on is None:
        errors["issued_on"] = Problem("invoice_issue_date_missing")
    if errors:
        raise InvalidInput(errors)
    return wo, {"number": number, "amount": amount, "currency": currency, "issued_on": draft.issued_on}


def issue(db: Database, team_id: str, user_id: str, is_admin: bool, draft: InvoiceDraft,
          source_view_id: str | None = None) -> tuple[InvoiceCard, bool]:
    """The invoice and the work order's move to invoiced, in one transaction. Returns (card, created);
    the same modal submitted twice creates one invoice."""
    try:
        with db.transaction() as s:
            done = _by_view(s, team_id, source_view_id)
            if done:
                return _card(s, team_id, done.id), False
            _require_finance(s, team_id, user_id, is_admin, "issue")
            wo, v = _validate(s, team_id, draft)
            client = s.get(Client, wo.client_id)
            inv = Invoice(team_id=team_id, work_order_id=wo.id, client_id=wo.client_id, created_by=user_id,
                          due_on=v["issued_on"] + timedelta(days=client.payment_terms_days),
                          source_view_id=source_view_id, **v)
            s.add(inv)
            s.flush()
            workorders.mark_invoiced(s, team_id, wo.id, user_id)   # closed → invoiced, in this transaction
            audit.record(s, team_id, user_id, "invoice.issued", SUBJECT, inv.id, number=inv.number,
                         amount=str(inv.amount), currency=inv.currency, work_order=wo.number,
                         issued_on=inv.issued_on, due_on=inv.due_on)
            s.flush()
            return _card(s, team_id, inv.id), True
    except IntegrityError:
        # A concurrent submission won: the same view (fine), or the same number or work order (say so).
        with db.transaction() as s:
            done = _by_view(s, team_id, source_view_id)
            if done:
                return _card(s, team_id, done.id), False
            if _number_taken(s, team_id, (draft.number or "").strip()):
                raise InvalidInput.one("number", "invoice_number_just_used") from None
            raise InvalidInput.one("work_order", "invoice_work_order_just_invoiced") from None


# --- paying ------------------------------------------------------------------------------------------------

def for_payment(db: Database, team_id: str, user_id: str, is_admin: bool, invoice_id: int) -> InvoiceCard:
    """The invoice behind a Mark paid button, for finance only (checked before the date modal opens)."""
    with db.transaction() as s:
        _require_finance(s, team_id, user_id, is_admin, "pay")
        return _card(s, team_id, invoice_id)


def mark_paid(db: Database, team_id: str, user_id: str, is_admin: bool, invoice_id: int, paid_on: date | None,
              today: date) -> tuple[InvoiceCard, bool]:
    """Record the payment once: (card, True) when this call marked it; a second click changes nothing."""
    with db.transaction() as s:
        _require_finance(s, team_id, user_id, is_admin, "pay")
        card = _card(s, team_id, invoice_id)
        if card.invoice.status == InvoiceStatus.paid:
            return card, False
        if paid_on is None:
            raise InvalidInput.one("paid_on", "invoice_paid_on_missing")
        if paid_on > today:
            raise InvalidInput.one("paid_on", "invoice_paid_on_future", date=paid_on)
        if paid_on < card.invoice.issued_on:
            raise InvalidInput.one("paid_on", "invoice_paid_on_before_issue", date=card.invoice.issued_on)
        # Conditional on still being open: of two finance clicks at once, one records the payment.
        done = s.execute(update(Invoice).where(Invoice.id == invoice_id, Invoice.team_id == team_id,
                                               Invoice.status == InvoiceStatus.open)
                         .values(status=InvoiceStatus.paid, paid_on=paid_on, paid_by=user_id)
                         .execution_options(synchronize_session=False)).rowcount
        if done:
            audit.record(s, team_id, user_id, "invoice.paid", SUBJECT, invoice_id, number=card.invoice.number,
                         paid_on=paid_on)
        s.flush()
        s.expire_all()
        return _card(s, team_id, invoice_id), bool(done)
