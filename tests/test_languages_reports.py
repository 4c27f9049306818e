"""The weekly report and the weekly digest in their readers' languages (issue 9): the AE reads the
report DM, its modal and the answers to its buttons in their own language; the report posted to a
client's channel reads in the client's language (or the channel's); the digest in the channel's."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from i18n_checks import problems
from rhythm import TEAM, utc
from sqlalchemy import update
from test_clients import add_client
from test_weekly_digest import done as digest_done
from test_weekly_digest import write as digest_write
from test_weekly_report import blocks_text, button_value, channel_posts, click_at, write

from bot.i18n import LANGUAGES, text_for
from bot.models import ActionItem, Client, Minutes, Workspace
from bot.render import digest as render_digest
from bot.render import reports as render
from bot.services.digest import ChannelWeek, MinutesState
from bot.services.reports import Pending, Posted, WeeklyDraft
from scheduler.rules.digest import WeeklyDigest
from scheduler.rules.report import WeeklyReport

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only

NOON_UTC = utc(2026, 11, 30, 12, 0)      # Monday 12:00 for an AE in UTC: the report covers Nov 23 – 29


def workspace(db, language: str | None, tz: str = "UTC") -> None:
    with db.transaction() as s:
        s.add(Workspace(team_id=TEAM, tz=tz, language=language))


def client_language(db, client: Client, language: str) -> None:
    with db.transaction() as s:
        s.execute(update(Client).where(Client.id == client.id).values(language=language))


def _week(db, ae: str, channel: str) -> None:
    """One meeting in the week with two open items (plurals), an overdue one and a decision."""
    write(db, ae, channel, date(2026, 11, 24), "Kick-off", [ae, "U0ALICE"], "Go with concept B.",
          [("Send the media plan", "U0ALICE", date(2026, 12, 4)), ("Book the studio", "U0BOB", date(2026, 12, 8)),
           ("Draft the brief", "U0ALICE", date(2026, 11, 27))])


def replies(slack, needle: str) -> list:
    return slack.wait_for("response_url", where=lambda c: needle in (c.params.get("text") or ""))


def test_a_korean_ae_reads_the_dm_and_the_spanish_client_reads_the_post(rhythm, bot, slack):
    rhythm.person("U0AE", "UTC", locale="ko-KR")
    workspace(rhythm.db, "zh")                         # the client's own language beats the workspace's
    acme = add_client(rhythm.db, "Acme", "U0AE", "C0ACME", day="mon", time="12:00")
    client_language(rhythm.db, acme, "es")
    _week(rhythm.db, "U0AE", "C0ACME")
    rhythm.tick(NOON_UTC, rules=[WeeklyReport()])
    [dm] = rhythm.dms("U0AE")
    body = blocks_text(dm)
    assert dm.text == "Acme 주간 업무 보고서 (2026. 11. 23. 주간): 초안이 준비됐어요"   # a date, not 2026-W49
    assert "*주간 업무 보고서 — Acme (<#C0ACME>)*" in body and "*진행한 회의 (1)*" in body
    assert "(고객 회의)" in body and "*결정 사항 및 결론*" in body and "*연체 (1)*" in body
    assert "기한 <!date^" in body and "|2026. 12. 4.>" in body
    labels = [e["text"]["text"] for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["채널에 게시", "먼저 수정", "1시간 뒤 알림"]

    [row] = rhythm.deliveries(rule="weekly_report")
    value = button_value(dm, render.POST)
    click_at(bot, render.POST, value, message_ts=row.ts)
    [post] = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0ACME")
    text = blocks_text(post)
    assert post.params["text"] == "Informe semanal de trabajo: 23 nov 2026 – 29 nov 2026"
    assert "*Informe semanal de trabajo — Acme (<#C0ACME>)*" in text and "|24 nov 2026>" in text
    assert "*Reunión celebrada (1)*" in text and "*Abiertas (2)*" in text and "*Vencida (1)*" in text
    assert "(Reunión con el cliente)" in text and "Publicado por <@U0AE>" in text and "주간" not in text
    updated = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == row.ts)[0]
    assert "✅ <@U0AE>님이 <#C0ACME>에 게시 · <!date^" in blocks_text(updated)   # the AE's DM: Korean
    click_at(bot, render.POST, value, message_ts=row.ts)
    [again] = replies(slack, "다시 게시하지 않았어요")
    assert "이미 <#C0ACME>에 있어요" in again.params["text"]
    assert len(channel_posts(slack, "C0ACME")) == 1


def test_a_channel_report_posts_in_the_channels_language(rhythm, bot, slack):
    rhythm.person("U0AE", "UTC", locale="es-ES")
    workspace(rhythm.db, "zh")
    _week(rhythm.db, "U0AE", "C0LOOSE")                 # no client: the channel's (the workspace's) language
    rhythm.tick(NOON_UTC, rules=[WeeklyReport()])
    [dm] = rhythm.dms("U0AE")
    assert dm.text == "Informe semanal de trabajo de <#C0LOOSE> (semana del 23 nov 2026): borrador listo"
    assert "*Reunión celebrada (1)*" in blocks_text(dm) and "*Abiertas (2)*" in blocks_text(dm)
    [row] = rhythm.deliveries(rule="weekly_report")
    click_at(bot, render.POST, button_value(dm, render.POST), message_ts=row.ts)
    [post] = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0LOOSE")
    assert "*工作周报 — <#C0LOOSE>*" in blocks_text(post) and "发布人：<@U0AE>" in blocks_text(post)
    assert "*进行中（2）*" in blocks_text(post) and "|2026年11月24日>" in blocks_text(post)
    updated = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == row.ts)[0]
    assert "✅ Publicado en <#C0LOOSE> por <@U0AE>" in blocks_text(updated)


def test_refusals_and_snoozes_in_the_clickers_language(rhythm, bot, slack):
    rhythm.person("U0AE", "UTC", locale="es-LA")
    rhythm.person("U0ALICE", "UTC", locale="zh-CN")
    _week(rhythm.db, "U0AE", "C0CLIENT")
    rhythm.tick(NOON_UTC, rules=[WeeklyReport()])
    [dm] = rhythm.dms("U0AE")
    [row] = rhythm.deliveries(rule="weekly_report")
    value = button_value(dm, render.SNOOZE)
    click_at(bot, render.SNOOZE, value, at=utc(2026, 11, 30, 12, 20), message_ts=row.ts)
    updated = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == row.ts)[0]
    assert "😴 Pospuesto: te lo vuelvo a enviar <!date^" in blocks_text(updated)
    click_at(bot, render.SNOOZE, value, at=utc(2026, 11, 30, 12, 21), message_ts=row.ts)
    [again] = replies(slack, "Ya está pospuesto")
    assert "vuelve <!date^" in again.params["text"] and "|30 nov 2026, 13:20:00 UTC>" in again.params["text"]

    click_at(bot, render.POST, value, user="U0ALICE", channel="C0MEET")     # not hers: told in Chinese
    [refused] = replies(slack, "应由")
    assert refused.params["text"] == "这份工作周报应由 <@U0AE> 发布。请联系对方，或等待您自己的周报。"

    tick_back = utc(2026, 11, 30, 13, 20)                                     # the snoozed DM comes back
    rhythm.tick(tick_back, rules=[WeeklyReport()])
    back = rhythm.dms("U0AE")[-1]
    assert "⏰ Aquí tienes otra vez tu informe semanal de trabajo" in blocks_text(back)


def test_the_edit_modal_is_the_aes_around_the_draft_in_the_channels_language(rhythm, bot, slack):
    rhythm.person("U0AE", "UTC", locale="zh-CN")
    workspace(rhythm.db, "es")
    _week(rhythm.db, "U0AE", "C0CLIENT")
    rhythm.tick(NOON_UTC, rules=[WeeklyReport()])
    [dm] = rhythm.dms("U0AE")
    [row] = rhythm.deliveries(rule="weekly_report")
    click_at(bot, render.EDIT, button_value(dm, render.EDIT), message_ts=row.ts)
    view = bot.opened_view()
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == ("工作周报", "发布到频道", "取消")
    assert view["blocks"][0]["label"]["text"] == "周报" and "将按原样发布到 <#C0CLIENT>" in json.dumps(
        view["blocks"], ensure_ascii=False)
    initial = view["blocks"][0]["element"]["initial_value"]
    assert initial.startswith("*Informe semanal de trabajo — <#C0CLIENT>*\n23 nov 2026 – 29 nov 2026")
    assert "24 nov 2026 — *Kick-off* (Reunión con el cliente)" in initial and "plazo: 4 dic 2026" in initial

    r = bot.submit(view, {render.EDIT_BLOCK: "  "}, user="U0AE")
    assert r.json()["errors"] == {render.EDIT_BLOCK: "请填写周报内容，或点击“取消”保留草稿。"}
    r = bot.submit(view, {render.EDIT_BLOCK: "x" * 3001}, user="U0AE")
    assert r.json()["errors"] == {render.EDIT_BLOCK: "请控制在 3,000 个字符以内。"}
    bot.submit(view, {render.EDIT_BLOCK: "Todo en marcha con <@U0ALICE>."}, user="U0AE")
    [post] = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0CLIENT")
    assert "Publicado por <@U0AE>" in blocks_text(post) and post.params["text"] == "Todo en marcha con <@U0ALICE>."


def test_the_digest_in_the_channels_language_and_the_report_in_the_aes_in_the_same_tick(rhythm):
    workspace(rhythm.db, "es")
    rhythm.person("U0AE", "Europe/Moscow", locale="ko-KR")     # Monday 12:00 in Moscow is 09:00 UTC
    rhythm.person("U0ALICE", "UTC", name="Alice Doe")
    mid, [plan, _copy] = digest_write(rhythm, utc(2026, 11, 24, 10), "C0ACME", "Acme kick-off",
                                      decisions="Go with concept B.",
                                      items=[("Send the media plan", "U0ALICE", date(2026, 12, 10)),
                                             ("Write the copy", "U0BOB", date(2026, 12, 11))])
    digest_done(rhythm, plan, utc(2026, 11, 26, 9))
    globex = add_client(rhythm.db, "Globex", "U0ALICE", "C0GLOBEX", day="fri")
    client_language(rhythm.db, globex, "zh")
    digest_write(rhythm, utc(2026, 11, 25, 10), "C0GLOBEX", "Globex intro")
    rhythm.tick(utc(2026, 11, 30, 9, 0), rules=[WeeklyDigest(), WeeklyReport()])

    [acme] = [c for c in rhythm.dms("C0ACME")]
    body = blocks_text(acme)
    assert acme.params["text"] == "La semana en resumen — actas: 1, tareas hechas: 1, nuevas: 2, vencidas: 0"
    assert "🗓️ La semana en resumen" in body and "*📝 Acta (1)*" in body and "*✅ Hecha (1)*" in body
    assert "*🆕 Nuevas (2)*" in body and "Send the media plan — Alice Doe, plazo: <!date^" in body
    assert "versión 1 · firmas: 0 de 2" in body and "|24 nov 2026>" in body and "*✍️ Pendiente de firma (1)*" in body
    [glob] = [c for c in rhythm.dms("C0GLOBEX")]
    assert "🗓️ 本周回顾" in blocks_text(glob) and "*📝 会议纪要（1）*" in blocks_text(glob)   # its client's language
    [report] = [c for c in rhythm.dms("U0AE") if "<#C0GLOBEX>" not in c.text]
    assert report.params["channel"] == "U0AE" and "주간 업무 보고서" in report.text   # the AE's own language
    assert "*진행한 회의 (1)*" in blocks_text(report)


def test_an_ae_without_a_language_reads_english_as_before(rhythm):
    rhythm.person("U0AE", "UTC", locale="fr-FR")
    _week(rhythm.db, "U0AE", "C0CLIENT")
    rhythm.tick(NOON_UTC, rules=[WeeklyReport()])
    [dm] = rhythm.dms("U0AE")
    assert dm.text == "Weekly report for <#C0CLIENT> (week of Nov 23, 2026): draft ready"
    assert "*Meetings held (1)*" in blocks_text(dm) and "*Open (2)*" in blocks_text(dm)


# --- every screen fits Slack's limits in every language --------------------------------------------

def _big_draft() -> WeeklyDraft:
    many = [Minutes(id=i, team_id=TEAM, kind="proposal", title=f"Meeting {i} " + "x" * 140, channel_id="C0BIG",
                    held_on=date(2026, 11, 23 + i % 7), decisions="Decided a lot. " * 100, author_id="U0AE",
                    content_hash="h", permalink=f"https://acme.slack.com/archives/C0BIG/p{i}") for i in range(60)]
    items = [ActionItem(id=i, team_id=TEAM, text="Do a long thing " * 60, owner_id="U0ALICE",
                        due_on=date(2026, 11, 20), creator_id="U0AE") for i in range(200)]
    return WeeklyDraft(TEAM, "C0BIG", "U0AE", "2026-W49", date(2026, 11, 23), date(2026, 11, 29), date(2026, 11, 30),
                       meetings=many, done=items, open=items, overdue=items, subject="client:1",
                       client_name="Big Client", pending=[Pending(m, [f"U0P{k:03d}" for k in range(40)]) for m in many])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_and_digest_screens_fit_slacks_limits_in_every_language(lang):
    t = text_for(lang)
    r, at = _big_draft(), datetime(2026, 11, 30, 12, 5)
    modal = render.edit_modal(r, 7, t, t)
    surfaces = [render.weekly_dm(r, 7, t), render.weekly_dm(r, 7, t, snoozed=True),
                render.weekly_dm(r, 7, t, status=render.posted_line(r, Posted("U0AE", at), t)),
                render.weekly_dm(r, 7, t, status=render.snoozed_line(at, t)),
                render.channel_post(r, "U0AE", t), render.edited_post("Hola", "U0AE", t), modal,
                render.weekly_dm(WeeklyDraft(TEAM, "C0Q", "U0AE", "2026-W49", date(2026, 11, 23),
                                             date(2026, 11, 29), date(2026, 11, 30)), 8, t)]
    states = [MinutesState(m, [f"U0P{k:03d}" for k in range(30)], [f"U0P{k:03d}" for k in range(20)])
              for m in r.meetings]
    week = ChannelWeek(TEAM, "C0BIG", at, at, minutes=states, done=r.done, opened=r.open, overdue=r.overdue,
                       unsigned=states)
    surfaces.append(render_digest.weekly_digest(week, date(2026, 11, 23), date(2026, 11, 29), t))
    for s in surfaces:
        assert not problems(s), problems(s)
        assert len(s["blocks"]) <= 50
    assert len(modal["title"]["text"]) <= 24 and len(modal["submit"]["text"]) <= 24
    if lang != "en":   # nothing left in English
        whole = json.dumps(surfaces, ensure_ascii=False)
        for english in ("Weekly report", "Meetings held", "Post to channel", "Snooze", "The week in review",
                        "Still to sign", "version", "Posted by", "waiting for", "due "):
            assert english not in whole, english
