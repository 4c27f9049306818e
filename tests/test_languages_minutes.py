"""Minutes and sign-offs in the reader's language (issue 9): the /minutes modal in its author's, the
summary in its channel's (the client's, else the workspace's), each DM and nudge in its recipient's,
refusals in whoever clicked; through the real endpoints and the fake Slack."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from harness import eventually
from i18n_checks import problems
from rhythm import TEAM, utc
from test_minutes_loop import SOON, write_minutes

from bot.i18n import text_for
from bot.models import Client, Decision, ItemStatus, ActionItem, MeetingKind, Minutes, SignOff, Workspace
from bot.render import minutes as render
from bot.render.signoff_nudges import signoff_nudge
from bot.services import minutes as svc
from scheduler.rules.signoff import SignoffNudge

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only


def blocks_text(call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def channel_post(slack, channel="C0MEET"):
    return slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == channel)[0]


def posted_minutes(bot) -> Minutes:
    def check():
        with bot.db.transaction() as s:
            m = s.exec(select(Minutes)).first()
            assert m and m.message_ts
            return m
    return eventually(check)


def client_channel(bot, language: str | None, channel: str = "C0MEET") -> None:
    with bot.db.transaction() as s:
        s.add(Client(team_id=TEAM, name="Acme", name_key="acme", ae_id="U0AE", channel_id=channel,
                     language=language, created_by="U0AE"))


def workspace_language(bot, language: str) -> None:
    with bot.db.transaction() as s:
        ws = s.exec(select(Workspace).where(Workspace.team_id == TEAM)).first() or Workspace(team_id=TEAM)
        ws.language = language
        s.add(ws)


def test_spanish_ae_writes_minutes_the_korean_clients_channel_reads_them(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    slack.users["U0ALICE"] = {"locale": "zh-CN"}
    client_channel(bot, "ko")
    view, r = write_minutes(bot, slack)
    assert r.status_code == 200
    # The modal: the AE's Spanish, the glossary's words, within Slack's limits.
    assert view["title"]["text"] == "Acta de la reunión" and view["submit"]["text"] == "Guardar"
    labels = {b.get("block_id"): b["label"]["text"] for b in view["blocks"] if b["type"] == "input"}
    assert labels["kind"] == "Tipo de reunión" and labels["item_0_owner"] == "Responsable"
    kinds = [o["text"]["text"] for o in view["blocks"][0]["element"]["options"]]
    assert kinds == ["Reunión con el cliente", "Reunión interna", "Llamada telefónica", "Visita in situ", "Propuesta"]
    assert not problems(view)

    # The summary: the client's Korean, its date in Korean, the buttons per the glossary.
    post = channel_post(slack)
    text = blocks_text(post)
    assert "고객 회의" in text and "*참석자:*" in text and "*실행 항목*" in text and "결정 사항 및 결론" in text
    assert text_for("ko").date(date.today()) in text and text_for("ko").date(SOON) in text
    buttons = [e["text"]["text"] for e in post.params["blocks"][-1]["elements"]]
    assert buttons == ["서명하기", "수정 요청", "수정"]
    assert post.params["text"] == "회의록: Spring campaign kick-off (3명 중 0명 서명)"
    assert "Sign off" not in text and "Attendees" not in text
    assert not problems(post.params["blocks"])
    # The action item's owner reads her DM in Chinese.
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0ALICE")[0]
    assert "来自会议纪要" in blocks_text(dm)

    # Alice signs: the refreshed summary stays in Korean.
    m = posted_minutes(bot)
    bot.click("minutes_sign_off", f"{m.id}:1", user="U0ALICE")
    upd = slack.wait_for("chat.update", where=lambda c: "3명 중 1명 완료" in blocks_text(c))[0]
    assert "서명 대기:" in blocks_text(upd) and upd.params["text"].endswith("(3명 중 1명 서명)")


def test_without_a_client_language_the_summary_is_in_the_workspaces(bot, slack):
    workspace_language(bot, "zh")
    client_channel(bot, None)             # a client without a language: the workspace's
    slack.users["U0AE"] = {"locale": "ko-KR"}
    view, _ = write_minutes(bot, slack, place="")
    assert view["title"]["text"] == "회의록"
    text = blocks_text(channel_post(slack))
    assert "客户会议" in text and "记录人 <@U0AE> · 第 1 版" in text and "签字确认" in text


def test_refusals_come_in_the_language_of_whoever_clicked(bot, slack):
    slack.users["U0MALLORY"] = {"locale": "zh-CN"}
    slack.users["U0ALICE"] = {"locale": "es-ES"}
    write_minutes(bot, slack)
    m = posted_minutes(bot)
    bot.click("minutes_sign_off", str(m.id), user="U0MALLORY")
    assert "只有本次会议的参会人可以签字确认" in slack.wait_for("response_url")[0].params["text"]
    bot.click("minutes_edit", str(m.id), user="U0ALICE")
    told = slack.wait_for("response_url", 2)[1].params["text"]
    assert told.startswith("Solo <@U0AE>, que redactó esta acta, puede editarla.")
    bot.click("minutes_sign_off", str(m.id), user="U0ALICE")
    bot.click("minutes_sign_off", str(m.id), user="U0ALICE")
    assert "Ya firmaste la versión 1 de esta acta." in slack.wait_for("response_url", 3)[2].params["text"]


def test_the_modals_errors_are_in_the_authors_language_with_their_dates(bot, slack):
    slack.users["U0AE"] = {"locale": "ko-KR"}
    yesterday = datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=1)
    _, r = write_minutes(bot, slack, title="  ", item_0_owner=None, item_0_due=yesterday)
    errors = r.json()["errors"]
    assert errors["title"] == "회의 제목을 입력해 주세요."
    assert errors["item_0_owner"] and "Choose" not in errors["item_0_owner"]
    assert text_for("ko").date(yesterday) in errors["item_0_due"] and "Pick" not in errors["item_0_due"]
    _, r = write_minutes(bot, slack, n=2, title="x" * 151)
    assert r.json()["errors"]["title"] == "제목은 150자 이내로 써 주세요 (지금 151자예요)."


def test_edit_asks_each_signer_again_in_their_own_language(bot, slack):
    slack.users.update({"U0AE": {"locale": "es-ES"}, "U0ALICE": {"locale": "ko-KR"}, "U0BOB": {"locale": "zh-CN"}})
    values = dict(decisions="Go with concept B.")
    write_minutes(bot, slack, **values)
    m = posted_minutes(bot)
    for who in ("U0ALICE", "U0BOB"):
        bot.click("minutes_sign_off", str(m.id), user=who)
    slack.wait_for("chat.update", where=lambda c: "2 of 3 signed" in c.params["text"])
    bot.click("minutes_edit", str(m.id), user="U0AE")
    edit_view = bot.opened_view(2)
    assert edit_view["title"]["text"] == "Editar acta"
    unchanged = {"kind": "client_meeting", "title": "Spring campaign kick-off", "held_on": date.today(),
                 "place": "Acme HQ", "attendees": ["U0AE", "U0ALICE", "U0BOB"], "external": "Dana (Acme)",
                 "notes": "Budget is tight.", "decisions": "Go with concept B.",
                 "item_0_text": "Send the media plan", "item_0_owner": "U0ALICE", "item_0_due": SOON}
    bot.submit(edit_view, unchanged)
    told = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE")[0]
    assert told.text == "No ha cambiado nada, así que las firmas siguen valiendo."
    bot.submit(edit_view, {**unchanged, "decisions": "Go with concept C."})
    ko = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0ALICE"
                        and "minutes_sign_off" in blocks_text(c))[0]
    zh = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0BOB"
                        and "minutes_sign_off" in blocks_text(c))[0]
    assert "이전 서명은 더 이상 유효하지 않아요" in blocks_text(ko) and "(현재 버전 2)" in blocks_text(ko)
    assert "您之前的签字确认已失效" in blocks_text(zh) and ko.params["blocks"][-1]["elements"][0]["text"]["text"] == "서명하기"
    # Alice signs version 2 from her DM: the DM says so, in Korean.
    bot.click("minutes_sign_off", f"{m.id}:2", user="U0ALICE", channel="D0ALICE", message_ts="1764000009.000001")
    upd = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == "1764000009.000001")[0]
    assert "버전 2에 서명했어요" in blocks_text(upd) and upd.params["text"] == "Spring campaign kick-off 서명 완료"


def test_a_change_request_is_asked_in_the_signers_language_and_told_in_the_authors(bot, slack):
    slack.users.update({"U0AE": {"locale": "es-LA", "real_name": "Ana"}, "U0BOB": {"locale": "ko-KR",
                                                                                  "real_name": "Bo-ra"}})
    write_minutes(bot, slack)
    m = posted_minutes(bot)
    bot.click("minutes_request_changes", str(m.id), user="U0BOB")
    view = bot.opened_view(2)
    assert view["title"]["text"] == "수정 요청" and view["submit"]["text"] == "보내기"
    assert not problems(view)
    assert bot.submit(view, {"comment": " "}, user="U0BOB").json()["errors"] == {
        "comment": "무엇을 수정해야 하는지 적어 주세요."}
    bot.submit(view, {"comment": "El presupuesto está mal"}, user="U0BOB")
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE")[0]
    assert "✏️ <@U0BOB> pidió cambios en" in blocks_text(dm) and "El presupuesto está mal" in blocks_text(dm)
    assert dm.params["text"].endswith("pidió cambios en Spring campaign kick-off")
    assert dm.params["blocks"][-1]["elements"][0]["text"]["text"] == "Editar el acta"


def test_the_bot_not_in_a_private_channel_tells_the_author_in_their_language(bot, slack):
    slack.users["U0AE"] = {"locale": "zh-TW"}
    slack.not_in_channel.add("C0MEET")
    slack.private_channels.add("C0MEET")
    write_minutes(bot, slack)
    notice = slack.wait_for("response_url")[0].params
    assert notice["text"] == "无法发布会议纪要" and "`/invite @ae-bot`" in json.dumps(notice, ensure_ascii=False)
    assert notice["blocks"][-1]["elements"][0]["text"]["text"] == "立即发布"


def test_long_notes_the_edit_modal_counts_characters_in_the_readers_plural(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    workspace_language(bot, "ko")
    write_minutes(bot, slack, notes="x" * 5000)
    m = posted_minutes(bot)
    assert "전체 내용은 스레드에 있어요" in blocks_text(channel_post(slack))   # cut, in the channel's Korean
    thread = slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == m.message_ts)
    assert thread[0].text.startswith("*메모* (1/2)\n")
    bot.click("minutes_edit", str(m.id), user="U0AE")
    ctx = [b for b in bot.opened_view(2)["blocks"] if b["type"] == "context"]
    assert "*Notas:* 5.000 caracteres, demasiado largas" in ctx[0]["elements"][0]["text"]
    es, en = text_for("es"), text_for("en")
    assert "1 carácter," in render._too_long_to_edit("notes", 1, es)
    assert "*Notes:* 3,001 characters" in render._too_long_to_edit("notes", 3001, en)
    assert "*결정 사항 및 결론:* 3,001자" in render._too_long_to_edit("decisions", 3001, text_for("ko"))


# --- nudges: read by their recipient -------------------------------------------------------------

def test_nudges_come_in_each_recipients_language(rhythm):
    rhythm.person("U0AE", "America/New_York")
    rhythm.person("U0MAD", "Europe/Madrid", locale="es-ES")
    rhythm.person("U0SEOUL", "Asia/Seoul", language="ko")
    rhythm.person("U0SH", "Asia/Shanghai", locale="en-US", language="zh")   # a choice beats the locale
    posted = utc(2026, 12, 1, 15, 0)
    draft = svc.MinutesDraft(kind=MeetingKind.client_meeting, title="Kick-off", held_on=posted.date(),
                             attendee_ids=["U0AE", "U0MAD", "U0SEOUL", "U0SH"])
    card, _ = svc.create(rhythm.db, TEAM, "U0AE", "C0MEET", draft, today=posted.date())
    ts = f"{int(posted.timestamp())}.000200"
    svc.set_message(rhythm.db, TEAM, card.minutes.id, "C0MEET", ts, "https://acme.slack.com/archives/C0MEET/p1")
    svc.sign_off(rhythm.db, TEAM, "U0AE", card.minutes.id)
    for t in (utc(2026, 12, 2, 15, 1), utc(2026, 12, 3, 4, 0), utc(2026, 12, 3, 16, 0)):
        rhythm.tick(t, [SignoffNudge()])
    es, ko, zh = (rhythm.dms(u)[0] for u in ("U0MAD", "U0SEOUL", "U0SH"))
    assert "Firma el acta <https://acme.slack.com/archives/C0MEET/p1|Kick-off> (versión 1)" in blocks_text(es)
    assert "Por ahora han firmado 1 de 4." in blocks_text(es)
    assert "Reunión del <!date^" in blocks_text(es) and "|1 dic 2026>" in blocks_text(es)
    assert es.params["text"] == "Firma, por favor: Kick-off (versión 1)"
    assert "지금까지 4명 중 1명이 서명했어요." in blocks_text(ko) and "2026. 12. 1." in blocks_text(ko)
    assert "目前 4 人中已有 1 人签字确认。" in blocks_text(zh) and "2026年12月1日" in blocks_text(zh)
    assert zh.params["blocks"][-1]["elements"][0]["text"]["text"] == "签字确认"


# --- every screen within Slack's limits, in every language -----------------------------------------

def _card(long: bool = False) -> svc.MinutesCard:
    held = date(2026, 12, 7)
    m = Minutes(id=7, team_id=TEAM, kind=MeetingKind.site_visit, title=("Visita a la planta de Acme " * (8 if long else 1)).strip(),
                held_on=held, place="Acme HQ", channel_id="C0MEET", notes="n" * (5000 if long else 20),
                decisions="d" * (4000 if long else 20), author_id="U0AE", version=2, content_hash="h" * 64,
                permalink="https://acme.slack.com/archives/C0MEET/p1")
    at = datetime(2026, 12, 7, 15, tzinfo=timezone.utc)
    signers = [f"U0P{i:03d}" for i in range(60 if long else 3)]
    approvals = [SignOff(team_id=TEAM, subject_kind="minutes", subject_id=7, version=2, content_hash="h" * 64,
                         signer_id=u, decision=Decision.approve, signed_at=at) for u in signers[:2]]
    changes = [SignOff(team_id=TEAM, subject_kind="minutes", subject_id=7, version=2, content_hash="h" * 64,
                       signer_id=signers[2], decision=Decision.changes_requested, comment="c" * 400, signed_at=at)]
    items = [ActionItem(id=i, team_id=TEAM, text=f"Tarea {i}", owner_id="U0ALICE", creator_id="U0AE",
                        due_on=held + timedelta(days=i), status=ItemStatus.done if i % 2 else ItemStatus.open)
             for i in range(1, 26 if long else 3)]
    return svc.MinutesCard(minutes=m, signer_ids=signers, external_names=["Dana (Acme)"] * (50 if long else 1),
                           items=items, approvals=approvals, change_requests=changes,
                           must_resign=signers[3:5])


@pytest.mark.parametrize("lang", ["en", "es", "ko", "zh"])
@pytest.mark.parametrize("long", [False, True])
def test_minutes_screens_fit_slacks_limits_in_every_language(lang, long):
    t = text_for(lang)
    card = _card(long)
    signed = card.approvals[0]
    modals = [render.minutes_modal({"channel": "C0MEET"}, today=date(2026, 12, 7), author_id="U0AE", t=t),
              render.minutes_modal({"channel": "C0MEET"}, today=date(2026, 12, 7), author_id="U0AE", card=card,
                                   rows=25 if long else None, t=t),
              render.changes_modal(7, card.minutes.title, t)]
    for view in modals:
        assert not problems(view), problems(view)
        assert len(view["title"]["text"]) <= 24 and len(view["blocks"]) <= 100
    messages = [render.summary(card, t), render.changes_dm(card, "U0BOB", "c" * 3000, t, "Bob"),
                render.resign_dm(card, t), render.signed_notice(card, signed, t), render.not_posted("C0MEET", 7, t),
                signoff_nudge(card.minutes, "U0BOB", signed=2, total=60, resign=False, t=t),
                signoff_nudge(card.minutes, "U0BOB", signed=2, total=60, resign=True, t=t)]
    for message in messages:
        assert not problems(message["blocks"]), problems(message["blocks"])
        assert len(message["blocks"]) <= 50 and 0 < len(message["text"]) <= 3000
    if lang != "en":   # nothing left in English on the summary (names and user content aside)
        summary = json.dumps(render.summary(card, t)["blocks"], ensure_ascii=False)
        for word in ("Attendees", "Sign off", "Waiting for", "written by", "Action items", "Decisions"):
            assert word not in summary, (lang, word)
    for reply in render.full_text_replies(card, t):
        assert len(reply) <= 4000
