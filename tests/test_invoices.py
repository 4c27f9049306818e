"""/invoice: issuing from a closed work order (validation, idempotency, DMs), Mark paid (finance only), the
aging buckets at their boundaries, totals per currency in exact Decimals, the CSV export (formula injection,
files.uploadV2 through the fake), finance and lead in /ae settings, and finance's App Home."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from harness import eventually, example
from sqlmodel import select
from test_settings import block, open_settings, submit

from bot.errors import InvalidInput, NotAllowed
from bot.i18n import text_for
from bot.models import (AuditEvent, Client, Invoice, InvoiceStatus, WorkOrder, WorkOrderKind, WorkOrderStatus)
from bot.render.finance_home import finance_blocks
from bot.render.invoices import invoices_csv, safe_cell
from bot.services import invoices as service
from bot.services import roles

TEAM = "T0ACME"
FIN, AE, BOSS = "U0FIN", "U0AE", "U0BOSS"
MADRID = "Europe/Madrid"


# --- rows the other helpers' services would write (inserted directly: those services may not exist yet) -----

def add_client(db, name="Acme", ae=AE, terms=45, team=TEAM) -> int:
    with db.transaction() as s:
        c = Client(team_id=team, name=name, name_key=name.lower(), ae_id=ae, payment_terms_days=terms,
                   created_by=ae, channel_id="C0ACME")
        s.add(c)
        s.flush()
        return c.id


def add_work_order(db, client_id, seq=7, title="Spring video", currency="USD", status=WorkOrderStatus.closed,
                   team=TEAM, **extra) -> int:
    with db.transaction() as s:
        w = WorkOrder(team_id=team, client_id=client_id, number=f"WO-2026-{seq:04d}", year=2026, seq=seq,
                      kind=WorkOrderKind.creative, title=title, estimated_cost=Decimal("1000.00"),
                      currency=currency, status=status, created_by=AE, **extra)
        s.add(w)
        s.flush()
        return w.id


def issue(db, wo_id, number, amount, issued, currency="", user=FIN) -> Invoice:
    card, created = service.issue(db, TEAM, user, True, service.InvoiceDraft(wo_id, number, amount, currency, issued))
    assert created
    return card.invoice


def name_finance(db, *users, lead=()):
    roles.set_holders(db, TEAM, BOSS, True, {"finance": list(users), "lead": list(lead)})


def rows(db, model, **where):
    with db.transaction() as s:
        return [r for r in s.exec(select(model).order_by(model.id))
                if all(getattr(r, k) == v for k, v in where.items())]


def local_today(tz=MADRID) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def replies(slack, n):
    return slack.wait_for("response_url", n)


def dms(slack, user):
    return [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == user]


def dump(call) -> str:
    return json.dumps({k: call.params.get(k) for k in ("text", "blocks", "view")}, ensure_ascii=False)


def texts(blocks) -> str:
    return "\n".join((b.get("text") or {}).get("text", "") for b in blocks)


def open_modal(bot, user=FIN, n=1) -> dict:
    assert bot.command("/invoice", "", user=user).status_code == 200
    return bot.opened_view(n)


@pytest.fixture
def shop(bot, rhythm, slack):
    """A workspace with finance named (in Madrid), an AE in Seoul, and closed work orders to invoice."""
    rhythm.person(FIN, MADRID)
    rhythm.person(AE, "Asia/Seoul")
    for user, tz in ((FIN, MADRID), (AE, "Asia/Seoul")):   # and Slack says so (a refresh keeps them there)
        slack.users.setdefault(user, {})["tz"] = tz
    name_finance(bot.db, FIN)
    acme = add_client(bot.db)
    wo = add_work_order(bot.db, acme, message_channel="C0ACME", message_ts="1764000000.000900")   # its job card
    add_work_order(bot.db, acme, seq=8, title="Still open", status=WorkOrderStatus.open)
    other = add_client(bot.db, "Other team", team="T0OTHER")
    add_work_order(bot.db, other, seq=9, title="Not ours", team="T0OTHER")
    return {"acme": acme, "wo": wo}


# --- issuing -----------------------------------------------------------------------------------------------

def test_finance_issues_an_invoice_once_and_the_ae_is_told(bot, slack, shop):
    view = open_modal(bot)
    options = block(view, "work_order")["element"]["options"]
    assert [o["text"]["text"] for o in options] == ["WO-2026-0007 · Acme · Spring video"]   # closed, ours only
    assert block(view, "issued_on")["element"]["initial_date"] == local_today().isoformat()

    values = {"work_order": str(shop["wo"]), "number": " INV-118 ", "amount": "12,500.50", "currency": "",
              "issued_on": date(2026, 11, 2)}
    r = bot.submit(view, values, user=FIN)
    assert r.status_code == 200 and r.content in (b"", b"{}"), r.text
    [inv] = rows(bot.db, Invoice)
    assert (inv.number, inv.amount, inv.currency, inv.issued_on, inv.due_on, inv.status, inv.created_by) == \
        ("INV-118", Decimal("12500.50"), "USD", date(2026, 11, 2), date(2026, 12, 17), InvoiceStatus.open, FIN)
    assert rows(bot.db, WorkOrder, id=shop["wo"])[0].status == WorkOrderStatus.invoiced
    card = slack.wait_for("chat.update")[0]                       # the job card in the client's channel
    assert (card.params["channel"], card.params["ts"]) == ("C0ACME", "1764000000.000900")
    assert "nvoiced" in dump(card)
    [event] = rows(bot.db, AuditEvent, action="invoice.issued")
    assert event.actor_id == FIN and json.loads(event.detail)["amount"] == "12500.50"

    ae_dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == AE)[0]
    assert ae_dm.text == "Invoice INV-118 issued for WO-2026-0007, due Dec 17, 2026"
    assert "invoice_mark_paid" not in dump(ae_dm)                   # the AE cannot mark it paid: no button
    fin_dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == FIN)[0]
    assert "invoice_mark_paid" in dump(fin_dm) and "$12,500.50" in dump(fin_dm)

    # Slack retries the submission: still one invoice, nobody told twice.
    assert bot.submit(view, values, user=FIN).status_code == 200
    assert len(rows(bot.db, Invoice)) == 1 and len(rows(bot.db, AuditEvent, action="invoice.issued")) == 1
    assert len(dms(slack, AE)) == 1 and len(dms(slack, FIN)) == 1
    # Nothing left to invoice: /invoice says so instead of opening an empty form.
    bot.command("/invoice", "", user=FIN)
    assert "No closed work orders" in replies(slack, 1)[0].params["text"]
    assert len(slack.calls_to("views.open")) == 1


def test_each_bad_field_gets_its_own_error_and_nothing_is_written(bot, slack, shop):
    yen = add_work_order(bot.db, add_client(bot.db, "Tokyo Foods", terms=30), seq=10, currency="JPY")
    issue(bot.db, yen, "INV-1", "1,000", date(2026, 11, 2))
    view = open_modal(bot)
    cases = [
        ({"work_order": None, "number": "", "amount": "10", "issued_on": None}, {"work_order", "number", "issued_on"}),
        ({"work_order": str(shop["wo"]), "number": "INV-1", "amount": "-5"}, {"number", "amount"}),
        ({"work_order": str(shop["wo"]), "number": "INV-2", "amount": "1,5"}, {"amount"}),
        ({"work_order": str(shop["wo"]), "number": "INV-2", "amount": "12.345"}, {"amount"}),
        ({"work_order": str(shop["wo"]), "number": "INV-2", "amount": "0"}, {"amount"}),
        ({"work_order": str(shop["wo"]), "number": "INV-2", "amount": "10", "currency": "US$"}, {"currency"}),
        ({"work_order": str(shop["wo"]), "number": "INV-2", "amount": "1000.5", "currency": "jpy"}, {"amount"}),
        ({"work_order": str(yen), "number": "INV-2", "amount": "10"}, {"work_order"}),     # already invoiced
    ]
    for values, expected in cases:
        values.setdefault("issued_on", date(2026, 11, 2))
        body = bot.submit(view, values, user=FIN).json()
        assert body["response_action"] == "errors" and set(body["errors"]) == expected, (values, body)
    body = bot.submit(view, {"work_order": str(shop["wo"]), "number": "INV-2", "amount": "1000.5",
                             "currency": "JPY", "issued_on": date(2026, 11, 2)}, user=FIN).json()
    assert "no decimals" in body["errors"]["amount"]
    assert [i.number for i in rows(bot.db, Invoice)] == ["INV-1"]
    # A yen amount written with zero decimals is a whole number; due after the client's own 30 days.
    [yen_inv] = rows(bot.db, Invoice)
    assert (yen_inv.amount, yen_inv.currency, yen_inv.due_on) == (Decimal("1000"), "JPY", date(2026, 12, 2))
    assert service.parse_amount("1000.00", "JPY") == Decimal("1000")


def test_non_finance_cannot_issue_nor_mark_paid_and_is_told_who_to_ask(bot, slack, shop):
    slack.users[BOSS] = {"is_admin": True}
    for who in (AE, BOSS):            # an admin is not finance once finance is named
        bot.command("/invoice", "", user=who)
    said = [c.params["text"] for c in replies(slack, 2)]
    assert said == ["Only finance can issue invoices. Ask <@U0FIN>."] * 2
    assert slack.calls_to("views.open") == []

    # A forged submission of finance's form by the AE writes nothing.
    view = open_modal(bot)
    bot.submit(view, {"work_order": str(shop["wo"]), "number": "INV-9", "amount": "10",
                      "issued_on": date(2026, 11, 2)}, user=AE)
    refusal = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == AE)[0]
    assert "Ask <@U0FIN>" in refusal.text and rows(bot.db, Invoice) == []

    inv = issue(bot.db, shop["wo"], "INV-9", "10", date(2026, 11, 2))
    n = len(slack.calls_to("response_url"))
    bot.click("invoice_mark_paid", str(inv.id), user=AE, channel="D0AE")
    guest_click(bot, slack, "invoice_mark_paid", str(inv.id))
    said = [c.params["text"] for c in replies(slack, n + 2)[n:]]
    assert said == ["Only finance can mark invoices paid. Ask <@U0FIN>."] * 2
    assert len(slack.calls_to("views.open")) == 1 and rows(bot.db, Invoice)[0].status == InvoiceStatus.open
    with pytest.raises(NotAllowed):
        service.mark_paid(bot.db, TEAM, AE, True, inv.id, date(2026, 11, 20), date(2026, 11, 20))


def guest_click(bot, slack, action_id, value):
    """A Slack Connect guest in a shared channel: their own team id on the user, ours on the request."""
    p = example("block_actions.json")
    p["user"] = {"id": "U0GUEST", "username": "guest", "name": "guest", "team_id": "T0CLIENT"}
    p["channel"] = {"id": "C0SHARED", "name": "acme-shared"}
    p["container"] = {**p["container"], "channel_id": "C0SHARED"}
    p["actions"][0].update(action_id=action_id, value=value)
    p["response_url"] = slack.response_url("guest")
    assert bot.post_payload(p).status_code == 200


def test_with_no_one_named_workspace_admins_are_finance(bot, slack):
    slack.users[BOSS] = {"is_admin": True}
    add_work_order(bot.db, add_client(bot.db))
    bot.command("/invoice", "", user=AE)
    assert replies(slack, 1)[0].params["text"] == "Only finance can issue invoices. Ask a workspace admin."
    view = open_modal(bot, user=BOSS)
    assert len(block(view, "work_order")["element"]["options"]) == 1


def test_mark_paid_asks_the_date_records_it_once_and_updates_the_message(bot, slack, shop):
    issued, paid_on = local_today() - timedelta(days=10), local_today() - timedelta(days=2)
    inv = issue(bot.db, shop["wo"], "INV-118", "500", issued)
    bot.click("invoice_mark_paid", str(inv.id), user=FIN, channel="D0FIN", message_ts="1764000000.000200")
    view = bot.opened_view()
    assert view["callback_id"] == "invoice_paid_modal"
    assert block(view, "paid_on")["element"]["initial_date"] == local_today().isoformat()
    for bad, why in ((local_today() + timedelta(days=2), "in the future"), (issued - timedelta(days=1), "before")):
        assert why in bot.submit(view, {"paid_on": bad}, user=FIN).json()["errors"]["paid_on"]
    assert bot.submit(view, {"paid_on": paid_on}, user=FIN).content in (b"", b"{}")
    paid = rows(bot.db, Invoice)[0]
    assert (paid.status, paid.paid_on, paid.paid_by) == (InvoiceStatus.paid, paid_on, FIN)
    update = slack.wait_for("chat.update")[0]
    assert (update.params["channel"], update.params["ts"]) == ("D0FIN", "1764000000.000200")
    assert "Paid on" in dump(update) and "invoice_mark_paid" not in dump(update)

    # Again (a retried submission, a second click): nothing changes, it says who recorded it.
    bot.submit(view, {"paid_on": paid_on + timedelta(days=1)}, user=FIN)
    bot.click("invoice_mark_paid", str(inv.id), user=FIN, channel="D0FIN")
    assert "already paid" in eventually(lambda: _last_reply(slack))
    assert rows(bot.db, Invoice)[0].paid_on == paid_on
    assert len(rows(bot.db, AuditEvent, action="invoice.paid")) == 1 and len(slack.calls_to("views.open")) == 1


def _last_reply(slack):
    said = [c.params.get("text") or "" for c in slack.calls_to("response_url") + slack.calls_to("chat.postMessage")]
    assert any("already paid" in t for t in said)
    return next(t for t in said if "already paid" in t)


# --- aging -------------------------------------------------------------------------------------------------

def test_aging_boundaries(rhythm):
    """Issued on day 0 with 45-day terms: day 45 is the due date (not due), day 46 is 1 day overdue."""
    name_finance(rhythm.db, FIN)
    issued = date(2026, 11, 2)
    issue(rhythm.db, add_work_order(rhythm.db, add_client(rhythm.db)), "INV-1", "100", issued)
    for day_after_issue, bucket, late in [(0, service.NOT_DUE, 0), (45, service.NOT_DUE, 0), (46, service.DAYS_15, 1),
                                          (60, service.DAYS_15, 15), (61, service.DAYS_30, 16),
                                          (75, service.DAYS_30, 30), (76, service.DAYS_31_UP, 31)]:
        aging = service.aging(rhythm.db, TEAM, FIN, False, issued + timedelta(days=day_after_issue))
        assert {b: [x.card.invoice.number for x in lines] for b, lines in aging.buckets.items() if lines} == \
            {bucket: ["INV-1"]}, day_after_issue
        assert aging.buckets[bucket][0].days_overdue == late, day_after_issue


def test_aging_list_totals_per_currency_in_exact_decimals(bot, slack, shop):
    today = local_today()
    cases = [("USD", "0.10", 0), ("USD", "0.20", 0), ("USD", "1234567.89", 10), ("JPY", "1,000", 10),
             ("JPY", "2500", 20), ("EUR", "99.99", 40), ("USD", "5.00", 40)]
    for i, (cur, amount, late) in enumerate(cases):
        wo = add_work_order(bot.db, shop["acme"], seq=100 + i, currency=cur)
        issue(bot.db, wo, f"INV-{i}", amount, today - timedelta(days=45 + late))
    issue(bot.db, shop["wo"], "PAID-1", "7", today - timedelta(days=80))
    service.mark_paid(bot.db, TEAM, FIN, False, rows(bot.db, Invoice, number="PAID-1")[0].id, today, today)

    assert rows(bot.db, Invoice, number="INV-2")[0].amount == Decimal("1234567.89")   # exact on both databases
    totals = service.aging(bot.db, TEAM, FIN, False, today).totals
    assert totals == {service.NOT_DUE: {"USD": Decimal("0.30")},
                      service.DAYS_15: {"JPY": Decimal("1000"), "USD": Decimal("1234567.89")},
                      service.DAYS_30: {"JPY": Decimal("2500")},
                      service.DAYS_31_UP: {"EUR": Decimal("99.99"), "USD": Decimal("5.00")}}
    assert str(totals[service.NOT_DUE]["USD"]) == "0.30"                              # not 0.30000000000000004

    bot.command("/invoice", "list", user=FIN)
    reply = replies(slack, 1)[0]
    assert reply.params["response_type"] == "ephemeral"
    text = texts(reply.params["blocks"])
    assert "*Not due* — 2 · $0.30" in text
    assert "*0–15 days overdue* — 2 · ¥1,000 · $1,234,567.89" in text
    assert "*31+ days overdue* — 2 · €99.99 · $5.00" in text and "PAID-1" not in text
    marks = [b["accessory"]["value"] for b in reply.params["blocks"] if b.get("accessory")]
    assert len(marks) == 5                      # a Mark paid button on each overdue one, oldest first


# --- export ------------------------------------------------------------------------------------------------

def test_export_uploads_a_csv_with_formulas_neutralised(bot, slack, shop):
    evil = add_client(bot.db, '=HYPERLINK("http://evil","x")')
    wo = add_work_order(bot.db, evil, seq=20, currency="EUR")
    issue(bot.db, wo, "+1234", "1234.50", local_today() - timedelta(days=50))
    issue(bot.db, shop["wo"], "@SUM(A1)", "0.1", local_today())
    bot.command("/invoice", "export", user=AE)                 # not finance (nor lead): refused, no file
    assert "Ask <@U0FIN>" in replies(slack, 1)[0].params["text"] and slack.calls_to("file_upload") == []

    bot.command("/invoice", "export", user=FIN)
    assert "Sent you the CSV of 2 invoices" in replies(slack, 2)[1].params["text"]
    slack.wait_for("files.completeUploadExternal")   # an effect of its own, beside the reply
    [upload] = slack.calls_to("files.getUploadURLExternal")
    [sent] = slack.calls_to("file_upload")
    [done] = slack.calls_to("files.completeUploadExternal")
    assert upload.params["filename"] == f"invoices-{local_today()}.csv"
    assert int(upload.params["length"]) == len(sent.params["body"])
    assert done.params["channel_id"] == "D" + FIN[1:]        # the DM (conversations.open), not the user id
    assert json.loads(done.params["files"])[0]["id"] == sent.params["_id"]
    table = list(csv.reader(io.StringIO(sent.params["body"].decode("utf-8-sig"))))
    assert table[0] == ["number", "client", "work order", "amount", "currency", "issued", "due", "status",
                        "paid on", "days overdue"]
    assert table[1] == ["'+1234", '\'=HYPERLINK("http://evil","x")', "WO-2026-0020", "1234.50", "EUR",
                        str(local_today() - timedelta(days=50)), str(local_today() - timedelta(days=5)), "open", "",
                        "5"]
    assert table[2][:4] == ["'@SUM(A1)", "Acme", "WO-2026-0007", "0.10"]


def test_csv_cells_that_could_run_are_quoted_and_amounts_stay_numbers():
    assert [safe_cell(v) for v in ("=1+1", "+1", "-", "-1+1", "@A1", "\tx", "\rx", "Acme", "", None, "a=b")] == \
        ["'=1+1", "'+1", "'-", "'-1+1", "'@A1", "'\tx", "'\rx", "Acme", "", "", "a=b"]
    # Amounts are our own Decimals, written as numbers: a (never validated) negative one would stay a number.
    c = Client(team_id=TEAM, name="-", name_key="-", ae_id=AE, created_by=AE)
    w = WorkOrder(team_id=TEAM, client_id=1, number="WO-2026-0001", year=2026, seq=1, kind=WorkOrderKind.creative,
                  title="t", estimated_cost=Decimal(1), currency="KRW", created_by=AE)
    i = Invoice(team_id=TEAM, work_order_id=1, client_id=1, number="-", amount=Decimal("-5"), currency="KRW",
                issued_on=date(2026, 1, 1), due_on=date(2026, 2, 15), created_by=FIN)
    [row] = list(csv.reader(io.StringIO(invoices_csv([service.AgingLine(service.InvoiceCard(i, w, c), 0)], text_for("en")))))[1:]
    assert row[:5] == ["'-", "'-", "WO-2026-0001", "-5", "KRW"]
    with pytest.raises(InvalidInput):
        service.parse_amount("-5", "KRW")


# --- roles in /ae settings ---------------------------------------------------------------------------------

def test_admins_choose_finance_and_leads_in_settings(bot, slack):
    slack.users[BOSS] = {"is_admin": True}
    name_finance(bot.db, FIN)
    view = open_settings(bot, user=BOSS)
    assert block(view, "finance")["element"]["initial_users"] == [FIN]
    assert "initial_users" not in block(view, "lead")["element"]
    assert block(open_settings(bot, user=AE, n=2), "finance") is None       # not an admin: not shown

    # A forged form from a non-admin that changes who is finance is refused on that field.
    r = submit(bot, view, {"finance": [AE]}, user=AE)
    assert set(r.json()["errors"]) == {"workspace_tz", "finance"}
    assert roles.of_team(bot.db, TEAM) == {"finance": [FIN], "lead": []}

    r = submit(bot, view, {"finance": [FIN, "U0FIN2"], "lead": ["U0LEAD"]}, user=BOSS)
    assert r.content in (b"", b"{}"), r.text
    assert roles.of_team(bot.db, TEAM) == {"finance": [FIN, "U0FIN2"], "lead": ["U0LEAD"]}
    assert [json.loads(e.detail) for e in rows(bot.db, AuditEvent, action="roles.set")][-1] == \
        {"finance": [FIN, "U0FIN2"], "lead": ["U0LEAD"]}
    again = open_settings(bot, user=BOSS, n=3)
    assert block(again, "lead")["element"]["initial_users"] == ["U0LEAD"]
    before = len(rows(bot.db, AuditEvent, action="roles.set"))
    same = {"finance": ["U0FIN2", FIN], "lead": ["U0LEAD"]}          # same people, picked in another order
    assert submit(bot, again, same, user=BOSS).content in (b"", b"{}")  # nothing to record
    assert len(rows(bot.db, AuditEvent, action="roles.set")) == before

    # The new finance holder can now issue; the old default (an admin) cannot.
    add_work_order(bot.db, add_client(bot.db))
    bot.command("/invoice", "", user=BOSS)
    assert "Ask <@U0FIN>, <@U0FIN2>" in replies(slack, 1)[0].params["text"]


# --- App Home ----------------------------------------------------------------------------------------------

def test_finance_home_shows_aging_and_mark_paid_from_there(bot, slack, shop):
    today = local_today()
    issue(bot.db, shop["wo"], "INV-OLD", "1500", today - timedelta(days=70))
    bot.home_opened(user=FIN)
    bot.home_opened(user=AE)
    home = slack.wait_for("views.publish", where=lambda c: c.params["user_id"] == FIN)[0].params["view"]
    text = texts(home["blocks"])
    assert "Open invoices by aging" in text and "16–30 days overdue* · 1 · $1,500.00" in text
    ae_home = slack.wait_for("views.publish", where=lambda c: c.params["user_id"] == AE)[0].params["view"]
    assert "Open invoices by aging" not in json.dumps(ae_home)

    [mark] = [b["accessory"] for b in home["blocks"] if b.get("accessory", {}).get("action_id") == "invoice_mark_paid"]
    bot.click("invoice_mark_paid", mark["value"], user=FIN, view={**home, "id": "V0HOME"})
    bot.submit(bot.opened_view(), {"paid_on": today}, user=FIN)
    again = slack.wait_for("views.publish", 2, where=lambda c: c.params["user_id"] == FIN)[1].params["view"]
    assert "No open invoices" in json.dumps(again) and rows(bot.db, Invoice)[0].status == InvoiceStatus.paid


def test_finance_section_fits_what_is_left_of_the_home_tab():
    aging = service.Aging(date(2026, 12, 1), {b: [] for b in service.BUCKETS})
    assert len(finance_blocks(aging, 0)) == 4
    assert len(finance_blocks(aging, 97)) <= 3 and finance_blocks(aging, 99) == []
    assert finance_blocks(None, 0) == []
