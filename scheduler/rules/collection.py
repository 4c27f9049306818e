"""Invoice collection: the 45-day clock (or the client's own payment terms).

For each open invoice, at 09:00 in each recipient's zone (or their own time for this rule):
- 15 days before the due date and on the due date → the client's AE and every finance holder
  (`{due}:before15`, `{due}:due`; a weekend moves them to the Friday before);
- every 7 days while overdue (due+7, due+14, …) → AE and finance (`overdue:{nominal day}`; a weekend
  moves them to the Monday after);
- at 15 days overdue the leads are escalated to (`overdue:{due+15}`), and from then on they get every
  weekly notice too (due+21, due+28, …).
Paid invoices get nothing more: no new occurrences, and render() drops claimed ones. Each reminder is in
its recipient's language (`ctx.text`).

Finance and lead here are the people *named* in /ae settings. With no one named, workspace admins hold
the roles for commands, but the scheduler cannot ask Slack who they are: the AE's reminder then says no
one is named as finance (or lead), so the gap is visible and an admin can fix it.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.models import Client, Delivery, Invoice, InvoiceStatus, WorkOrder
from bot.render.invoices import collection_reminder
from bot.services import roles
from bot.services.invoices import InvoiceCard

from ..clock import at_local, business_day, every, fire_times, local_date
from . import Context, Occurrence

NINE = (9, 0)
BEFORE_DAYS = 15
EVERY_DAYS = 7
LEAD_FROM = 15           # days overdue
REACH = timedelta(days=BEFORE_DAYS + 3)   # the before-15 notice, moved back a weekend, in any zone


class InvoiceCollection:
    name = "invoice_collection"
    to_person = True

    def occurrences(self, ctx: Context):
        holders: dict = {}
        q = (select(Invoice, Client).join(Client, Client.id == Invoice.client_id)
             .where(Invoice.status == InvoiceStatus.open, Invoice.due_on <= ctx.end.date() + REACH))
        for inv, client in ctx.s.exec(q):
            if inv.team_id not in holders:
                holders[inv.team_id] = _holders(ctx, inv.team_id)
            finance, leads = holders[inv.team_id]
            told = list(dict.fromkeys([client.ae_id, *finance]))
            for who in told:
                yield from self._before(ctx, inv, who)
                yield from self._overdue(ctx, inv, who, lead=False)
            for who in leads:   # a lead who is also the AE or finance already gets the weekly notices
                yield from self._overdue(ctx, inv, who, lead=True, weekly=who not in told)

    def _at(self, ctx: Context, inv: Invoice, who: str):
        tz = ctx.tz(inv.team_id, who)
        return tz, ctx.time_for(inv.team_id, who, self.name, NINE)

    def _before(self, ctx: Context, inv: Invoice, who: str):
        tz, (hh, mm) = self._at(ctx, inv, who)
        for kind, nominal in (("before15", inv.due_on - timedelta(days=BEFORE_DAYS)), ("due", inv.due_on)):
            if nominal < inv.issued_on:
                continue   # short payment terms: no "due in 15 days" before the invoice existed
            yield Occurrence(inv.team_id, self.name, str(inv.id), who, f"{inv.due_on}:{kind}",
                             at_local(business_day(nominal, forward=False), hh, mm, tz))

    def _overdue(self, ctx: Context, inv: Invoice, who: str, lead: bool, weekly: bool = True):
        """Weekly notices in the window (for a lead only from LEAD_FROM days), plus a lead's escalation."""
        if inv.due_on >= ctx.end.date() + timedelta(days=1):
            return
        tz, (hh, mm) = self._at(ctx, inv, who)
        first = at_local(inv.due_on + timedelta(days=EVERY_DAYS), hh, mm, tz)
        nominals: list[date] = [local_date(t, tz) for t in
                                fire_times(every(EVERY_DAYS, first, tz), ctx.start - timedelta(days=4), ctx.end)]
        if lead:
            nominals = [d for d in nominals if weekly and (d - inv.due_on).days >= LEAD_FROM]
            nominals.append(inv.due_on + timedelta(days=LEAD_FROM))
        for nominal in nominals:
            instant = at_local(business_day(nominal, forward=True), hh, mm, tz)
            if ctx.start < instant <= ctx.end:
                yield Occurrence(inv.team_id, self.name, str(inv.id), who, f"overdue:{nominal}", instant)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        ids = {int(d.subject) for d in deliveries}
        q = (select(Invoice, WorkOrder, Client).join(WorkOrder, WorkOrder.id == Invoice.work_order_id)
             .join(Client, Client.id == Invoice.client_id).where(Invoice.id.in_(ids)))
        cards = {i.id: InvoiceCard(i, w, c) for i, w, c in ctx.s.exec(q)}
        holders: dict = {}
        out = {}
        for d in deliveries:
            card = cards.get(int(d.subject))
            if card is None or card.invoice.status != InvoiceStatus.open:
                continue   # paid since: no longer relevant
            if d.team_id not in holders:
                holders[d.team_id] = _holders(ctx, d.team_id)
            finance, leads = holders[d.team_id]
            today = local_date(ctx.end, ctx.tz(d.team_id, d.recipient))
            out[d.id] = collection_reminder(card, d.recipient, today, ctx.text(d.team_id, d.recipient),
                                            finance=d.recipient in finance,
                                            lead=d.recipient in leads, finance_named=bool(finance),
                                            lead_named=bool(leads))
        return out


def _holders(ctx: Context, team_id: str) -> tuple[list[str], list[str]]:
    return roles.holders(ctx.s, team_id, roles.FINANCE), roles.holders(ctx.s, team_id, roles.LEAD)
