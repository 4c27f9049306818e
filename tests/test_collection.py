"""The collection rule through `tick` at fixed instants: 15 days before and on the due date to the AE (Seoul)
and finance (Madrid), weekly while overdue, leads from 15 days overdue, weekends, and silence once paid."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from rhythm import TEAM, utc
from test_invoices import add_client, add_work_order

from bot.models import Delivery, DeliveryStatus, Invoice, WorkOrderStatus
from bot.services import invoices, roles
from scheduler.clock import at_local

AE, FIN, LEAD = "U0AE", "U0FIN", "U0LEAD"
SEOUL, MADRID = "Asia/Seoul", "Europe/Madrid"
RULE = "invoice_collection"


def setup(rhythm, finance=(FIN,), leads=(LEAD,)):
    rhythm.person(AE, SEOUL)
    rhythm.person(FIN, MADRID)
    rhythm.person(LEAD, MADRID)
    roles.set_holders(rhythm.db, TEAM, "U0BOSS", True, {"finance": list(finance), "lead": list(leads)})


def invoice(rhythm, issued: date, terms=45, number="INV-1", amount="1500.00", seq=7) -> int:
    client = add_client(rhythm.db, f"Acme {seq}", terms=terms)
    wo = add_work_order(rhythm.db, client, seq=seq, status=WorkOrderStatus.invoiced)
    with rhythm.db.transaction() as s:
        inv = Invoice(team_id=TEAM, work_order_id=wo, client_id=client, number=number, amount=Decimal(amount),
                      currency="USD", issued_on=issued, due_on=issued + timedelta(days=terms), created_by=FIN)
        s.add(inv)
        s.flush()
        return inv.id


def nine(day: date, tz: str):
    return at_local(day, 9, 0, tz)


def tick_around(rhythm, *instants):
    """A tick a minute before each instant (nothing yet) and one at it."""
    for t in instants:
        rhythm.tick(t - timedelta(minutes=1))
        rhythm.tick(t)


def sent(rhythm) -> list[tuple[str, str]]:
    return [(d.recipient, d.period) for d in rhythm.deliveries(rule=RULE, status=DeliveryStatus.sent)]


def dms(rhythm, user):
    """Our DMs only (other rules, e.g. the daily call list, also write to these people)."""
    return [c for c in rhythm.dms(user) if (c.text or "").startswith("Invoice ")]


def test_before_due_and_overdue_in_each_zone_leads_from_15_days_then_silence_once_paid(rhythm, slack):
    setup(rhythm)
    inv = invoice(rhythm, date(2026, 11, 2))                       # due Thu 2026-12-17
    before15, due = date(2026, 12, 2), date(2026, 12, 17)

    rhythm.tick(utc(2026, 12, 1, 23, 59))                          # 08:59 in Seoul
    assert sent(rhythm) == []
    rhythm.tick(utc(2026, 12, 2, 0, 0))                            # 09:00 in Seoul: the AE
    assert sent(rhythm) == [(AE, "2026-12-17:before15")]
    [dm] = dms(rhythm, AE)
    assert dm.text == "Invoice INV-1 due in 15 days" and "invoice_mark_paid" not in json.dumps(dm.params["blocks"])
    rhythm.tick(utc(2026, 12, 2, 7, 59))
    rhythm.tick(utc(2026, 12, 2, 8, 0))                            # 09:00 in Madrid: finance
    assert sent(rhythm)[1:] == [(FIN, "2026-12-17:before15")]
    assert "invoice_mark_paid" in json.dumps(dms(rhythm, FIN)[0].params["blocks"])
    assert [d.due_at for d in rhythm.deliveries(rule=RULE)] == [nine(before15, SEOUL), nine(before15, MADRID)]

    tick_around(rhythm, nine(due, SEOUL), nine(due, MADRID))
    assert sent(rhythm)[2:] == [(AE, "2026-12-17:due"), (FIN, "2026-12-17:due")]
    assert dms(rhythm, AE)[-1].text == "Invoice INV-1 due today"

    tick_around(rhythm, nine(due + timedelta(days=7), SEOUL), nine(due + timedelta(days=7), MADRID),
                nine(due + timedelta(days=14), SEOUL), nine(due + timedelta(days=14), MADRID))
    assert sent(rhythm)[4:] == [(AE, "overdue:2026-12-24"), (FIN, "overdue:2026-12-24"),
                                (AE, "overdue:2026-12-31"), (FIN, "overdue:2026-12-31")]   # no lead at 14 days
    assert dms(rhythm, AE)[-1].text == "Invoice INV-1 is 14 days overdue" and dms(rhythm, LEAD) == []

    tick_around(rhythm, nine(due + timedelta(days=15), MADRID))    # Fri 2027-01-01: the lead, only
    assert sent(rhythm)[8:] == [(LEAD, "overdue:2027-01-01")]
    [escalation] = dms(rhythm, LEAD)
    assert escalation.text == "Invoice INV-1 is 15 days overdue" and "as a lead" in json.dumps(escalation.params)

    tick_around(rhythm, nine(due + timedelta(days=21), SEOUL), nine(due + timedelta(days=21), MADRID))
    assert sorted(sent(rhythm)[9:]) == [(AE, "overdue:2027-01-07"), (FIN, "overdue:2027-01-07"),
                                        (LEAD, "overdue:2027-01-07")]

    # Paid on the 8th: nothing more for anyone.
    invoices.mark_paid(rhythm.db, TEAM, FIN, False, inv, date(2027, 1, 8), date(2027, 1, 8))
    before = len(dms(rhythm, None))
    tick_around(rhythm, nine(due + timedelta(days=28), SEOUL), nine(due + timedelta(days=28), MADRID))
    assert len(dms(rhythm, None)) == before and len(rhythm.deliveries(rule=RULE)) == 12


def test_weekends_move_reminders_to_friday_before_and_overdue_notices_to_monday_after(rhythm, slack):
    setup(rhythm)
    invoice(rhythm, date(2026, 11, 26))                            # due Sun 2027-01-10
    fri_before15, fri_due = date(2026, 12, 25), date(2027, 1, 8)
    weekends = [date(2026, 12, 26), date(2026, 12, 27), date(2027, 1, 9), date(2027, 1, 10), date(2027, 1, 16),
                date(2027, 1, 17), date(2027, 1, 23), date(2027, 1, 24)]
    working = [fri_before15, fri_due, date(2027, 1, 18), date(2027, 1, 25)]
    tick_around(rhythm, *sorted(nine(d, tz) for d in weekends + working for tz in (SEOUL, MADRID)))
    got = {(d.recipient, d.period): d.due_at for d in rhythm.deliveries(rule=RULE)}
    assert got == {
        (AE, "2027-01-10:before15"): nine(fri_before15, SEOUL),
        (FIN, "2027-01-10:before15"): nine(fri_before15, MADRID),
        (AE, "2027-01-10:due"): nine(fri_due, SEOUL), (FIN, "2027-01-10:due"): nine(fri_due, MADRID),
        (AE, "overdue:2027-01-17"): nine(date(2027, 1, 18), SEOUL),     # Sunday's notice on Monday
        (FIN, "overdue:2027-01-17"): nine(date(2027, 1, 18), MADRID),
        (AE, "overdue:2027-01-24"): nine(date(2027, 1, 25), SEOUL),
        (FIN, "overdue:2027-01-24"): nine(date(2027, 1, 25), MADRID),
        (LEAD, "overdue:2027-01-25"): nine(date(2027, 1, 25), MADRID),  # 15 days overdue, a Monday
    }
    assert {d.status for d in rhythm.deliveries(rule=RULE)} == {DeliveryStatus.sent}
    assert dms(rhythm, AE)[0].text == "Invoice INV-1 due in 16 days"      # the Friday before: an honest count


def test_with_no_finance_or_lead_named_the_ae_is_told_who_is_missing(rhythm, slack):
    setup(rhythm, finance=(), leads=())
    invoice(rhythm, date(2026, 11, 2))                             # due Thu 2026-12-17
    tick_around(rhythm, nine(date(2026, 12, 2), SEOUL), nine(date(2026, 12, 2), MADRID))
    assert sent(rhythm) == [(AE, "2026-12-17:before15")]           # admins are finance, but unknown here
    note = json.dumps(dms(rhythm, AE)[0].params["blocks"])
    assert "No one is named as finance" in note and "No lead" not in note
    tick_around(rhythm, nine(date(2027, 1, 1), SEOUL), nine(date(2027, 1, 1), MADRID),
                nine(date(2027, 1, 7), SEOUL))
    assert sent(rhythm)[1:] == [(AE, "overdue:2027-01-07")]        # no escalation to nobody at 15 days
    assert "No lead is named" in json.dumps(dms(rhythm, AE)[-1].params["blocks"])


def test_one_person_in_several_roles_gets_each_reminder_once(rhythm, slack):
    setup(rhythm, finance=(AE,), leads=(AE,))
    invoice(rhythm, date(2026, 11, 2))
    tick_around(rhythm, *(nine(date(2027, 1, d), SEOUL) for d in (1, 7)))
    assert sent(rhythm) == [(AE, "overdue:2027-01-01"), (AE, "overdue:2027-01-07")]
    assert all("invoice_mark_paid" in json.dumps(c.params["blocks"]) for c in dms(rhythm, AE))


def test_short_terms_have_no_15_day_reminder_before_the_invoice_existed(rhythm, slack):
    setup(rhythm)
    invoice(rhythm, date(2026, 12, 7), terms=10)                   # due Thu 2026-12-17
    tick_around(rhythm, nine(date(2026, 12, 2), SEOUL), nine(date(2026, 12, 17), SEOUL))
    assert sent(rhythm) == [(AE, "2026-12-17:due")]


def test_a_reminder_claimed_after_payment_is_not_sent(rhythm, slack):
    setup(rhythm)
    inv = invoice(rhythm, date(2026, 11, 2))
    invoices.mark_paid(rhythm.db, TEAM, FIN, False, inv, date(2026, 12, 1), date(2026, 12, 1))
    now = utc(2026, 12, 2, 0, 0)
    with rhythm.db.transaction() as s:   # planned before the payment was recorded, sent after
        s.add(Delivery(team_id=TEAM, rule=RULE, subject=str(inv), recipient=AE, period="2026-12-17:before15",
                       due_at=now, next_attempt_at=now))
    rhythm.tick(now)
    [d] = rhythm.deliveries(rule=RULE)
    assert (d.status, d.error) == (DeliveryStatus.skipped, "no longer relevant") and dms(rhythm, None) == []
