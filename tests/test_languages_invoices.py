"""Invoices in the reader's language (issue 9), end to end through the real endpoints and the fake Slack:
the finance person reads the modal, the replies and the CSV header in theirs, the AE their DM in theirs,
a card in a client's channel is in the client's, amounts are read in the notation of whoever typed them,
and each collection reminder is in its recipient's language."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rhythm import utc
from test_invoices import (AE, FIN, MADRID, TEAM, add_client, add_work_order, issue, local_today, name_finance,
                           open_modal, replies, rows, texts)
from test_settings import block

from bot.i18n import LANGUAGES, text_for
from bot.models import Client, Invoice, InvoiceStatus, Person, WorkOrder, WorkOrderKind, WorkOrderStatus
from bot.render import invoices as render
from bot.render.finance_home import finance_blocks
from bot.services import invoices as service
from i18n_checks import problems

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only


def person(bot, slack, user, locale, tz=MADRID):
    """Someone we know, with a Slack locale (a Person row as users.info leaves it, and Slack says the same)."""
    with bot.db.transaction() as s:
        s.add(Person(team_id=TEAM, user_id=user, tz=tz, locale=locale, refreshed_at=utc(2026, 11, 1)))
    slack.users.setdefault(user, {}).update(locale=locale, tz=tz)


@pytest.fixture
def shop(bot, slack):
    """Finance reads Spanish, the AE Korean; a closed work order in euros for Acme."""
    person(bot, slack, FIN, "es-ES")
    person(bot, slack, AE, "ko-KR", "Asia/Seoul")
    name_finance(bot.db, FIN)
    acme = add_client(bot.db)
    wo = add_work_order(bot.db, acme, currency="EUR")
    return {"acme": acme, "wo": wo}


def dm_to(slack, user):
    return slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == user)[0]


def dump(params) -> str:
    return json.dumps(params, ensure_ascii=False)


def test_spanish_finance_issues_and_the_korean_ae_reads_their_dm(bot, slack, shop):
    view = open_modal(bot)
    assert view["title"]["text"] == "Emitir una factura" and view["submit"]["text"] == "Emitir"
    assert view["close"]["text"] == "Cancelar"
    amount = block(view, "amount")
    assert amount["label"]["text"] == "Importe"
    assert amount["element"]["placeholder"]["text"] == "p. ej. 12.500,00"      # the reader's own notation
    assert "«,»" in amount["hint"]["text"]

    r = bot.submit(view, {"work_order": str(shop["wo"]), "number": "FAC-7", "amount": "12.500,50",
                          "issued_on": date(2026, 11, 2)}, user=FIN)
    assert r.content in (b"", b"{}"), r.text
    [inv] = rows(bot.db, Invoice)
    assert (inv.amount, inv.currency) == (Decimal("12500.50"), "EUR")

    mine = dm_to(slack, FIN).params                                            # finance: Spanish
    assert mine["text"] == "Factura FAC-7 · Acme"
    assert "12.500,50\xa0€" in dump(mine["blocks"]) and "vence el" in dump(mine["blocks"])
    assert "|17 dic 2026>" in dump(mine["blocks"])                            # the date's fallback, in Spanish
    assert mine["blocks"][-1]["elements"][0]["text"]["text"] == "Marcar pagada"
    ae = dm_to(slack, AE).params                                               # the AE: Korean
    assert ae["text"] == "WO-2026-0007 청구서 FAC-7 발행, 기한 2026. 12. 17."
    assert "€12,500.50" in dump(ae["blocks"]) and "결제 조건 45일" in dump(ae["blocks"])


@pytest.mark.parametrize("locale,written,currency,expected", [
    ("es-ES", "1.200,50", "EUR", Decimal("1200.50")),
    ("es-ES", "1.234", "EUR", Decimal("1234")),              # to a Spanish reader, a thousand and more
    ("en-US", "1,200.50", "USD", Decimal("1200.50")),
    ("ko-KR", "12,500", "KRW", Decimal("12500")),
    ("zh-CN", "12500.5", "CNY", Decimal("12500.50")),
    ("en-US", "1.234", "USD", ["could be read two ways", "1,234"]),
    ("es-ES", "1,234", "EUR", ["dos maneras", "1.234"]),
    ("es-ES", "1,200.50", "EUR", ["No entiendo", "1.200,50"]),
    ("en-US", "1.200,50", "USD", ["can't read", "1,200.50"]),
    ("ko-KR", "12.5", "KRW", ["KRW 금액에는 소수점이 없어요", "1,200처럼"]),
    ("zh-CN", "-5", "CNY", ["金额必须大于零"]),
])
def test_amounts_are_read_in_the_notation_of_whoever_submits(bot, slack, locale, written, currency, expected):
    person(bot, slack, FIN, locale)
    name_finance(bot.db, FIN)
    wo = add_work_order(bot.db, add_client(bot.db), currency=currency)
    view = open_modal(bot)
    r = bot.submit(view, {"work_order": str(wo), "number": "INV-1", "amount": written,
                          "issued_on": date(2026, 11, 2)}, user=FIN)
    if isinstance(expected, Decimal):
        assert r.content in (b"", b"{}"), r.text
        assert rows(bot.db, Invoice)[0].amount == expected
        return
    error = r.json()["errors"]
    assert set(error) == {"amount"} and rows(bot.db, Invoice) == [], error
    for words in expected:
        assert words in error["amount"], error


def test_refusals_come_in_the_readers_language(bot, slack, shop):
    person(bot, slack, "U0ZH", "zh-CN")
    bot.command("/invoice", "", user="U0ZH")
    assert replies(slack, 1)[0].params["text"] == "只有财务部可以开具发票。请联系 <@U0FIN>。"
    r = bot.command("/invoice", "lista", user=AE)
    said = r.json()["text"] if "json" in r.headers.get("content-type", "") else r.text
    assert "`/invoice lista` 명령은 없어요." in said and "사용법" in said, said

    # A payment dated tomorrow, in the Spanish finance person's modal: refused in Spanish.
    inv = issue(bot.db, shop["wo"], "FAC-1", "500", local_today() - timedelta(days=3))
    bot.click("invoice_mark_paid", str(inv.id), user=FIN, channel="D0FIN")
    view = bot.opened_view()
    assert view["title"]["text"] == "Marcar pagada" and block(view, "paid_on")["label"]["text"] == "Fecha de pago"
    error = bot.submit(view, {"paid_on": local_today() + timedelta(days=1)}, user=FIN).json()["errors"]["paid_on"]
    assert "aún no ha llegado" in error and text_for("es").date(local_today() + timedelta(days=1)) in error


def test_a_chinese_finance_person_reads_invoice_list_with_plurals_money_and_dates(bot, slack):
    person(bot, slack, FIN, "zh-CN")
    name_finance(bot.db, FIN)
    client = add_client(bot.db, "Acme")
    today = local_today()
    for i, (amount, currency, late) in enumerate([("12500.50", "CNY", 1), ("99.99", "USD", 20), ("7", "CNY", -3)]):
        issue(bot.db, add_work_order(bot.db, client, seq=10 + i, currency=currency), f"INV-{i}", amount,
              today - timedelta(days=45 + late))
    bot.command("/invoice", "list", user=FIN)
    reply = replies(slack, 1)[0].params
    assert reply["text"] == "3 张未付款发票"
    text = texts(reply["blocks"])
    assert "*未付款发票账龄*" in text and "*逾期 0–15 天* — 1 · ¥12,500.50" in text
    assert "*逾期 1 天*" in text and "*逾期 20 天*" in text and "US$99.99" in text
    assert "*未到期* — 1 · ¥7.00" in text
    assert f"|{text_for('zh').date(today + timedelta(days=3))}>" in text       # 2026年…月…日
    assert {b["accessory"]["text"]["text"] for b in reply["blocks"] if b.get("accessory")} == {"标记已付款"}


def test_spanish_plurals_in_the_aging_list():
    t = text_for("es")
    c = Client(team_id=TEAM, name="Acme", name_key="acme", ae_id=AE, created_by=AE)
    inv = Invoice(team_id=TEAM, work_order_id=1, client_id=1, number="F-1", amount=Decimal("12500.5"),
                  currency="EUR", issued_on=date(2026, 10, 1), due_on=date(2026, 11, 15), created_by=FIN)
    card = service.InvoiceCard(inv, None, c)
    assert render._line(service.AgingLine(card, 1), t).endswith("*vencida hace 1 día*")
    assert render._line(service.AgingLine(card, 2), t).endswith("*vencida hace 2 días*")
    assert "12.500,50\xa0€" in render._line(service.AgingLine(card, 2), t)
    aging = service.Aging(date(2026, 12, 1), {b: [] for b in service.BUCKETS})
    aging.buckets[service.DAYS_30].append(service.AgingLine(card, 16))
    assert render.aging_report(aging, t)["text"] == "1 factura abierta"
    aging.buckets[service.DAYS_30].append(service.AgingLine(card, 16))
    assert render.aging_report(aging, t)["text"] == "2 facturas abiertas"


def test_the_export_header_is_in_the_exporters_language_and_the_data_stays_machine_readable(bot, slack, shop):
    issue(bot.db, shop["wo"], "FAC-9", "1234.50", local_today() - timedelta(days=50), currency="EUR")
    bot.command("/invoice", "export", user=FIN)
    assert replies(slack, 1)[0].params["text"] == "📎 Te he enviado por mensaje directo el CSV de 1 factura."
    slack.wait_for("files.completeUploadExternal")
    [sent] = slack.calls_to("file_upload")
    [upload] = slack.calls_to("files.getUploadURLExternal")
    assert upload.params["filename"] == f"facturas-{local_today().isoformat()}.csv"
    table = list(csv.reader(io.StringIO(sent.params["body"].decode("utf-8-sig"))))
    assert table[0] == ["número", "cliente", "orden de trabajo", "importe", "moneda", "emitida", "vence", "estado",
                        "pagada el", "días vencida"]
    issued = local_today() - timedelta(days=50)
    assert table[1] == ["FAC-9", "Acme", "WO-2026-0007", "1234.50", "EUR", issued.isoformat(),
                        (issued + timedelta(days=45)).isoformat(), "abierta", "", "5"]


def test_a_card_in_a_clients_channel_is_in_the_clients_language_the_modal_in_the_clickers(bot, slack, shop):
    with bot.db.transaction() as s:
        s.get(Client, shop["acme"]).language = "zh"      # Acme's channel C0ACME reads Chinese
    inv = issue(bot.db, shop["wo"], "FAC-2", "800", local_today() - timedelta(days=5))
    bot.click("invoice_mark_paid", str(inv.id), user=FIN, channel="C0ACME", message_ts="1764000000.000300")
    view = bot.opened_view()
    assert view["submit"]["text"] == "Marcar pagada"                          # the clicker reads Spanish
    assert bot.submit(view, {"paid_on": local_today()}, user=FIN).content in (b"", b"{}")
    update = slack.wait_for("chat.update")[0].params
    assert (update["channel"], update["ts"]) == ("C0ACME", "1764000000.000300")
    assert update["text"] == "发票 FAC-2 · Acme" and "已付款，由 <@U0FIN> 记录" in dump(update["blocks"])
    assert rows(bot.db, Invoice)[0].status == InvoiceStatus.paid


def test_collection_reminders_are_in_each_recipients_language(rhythm, slack):
    rhythm.person(AE, "Asia/Seoul", locale="ko-KR")
    rhythm.person(FIN, MADRID, locale="es-ES")
    rhythm.person("U0LEAD", MADRID, locale="zh-CN")
    name_finance(rhythm.db, FIN, lead=["U0LEAD"])
    client = add_client(rhythm.db, "Acme")
    wo = add_work_order(rhythm.db, client, status=WorkOrderStatus.invoiced, currency="KRW")
    with rhythm.db.transaction() as s:
        s.add(Invoice(team_id=TEAM, work_order_id=wo, client_id=client, number="INV-1", amount=Decimal("1500000"),
                      currency="KRW", issued_on=date(2026, 11, 2), due_on=date(2026, 12, 17), created_by=FIN))
    for at in (utc(2026, 12, 2, 0, 0), utc(2026, 12, 2, 8, 0), utc(2027, 1, 1, 8, 0)):
        rhythm.tick(at)
    ae, = [c for c in rhythm.dms(AE) if "INV-1" in (c.text or "")]
    assert ae.text == "청구서 INV-1 기한이 15일 남았어요" and "₩1,500,000" in dump(ae.params["blocks"])
    assert "수금을 확인해 주세요" in dump(ae.params["blocks"])
    fin, = [c for c in rhythm.dms(FIN) if "INV-1" in (c.text or "")]
    assert fin.text == "La factura INV-1 vence en 15 días" and "1.500.000\xa0KRW" in dump(fin.params["blocks"])
    assert fin.params["blocks"][-1]["elements"][0]["text"]["text"] == "Marcar pagada"
    lead, = [c for c in rhythm.dms("U0LEAD") if "INV-1" in (c.text or "")]
    assert lead.text == "发票 INV-1 已逾期 15 天" and "您作为主管收到此提醒" in dump(lead.params["blocks"])

    t = text_for("es")   # one day each way: singular in Spanish
    card = service.InvoiceCard(rows(rhythm.db, Invoice)[0], WorkOrder(number="WO-1"),
                               rows(rhythm.db, Client)[0])
    soon = render.collection_reminder(card, FIN, date(2026, 12, 15), t, finance=True, lead=False,
                                      finance_named=True, lead_named=True)
    late = render.collection_reminder(card, FIN, date(2026, 12, 18), t, finance=True, lead=False,
                                      finance_named=True, lead_named=True)
    assert (soon["text"], late["text"]) == ("La factura INV-1 vence en 2 días", "La factura INV-1 lleva 1 día vencida")


def _surfaces(t):
    c = Client(team_id=TEAM, name="Acme Foods International " * 3, name_key="acme", ae_id=AE, created_by=AE,
               payment_terms_days=45)
    w = WorkOrder(id=7, team_id=TEAM, client_id=1, number="WO-2026-0007", year=2026, seq=7,
                  kind=WorkOrderKind.creative, title="Spring video " * 20, estimated_cost=Decimal(1), currency="EUR",
                  created_by=AE)
    open_inv = Invoice(id=1, team_id=TEAM, work_order_id=1, client_id=1, number="INV-2026-118",
                       amount=Decimal("1234567.89"), currency="EUR", issued_on=date(2026, 11, 2),
                       due_on=date(2026, 12, 17), created_by=FIN)
    paid = Invoice(id=2, team_id=TEAM, work_order_id=1, client_id=1, number="INV-2026-119", amount=Decimal("5"),
                   currency="KRW", issued_on=date(2026, 11, 2), due_on=date(2026, 12, 17), created_by=FIN,
                   status=InvoiceStatus.paid, paid_on=date(2026, 12, 1), paid_by=FIN)
    cards = [service.InvoiceCard(open_inv, w, c), service.InvoiceCard(paid, w, c)]
    aging = service.Aging(date(2027, 2, 1), {b: [] for b in service.BUCKETS})
    aging.buckets[service.DAYS_31_UP] = [service.AgingLine(cards[0], 46)] * 30
    out = [render.invoice_modal([(w, c)] * 100, date(2026, 12, 1), "C0ACME", t),
           render.paid_modal(cards[0], date(2026, 12, 1), {"invoice": 1}, t),
           render.aging_report(aging, t), render.aging_report(service.Aging(aging.today, {b: [] for b in
                                                                             service.BUCKETS}), t),
           {"type": "home", "blocks": finance_blocks(aging, 0, t)}]
    for card in cards:
        out += [render.invoice_card(card, t), render.issued_to_ae(card, t)]
        for today in (date(2026, 12, 1), date(2026, 12, 16), date(2026, 12, 17), date(2027, 1, 1)):
            out.append(render.collection_reminder(card, AE, today, t, finance=True, lead=True, finance_named=False,
                                                  lead_named=False))
    return out + [render.paid_notice(cards[1], True, t), render.paid_notice(cards[1], False, t)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_invoice_screen_fits_slacks_limits_in_every_language(lang):
    t = text_for(lang)
    for surface in _surfaces(t):
        assert not problems(surface), problems(surface)
        if surface.get("type") == "modal":
            assert len(surface["title"]["text"]) <= 24 and len(surface["submit"]["text"]) <= 24
        assert surface.get("type") in ("modal", "home") or surface["text"].strip()
    assert render.usage("x", t)["text"] and render.export_file(3, date(2026, 12, 1), t)["title"]


@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "KRW", "CNY", "BHD", "IQD", "CLP"])
def test_what_is_accepted_stored_and_shown_has_the_same_decimals(currency):
    """One table of minor units (CLDR's), for the parser, the totals and `Text.money` (ISO says IQD has 3, CLDR 0:
    with two tables a total could carry decimals the amounts never had)."""
    from bot.amounts import amount_problem
    from bot.i18n import decimals

    places = service.minor_units(currency)
    assert places == decimals(currency)
    en = text_for("en")
    exact = "1234" + ("." + "5" * places if places else "")
    assert amount_problem(exact, currency, en) == Decimal(exact)
    assert amount_problem("1234." + "0" * places + "1", currency, en).code in ("amount_no_decimals",
                                                                              "amount_too_many_decimals")
    assert en.money(Decimal(exact), currency).endswith(exact[-places - 1:] if places else "1,234")
