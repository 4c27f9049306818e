"""Work orders and clients in the reader's language, end to end (issue 9): the modals and replies in the
language of whoever typed or clicked, the cards in the client's channel in the client's language (else
the workspace's), costs read in the reader's own notation."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlmodel import select
from test_clients import submit as submit_client
from test_workorders import (TEAM, add_client, blocks_text, card_shows, click, modal_values, open_view, rows,
                             told, until, views_opened)

from bot.i18n import LANGUAGES, NAMES, text_for
from bot.models import Client, SignOff, WorkOrder, WorkOrderSigner
from bot.render import clients as render_clients
from bot.render import workorders as render
from bot.services import workorders as service
from bot.services.clients import ClientRow, Saved
from i18n_checks import problems

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only

SOON = date.today() + timedelta(days=20)


def set_language(db, client_id: int, lang: str | None) -> None:
    with db.transaction() as s:
        c = s.get(Client, client_id)
        c.language = lang
        s.add(c)


def channel_posts(slack, channel: str) -> list:
    return [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == channel
            and not c.params.get("thread_ts")]


def open_workorder(bot, slack, user="U0AE", channel="C0ACME") -> dict:
    n = views_opened(slack)
    bot.command("/workorder", user=user, channel=channel)
    return open_view(bot, slack, n)


def test_a_spanish_ae_writes_a_spanish_amount_and_the_card_is_in_the_clients_korean(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    cid = add_client(bot.db)
    set_language(bot.db, cid, "ko")
    view = open_workorder(bot, slack)
    assert view["title"]["text"] == "Nueva orden de trabajo"                      # the AE's modal: Spanish
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert "Coste estimado" in labels and "Proveedor externo" in labels
    kinds = [o["text"]["text"] for o in view["blocks"][1]["element"]["options"]]
    assert kinds == ["Orden de trabajo creativa", "Orden de investigación", "Orden de medios", "Comunicado de prensa"]
    cost = next(b for b in view["blocks"] if b["block_id"] == "cost")
    assert "1.200,50" in cost["hint"]["text"]                                     # the example in her notation

    r = bot.submit(view, modal_values(cid, cost="1.200,50", currency="EUR"))      # her notation
    assert r.status_code == 200 and not r.content.strip(b"{}"), r.content
    post = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0ACME")[0]
    [wo] = rows(bot.db, WorkOrder)
    assert wo.estimated_cost == Decimal("1200.50") and wo.currency == "EUR"
    text = blocks_text(post)
    for part in ("크리에이티브 작업 지시서", "*예상 비용:* €1,200.50", "*상태:* 🟡 진행 중", "*외주 업체:* Studio Norte",
                 '"납품 완료 처리"', "*브리프 및 요구 사항*"):
        assert part in text, part
    assert "Estimated" not in text and "Coste" not in text
    assert post.params["text"].startswith("작업 지시서 WO-")                       # the notification too
    assert f"|{text_for('ko').date(SOON)}>" in text                                # the date's fallback, Korean


def test_refusals_come_in_the_readers_language(bot, slack):
    slack.users["U0AE"] = {"locale": "zh-CN"}
    slack.users["U0BOB"] = {"locale": "ko-KR"}
    slack.users["U0FIN"] = {"locale": "es-LA", "is_admin": True}
    cid = add_client(bot.db)
    view = open_workorder(bot, slack)
    assert view["title"]["text"] == "新建工作单"
    # An ambiguous amount and a missing title: refused on their blocks, in Chinese, saying how to write it.
    r = bot.submit(view, modal_values(cid, cost="1.234", title=" "))
    errors = r.json()["errors"]
    assert set(errors) == {"cost", "title"}
    assert "1,234" in errors["cost"] and "1.23" in errors["cost"] and "千" in errors["cost"], errors
    assert errors["title"] == "请您为工作单填写标题。"
    r = bot.submit(view, modal_values(cid, cost="1200.5", currency="JPY"))
    assert "JPY" in r.json()["errors"]["cost"] and "小数" in r.json()["errors"]["cost"]
    assert rows(bot.db, WorkOrder) == []

    assert bot.submit(view, modal_values(cid, cost="1,200.50")).status_code == 200
    wo = until(lambda: (rows(bot.db, WorkOrder) or [None])[0])
    click(bot, "workorder_deliver", str(wo.id), user="U0BOB")                      # Bob is neither AE nor creator
    assert told(slack) == f"고객의 담당 AE나 {wo.number}을(를) 만든 사람만 납품 완료로 처리할 수 있어요. <@U0AE> 님에게 요청해 주세요."
    click(bot, "workorder_close", str(wo.id), user="U0FIN")                        # not delivered yet
    assert told(slack, 2) == (f"{wo.number} está abierta: aún no se ha entregado nada. Primero márcala como "
                              "entregada.")


def test_delivering_signing_and_closing_each_in_its_readers_language(bot, slack):
    slack.users["U0AE"] = {"locale": "ko-KR"}
    slack.users["U0DANA"] = {"locale": "zh-CN"}          # the client's contact, a guest
    slack.users["U0FIN"] = {"locale": "es-ES", "is_admin": True}
    cid = add_client(bot.db, contacts=["U0DANA"])
    set_language(bot.db, cid, "es")                      # the client's channel reads Spanish
    card, _ = service.create(bot.db, TEAM, "U0AE", service.WorkOrderDraft(
        client_id=cid, kind="press_release", title="Nota de lanzamiento", brief="", cost="12,500", currency="USD",
        vendor="", due_on=SOON))
    wo = card.wo
    with bot.db.transaction() as s:                      # its card, as if posted
        w = s.get(WorkOrder, wo.id)
        w.message_channel, w.message_ts = "C0ACME", "1764000000.000900"
        s.add(w)

    n = views_opened(slack)
    click(bot, "workorder_deliver", str(wo.id), user="U0AE")
    deliver = open_view(bot, slack, n)
    assert deliver["title"]["text"] == "납품 완료 처리" and deliver["submit"]["text"] == "저장"
    assert bot.submit(deliver, {"deliverable": ""}).json()["errors"]["deliverable"] == "납품한 내용을 입력해 주세요."
    bot.submit(deliver, {"deliverable": "Comunicado final: https://files.example/pr"})
    card_shows(slack, "1764000000.000900", "Comunicado de prensa", "📦 Entregada",
               '"Pedir visto bueno"', '"Cerrar trabajo"', "12.500,00\xa0US$")

    n = views_opened(slack)
    click(bot, "workorder_request_signoff", str(wo.id), user="U0AE")
    signers = open_view(bot, slack, n)
    assert signers["title"]["text"] == "서명 요청" and "<@U0DANA>" in json.dumps(signers)
    bot.submit(signers, {"signers": ["U0ALICE", "U0BOB"]})
    post = until(lambda: (channel_posts(slack, "C0ACME") or [None])[0])
    text = blocks_text(post)                             # the sign-off card: the client's Spanish
    assert "*0 de 3 firmas*" in text and "Faltan por firmar: <@U0ALICE>, <@U0BOB>, <@U0DANA> (cliente)" in text, text
    assert '"Firmar"' in text and '"Pedir cambios"' in text
    ts = until(lambda: rows(bot.db, WorkOrder)[0].signoff_ts)

    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0DANA", user_team="T0CLIENT")
    card_shows(slack, ts, "*1 de 3 firmas*", "_confirmado por el cliente_")
    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0DANA", user_team="T0CLIENT")   # again
    assert told(slack) == f"您已签字确认过 {wo.number} 的第 1 版。"                   # Dana reads Chinese

    n = views_opened(slack)
    click(bot, "workorder_request_changes", str(wo.id), user="U0DANA", user_team="T0CLIENT")
    changes = open_view(bot, slack, n)
    assert changes["title"]["text"] == "要求修改" and changes["submit"]["text"] != "Send"
    assert bot.submit(changes, {"comment": "Añadir la cita del director."}, user="U0DANA").status_code == 200
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE")[0]
    assert "수정을 요청했어요" in blocks_text(dm) and "<@U0DANA> (고객)" in blocks_text(dm)   # the AE reads Korean
    assert '"재납품"' in blocks_text(dm)

    n = views_opened(slack)
    click(bot, "workorder_close", str(wo.id), user="U0FIN")
    close = open_view(bot, slack, n)
    assert close["title"]["text"] == "Cerrar trabajo" and "12.500,00\xa0US$" in json.dumps(close, ensure_ascii=False)
    hint = next(b for b in close["blocks"] if b.get("block_id") == "actual_cost")["hint"]["text"]
    assert hint == "En USD, con 2 decimales como máximo, como 1.200,50."
    assert "decimales" in bot.submit(close, {"actual_cost": "1.180,255"}, user="U0FIN").json()["errors"][
        "actual_cost"]
    assert bot.submit(close, {"actual_cost": "11.980,25"}, user="U0FIN").status_code == 200
    card_shows(slack, "1764000000.000900", "🔒 Cerrada", "*Coste real:* 11.980,25\xa0US$", "*Cerrada por:* <@U0FIN>")
    assert rows(bot.db, WorkOrder)[0].actual_cost == Decimal("11980.25")
    assert {x.signer_id for x in rows(bot.db, SignOff)} == {"U0DANA"}
    assert len(rows(bot.db, WorkOrderSigner)) == 3


def test_a_card_follows_the_workspace_language_until_the_client_chooses_one(bot, slack):
    slack.users["U0AE"] = {"locale": "ko-KR"}
    cid = add_client(bot.db)
    view = open_workorder(bot, slack)
    bot.submit(view, modal_values(cid, cost="1,200"))
    post = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0ACME")[0]
    assert "*Estimated cost:* $1,200.00" in blocks_text(post)        # no language set: the workspace's English

    # The AE gives the client Chinese in /client edit: the next card (and a refresh) is in Chinese at once.
    bot.command("/client", "edit acme", user="U0AE")
    edit = bot.opened_view(2)
    assert edit["title"]["text"] == "고객 수정"
    language = next(b for b in edit["blocks"] if b["block_id"] == "language")
    assert [o["text"]["text"] for o in language["element"]["options"]] == \
        ["워크스페이스 기본값", "English", "Español", "한국어", "简体中文"]
    assert language["element"]["initial_option"]["value"] == "default"
    r = submit_client(bot, edit, {"language": "zh"})
    assert r.status_code == 200 and not r.content.strip(b"{}"), r.text
    until(lambda: rows(bot.db, Client)[0].language == "zh")
    reply = slack.wait_for("chat.postEphemeral")[0]
    assert "*Acme* 고객 정보를 수정했어요" in json.dumps(reply.params["blocks"], ensure_ascii=False)   # the AE: Korean

    view = open_workorder(bot, slack)
    bot.submit(view, modal_values(cid, cost="900", title="Segunda pieza"))
    second = until(lambda: (channel_posts(slack, "C0ACME")[1:] or [None])[0])
    assert "*预估成本：* US$900.00" in blocks_text(second) and "创意工作单" in blocks_text(second)

    r = bot.command("/client", "list", user="U0AE")
    answer = slack.wait_for("response_url")[0].params
    assert "*고객 (1)*" in answer["blocks"][0]["text"]["text"] and "게시 언어: 简体中文" in json.dumps(
        answer["blocks"], ensure_ascii=False)
    assert answer["text"] == "고객 1명"


def test_client_list_plurals_and_refusals_in_spanish(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    bot.command("/client", "list")
    assert slack.wait_for("response_url")[0].params["text"].startswith("Aún no hay clientes.")
    bot.command("/client", "add Acme", channel="C0ACME")
    view = bot.opened_view()
    assert view["title"]["text"] == "Nuevo cliente"
    tiers = [o["text"]["text"] for o in next(b for b in view["blocks"] if b["block_id"] == "tier")["element"]["options"]]
    assert tiers == ["A — cuenta clave", "B — secundaria", "C — mediana"]
    days = [o["text"]["text"] for o in next(b for b in view["blocks"] if b["block_id"] == "report_day")["element"]["options"]]
    assert days == ["Lunes", "Martes", "Miércoles", "Jueves", "Viernes"]
    errors = submit_client(bot, view, {"payment_terms": "400", "report_time": "mediodía"}).json()["errors"]
    assert errors == {"payment_terms": "El plazo de pago va de 1 a 365 días. Escribe un número en ese rango.",
                      "report_time": "Escribe la hora como HH:MM, por ejemplo 12:00 o 16:30."}
    assert submit_client(bot, view, {"report_day": "thu", "payment_terms": "1"}).status_code == 200
    reply = slack.wait_for("chat.postEphemeral")[0]
    text = reply.params["blocks"][0]["text"]["text"]
    assert text.startswith("Añadido *Acme*") and "los jueves a las 12:00" in text and "plazo de pago: 1 día." in text
    assert "lun, jue" in text                                             # tier B's call days, abbreviated
    bot.command("/client", "list")
    one = slack.wait_for("response_url", 2)[1].params
    assert one["text"] == "1 cliente" and "*Cliente (1)*" in one["blocks"][0]["text"]["text"]
    assert "publica en el idioma del espacio de trabajo" in one["blocks"][0]["text"]["text"]
    add_client(bot.db, name="Beta", channel="C0BETA")
    bot.command("/client", "list")
    two = slack.wait_for("response_url", 3)[2].params
    assert two["text"] == "2 clientes" and "*Clientes (2)*" in two["blocks"][0]["text"]["text"]
    bot.command("/client", "edit acmee")
    assert slack.wait_for("response_url", 4)[3].params["text"] == \
        "No hay ningún cliente llamado «acmee». ¿Querías decir: Acme?"
    r = bot.command("/client", "borrar")
    assert "No conozco `/client borrar`" in r.text and "/client list" in r.text


# --- every screen within Slack's limits, in every language ---------------------------------------

def _card(status="delivered", signers=True) -> service.WorkOrderCard:
    now = datetime(2026, 12, 2, 15, tzinfo=timezone.utc)
    client = Client(id=1, team_id=TEAM, name="Acme " + "Ñ" * 110, name_key="acme", ae_id="U0AE", channel_id="C0ACME",
                    created_by="U0AE", language="es")
    wo = WorkOrder(id=7, team_id=TEAM, client_id=1, number="WO-2026-0001", year=2026, seq=1, kind="media_placement",
                   title="T" * 200, brief="B" * 3000, estimated_cost=Decimal("1234567.89"), currency="EUR",
                   vendor="V" * 200, due_on=date(2026, 12, 24), created_by="U0BOB", created_at=now, status=status,
                   deliverable="D" * 3000, version=2, content_hash="h" * 64, delivered_at=now,
                   actual_cost=Decimal("1200000.10"), closed_by="U0FIN", closed_at=now)
    people = [WorkOrderSigner(id=i, team_id=TEAM, work_order_id=7, user_id=f"U0S{i:02d}",
                              role="client" if i % 3 == 0 else "colleague") for i in range(12)] if signers else []
    signed = [SignOff(id=i, team_id=TEAM, subject_kind="work_order", subject_id=7, version=2, content_hash="h" * 64,
                      signer_id=f"U0S{i:02d}", decision="approve", role=people[i].role, signed_at=now)
              for i in range(4)] if signers else []
    asked = [SignOff(id=9, team_id=TEAM, subject_kind="work_order", subject_id=7, version=2, content_hash="h" * 64,
                     signer_id="U0S05", decision="changes_requested", comment="C" * 3000, signed_at=now)] if signers else []
    return service.WorkOrderCard(wo=wo, client=client, signers=people, approvals=signed, change_requests=asked,
                                 must_resign=["U0S10", "U0S11"] if signers else [])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_work_order_and_client_screen_fits_slacks_limits(lang):
    t = text_for(lang)
    card = _card()
    clients = [Client(id=i, team_id=TEAM, name=f"Client {i} " + "x" * 100, name_key=f"c{i}", ae_id="U0AE",
                      channel_id=f"C{i}", created_by="U0AE") for i in range(100)]
    surfaces = {
        "workorder_modal": render.workorder_modal(clients, 140, channel_id="C3", text="", today=date(2026, 12, 2), t=t),
        "deliver_modal": render.deliver_modal(card, t),
        "deliver_modal_first": render.deliver_modal(_card("open", signers=False), t),
        "close_modal": render.close_modal(card, t),
        "signers_modal": render.signers_modal(card, ["U0S00", "U0S03"], t),
        "signers_modal_none": render.signers_modal(card, [], t),
        "changes_modal": render.changes_modal(card.wo, t),
        "client_modal": render_clients.client_modal(ae_id="U0AE", channel_id="C0ACME", t=t),
        "client_edit": render_clients.client_modal(client=card.client, contacts=["U0DANA"], t=t),
    }
    for status in ("open", "delivered", "closed", "invoiced"):
        surfaces[f"job_card_{status}"] = render.job_card(_card(status), t)["blocks"]
        surfaces[f"signoff_card_{status}"] = render.signoff_card(_card(status), t)["blocks"]
    surfaces["superseded"] = render.superseded(card, t)["blocks"]
    surfaces["changes_dm"] = render.changes_dm(card, "U0S03", "C" * 3000, t)["blocks"]
    rows_ = [ClientRow(c, [], datetime(2026, 12, 7, 17, tzinfo=timezone.utc)) for c in clients]
    surfaces["client_list"] = render_clients.client_list(rows_, t)["blocks"]
    surfaces["home"] = render_clients.home_blocks(rows_, t)
    surfaces["saved"] = render_clients.saved_reply(Saved(card.client, [], True, True), t)["blocks"]
    for name, surface in surfaces.items():
        assert not problems(surface, name), problems(surface, name)
        if isinstance(surface, dict):
            assert len(surface["title"]["text"]) <= 24, (name, surface["title"]["text"])
    if lang != "en":   # every label the modals show is translated (none left in English)
        english = text_for("en")
        for name in ("workorder_modal", "close_modal", "client_modal"):
            ours = [b["label"]["text"] for b in surfaces[name]["blocks"] if b["type"] == "input"]
            theirs = [b["label"]["text"] for b in (render.workorder_modal(clients, 140, channel_id="C3", text="",
                                                                          today=date(2026, 12, 2), t=english)
                                                   if name == "workorder_modal" else
                                                   render.close_modal(card, english) if name == "close_modal" else
                                                   render_clients.client_modal(ae_id="U0AE", t=english))["blocks"]
                      if b["type"] == "input"]
            assert [a for a, b in zip(ours, theirs) if a == b and a != "AE"] == [], name
    assert NAMES[lang] in json.dumps(surfaces["client_modal"], ensure_ascii=False)
