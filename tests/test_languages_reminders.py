"""The rhythm in each reader's language (issue 9): item reminders, the daily progress call and its Log
call modal, goal reviews and /goals, weekly planning. Reminders are rendered per recipient at explicit
instants (as `ae-bot tick` runs them); clicks, commands and modals go through the HTTP endpoints."""
from __future__ import annotations

import json
from datetime import date

import pytest
from rhythm import TEAM, utc
from sqlmodel import select
from test_clients import add_client
from test_daily_call import OPEN, add_minutes, sections

from bot.i18n import LANGUAGES, text_for
from bot.models import ActionItem, CallLog, Client, Goal, GoalStatus
from bot.render import calls as render_calls
from bot.render import goals as render_goals
from bot.render import planning as render_planning
from bot.render import reminders as render_reminders
from bot.services.calls import ChannelWork
from bot.services.planning import WeekPlan
from i18n_checks import problems
from scheduler.rules.calls import DailyCall
from scheduler.rules.goals import QuarterlyReview, YearlyReview
from scheduler.rules.items import ItemDue, ItemOverdue
from scheduler.rules.planning import WeeklyPlanning

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only


def dump(call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def person(rhythm, user: str, locale: str, tz: str = "UTC", **prefs) -> None:
    """Someone whose Slack locale we already know (users.info answers the same, should it be asked)."""
    rhythm.person(user, tz, locale=locale, **prefs)
    rhythm.slack.users[user] = {"locale": locale, "tz": tz}


# --- item reminders -------------------------------------------------------------------------------------

def test_item_reminders_come_in_each_recipients_language(rhythm, bot, slack):
    person(rhythm, "U0ANA", "es-ES")                  # owns the item
    person(rhythm, "U0MIN", "ko-KR")                  # gave it
    person(rhythm, "U0LI", "en-US", language="zh")    # chose Chinese in /ae settings over her Slack locale
    item = rhythm.item("U0ANA", date(2026, 12, 2), creator="U0MIN", text="Enviar el brief")
    rhythm.item("U0LI", date(2026, 12, 2), text="发送简报")
    rhythm.tick(utc(2026, 12, 1, 8), [ItemDue()])
    rhythm.tick(utc(2026, 12, 1, 9), [ItemDue()])     # the day before, 09:00
    [ana] = rhythm.dms("U0ANA")
    assert "El plazo vence *mañana*" in dump(ana) and "|2 dic 2026>" in dump(ana)   # the date's fallback too
    assert ana.text == "Plazo: Enviar el brief"
    buttons = [e["text"]["text"] for b in ana.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Hecho"]
    [li] = rhythm.dms("U0LI")
    assert "*明天* 截止" in dump(li) and "2026年12月2日" in dump(li) and li.text == "即将截止：发送简报"
    assert rhythm.dms("U0MIN") == []                  # due reminders go to the owner only

    rhythm.tick(utc(2026, 12, 3, 8), [ItemOverdue()])
    rhythm.tick(utc(2026, 12, 3, 9), [ItemOverdue()])  # the day after: to the owner and to whoever gave it
    ana_late = rhythm.dms("U0ANA")[-1]
    assert "⚠️ *Vencida* desde el" in dump(ana_late) and "responsable" not in dump(ana_late)
    [min_late] = rhythm.dms("U0MIN")
    assert "*연체*" in dump(min_late) and "담당자 <@U0ANA>" in dump(min_late)
    assert "내가 맡긴 실행 항목이에요" in dump(min_late) and min_late.text == "연체: Enviar el brief"
    assert "2026. 12. 2." in dump(min_late)

    # Done on the Korean reminder, clicked by the Spanish owner: the message now reads Spanish.
    [d] = rhythm.deliveries(rule="item_overdue", recipient="U0MIN")
    bot.click("item_done", str(item), user="U0ANA", channel=d.channel, message_ts=d.ts)
    upd = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == d.ts)[0]
    assert "Hecha por <@U0ANA>" in dump(upd)


# --- the daily progress call and Log call -----------------------------------------------------------------

RULES = [DailyCall()]


def test_the_call_list_reads_in_each_aes_language_with_its_plurals(rhythm):
    person(rhythm, "U0ES", "es-LA")
    person(rhythm, "U0ZH", "zh-CN")
    add_client(rhythm.db, "Acme", "U0ES", "C0ACME", tier="A")
    add_client(rhythm.db, "Beta", "U0ES", "C0BETA", tier="A")
    add_client(rhythm.db, "长城", "U0ZH", "C0GREAT", tier="A")
    add_minutes(rhythm.db, "U0ES", "C0ACME", items=[("U0ES", date(2026, 11, 25), OPEN)])
    add_minutes(rhythm.db, "U0ES", "C0BETA", items=[("U0ES", date(2026, 12, 20), OPEN),
                                                    ("U0ES", date(2026, 12, 21), OPEN)])
    add_minutes(rhythm.db, "U0ZH", "C0GREAT", items=[("U0ZH", date(2026, 11, 25), OPEN)])
    rhythm.tick(utc(2026, 11, 30, 9), RULES)
    rhythm.tick(utc(2026, 11, 30, 9, 30), RULES)             # Monday 09:30 UTC
    [es] = rhythm.dms("U0ES")
    assert es.text == "Llamadas de hoy: 2 clientes a los que llamar"
    acme, beta = sections(es)[1:]
    assert acme["text"]["text"] == "*Acme* · nivel A · <#C0ACME>\n1 tarea abierta · *1 vencida*"
    assert beta["text"]["text"] == "*Beta* · nivel A · <#C0BETA>\n2 tareas abiertas"
    assert acme["accessory"]["text"]["text"] == "Registrar llamada"
    [zh] = rhythm.dms("U0ZH")
    assert zh.text == "今日电话：1 个客户待致电"
    assert sections(zh)[1]["text"]["text"] == "*长城* · A级 · <#C0GREAT>\n1 项未完成待办事项 · *1 项逾期*"


def test_log_call_in_the_clickers_language_errors_included(rhythm, bot, slack):
    person(rhythm, "U0ES", "es-ES")
    acme = add_client(rhythm.db, "Acme", "U0ES", "C0ACME", tier="A")
    bot.click(render_calls.LOG_CALL, f"{render_calls.CLIENT_VALUE}{acme.id}", user="U0ES", channel="D0ES")
    view = bot.opened_view()
    assert view["title"]["text"] == "Registrar llamada" and view["submit"]["text"] == "Guardar"
    assert "Llamada con *Acme* (<#C0ACME>)" in json.dumps(view["blocks"], ensure_ascii=False)
    kinds = next(b for b in view["blocks"] if b.get("block_id") == "kind")["element"]["options"]
    assert [o["text"]["text"] for o in kinds] == ["Llamada telefónica", "Visita in situ"]
    r = bot.submit(view, {"who": "", "duration": "media hora", "outcome": "Bien"}, user="U0ES")
    errors = r.json()["errors"]
    assert errors == {"who": "Di con quién hablaste.",
                      "duration": "Escribe la duración en minutos, como número entero; por ejemplo, 15."}
    r = bot.submit(view, {"who": "Marta", "duration": "900", "outcome": "Bien"}, user="U0ES")
    assert r.json()["errors"]["duration"].startswith("Una llamada dura entre 1 y 600 minutos")
    r = bot.submit(view, {"who": "Marta", "duration": "1", "outcome": "Bien", "kind": "site_visit"}, user="U0ES")
    assert r.status_code == 200 and not r.content.strip(b"{}")
    done = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0ES")[0]
    assert done.text == "Visita in situ con Marta registrada"
    assert "tu visita in situ de 1 minuto con Marta en *Acme* (<#C0ACME>)" in dump(done)   # the singular


def test_call_command_modal_in_korean(bot, slack):
    slack.users["U0KO"] = {"locale": "ko-KR"}
    bot.command("/call", "", user="U0KO", channel="C0MEET")
    view = bot.opened_view()
    assert view["title"]["text"] == "통화 기록" and view["close"]["text"] == "취소"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels[:3] == ["고객 채널", "유형", "통화한 사람"] and "담당자" in labels and "기한" in labels
    r = bot.submit(view, {"channel": None, "who": "김 부장", "duration": "15", "outcome": "좋아요",
                          "follow_up_text": "견적 보내기"}, user="U0KO")
    assert r.json()["errors"] == {"follow_up_owner": "후속 조치 담당자를 선택해 주세요."}
    with bot.db.transaction() as s:
        assert s.exec(select(CallLog)).all() == []


# --- goals ------------------------------------------------------------------------------------------------

def _goal(db, user: str, period: str, text: str, status=GoalStatus.open) -> int:
    with db.transaction() as s:
        g = Goal(team_id=TEAM, user_id=user, period=period, text=text, status=status)
        s.add(g)
        s.flush()
        return g.id


def test_goal_review_in_korean_and_a_refusal_in_the_clickers_language(rhythm, bot, slack):
    person(rhythm, "U0KO", "ko-KR")
    person(rhythm, "U0ZH", "zh-CN")
    first = _goal(rhythm.db, "U0KO", "2026-Q3", "한빛 피치 수주")
    _goal(rhythm.db, "U0KO", "2026-Q3", "사례 연구 두 건")
    rhythm.tick(utc(2026, 10, 1, 0, 59), [QuarterlyReview()])
    rhythm.tick(utc(2026, 10, 1, 10, 0), [QuarterlyReview()])     # Thursday 10:00 UTC, the first weekday
    [dm] = rhythm.dms("U0KO")
    assert "*분기 목표 점검: 2026년 3분기*" in dump(dm) and "2개 중 0개 달성" in dump(dm)
    assert dm.text == "2026년 3분기 목표 점검: 2개 중 0개 달성"
    buttons = [e["text"]["text"] for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["완료", "미달성", "완료", "미달성", "이번 분기 목표 설정"]
    [d] = rhythm.deliveries(rule="quarterly_review")
    bot.click(render_goals.GOAL_DONE, str(first), user="U0KO", channel=d.channel, message_ts=d.ts)
    upd = slack.wait_for("chat.update")[0]
    assert "✅ 한빛 피치 수주  _(달성)_" in dump(upd) and "2개 중 1개 달성" in dump(upd)
    bot.click(render_goals.GOAL_DONE, str(first), user="U0ZH", channel=d.channel, message_ts=d.ts)
    refusal = slack.wait_for("response_url", where=lambda c: "<@U0KO>" in (c.params.get("text") or ""))[0]
    assert refusal.params["text"] == "只有该目标的所有者 <@U0KO> 才能标记，请联系对方。"


def test_yearly_review_in_spanish(rhythm):
    person(rhythm, "U0ES", "es-ES")
    _goal(rhythm.db, "U0ES", "2027-Q1", "Contratar a un planificador de medios", GoalStatus.done)
    _goal(rhythm.db, "U0ES", "2027-Q2", "Ganar dos cuentas B", GoalStatus.not_done)
    rhythm.tick(utc(2028, 1, 3, 9), [YearlyReview()])
    rhythm.tick(utc(2028, 1, 3, 10), [YearlyReview()])
    [dm] = rhythm.dms("U0ES")
    assert dm.text == "Revisión anual de objetivos 2027: cumplidos 1 de 2"   # a year, not "2.027"
    assert "*T1 2027*: cumplidos 1 de 1" in dump(dm) and "❌ Ganar dos cuentas B" in dump(dm)


def test_goals_modal_in_chinese_validates_in_chinese(bot, slack):
    slack.users["U0ZH"] = {"locale": "zh-CN"}
    bot.command("/goals", "", user="U0ZH")
    view = bot.opened_view()
    assert view["title"]["text"] == "目标" and view["submit"]["text"] == "保存"
    hint = next(b for b in view["blocks"] if b.get("block_id") == "goals")["hint"]["text"]
    assert hint.startswith("每行一个目标，最多 10 个，每个不超过 300 个字符")
    r = bot.submit(view, {"goals": "\n".join(f"目标 {i}" for i in range(12))}, user="U0ZH")
    assert r.json()["errors"] == {"goals": "目标最多 10 个（您现在有 12 个），请删除几行。"}
    r = bot.submit(view, {"goals": "赢得长城提案\n两个案例研究"}, user="U0ZH")
    assert r.status_code == 200 and not r.content.strip(b"{}")
    note = slack.wait_for("chat.postEphemeral")[0]
    assert note.params["text"].startswith("已保存您") and "的 2 个目标" in note.params["text"]


# --- weekly planning --------------------------------------------------------------------------------------

def test_weekly_planning_in_spanish_with_weekdays_and_dates(rhythm):
    person(rhythm, "U0ES", "es-ES", weekly_planning=True)
    rhythm.item("U0ES", date(2026, 11, 30), text="Llamar a la imprenta")
    rhythm.item("U0ES", date(2026, 11, 20), text="Factura antigua")
    add_minutes(rhythm.db, "U0ES", "C0ACME", title="Arranque", attendees=["U0ES", "U0BOB"], signed=["U0ES"])
    rhythm.tick(utc(2026, 11, 29, 18), [WeeklyPlanning()])
    rhythm.tick(utc(2026, 11, 29, 19), [WeeklyPlanning()])
    [dm] = rhythm.dms("U0ES")
    assert dm.text == "Tu semana: 1 con plazo, 1 vencidas, 1 por firmar"
    text = dump(dm)
    for words in ("*Tu semana*: la del", "|30 nov 2026>", "*Vencen esta semana* (1)", "*Lunes*",
                  "• Factura antigua: vencía el", "*Tus actas pendientes de firma* (1)", "1 de 2 firmas"):
        assert words in text, (words, text)


# --- Slack's limits in every language ----------------------------------------------------------------------

def _surfaces(t):
    client = Client(id=7, team_id=TEAM, name="A" * 200, channel_id="C0ACME", ae_id="U0AE",
                                               tier="A")
    clients = [Client(id=i, team_id=TEAM, name=f"Client {i} " + "x" * 90, channel_id=f"C{i}", ae_id="U0AE", tier="B")
               for i in range(100)]
    item = ActionItem(id=3, team_id=TEAM, text="x" * 2000, owner_id="U0BOB", creator_id="U0AE",
                      due_on=date(2026, 12, 2))
    work = ([ChannelWork(f"C{i:04d}", 3, 1, 2, client_id=i, client_name="y" * 200, tier="A") for i in range(30)]
            + [ChannelWork(f"D{i:04d}", 1, 1, 1) for i in range(40)])
    call = CallLog(team_id=TEAM, user_id="U0AE", channel_id="C0ACME", who="z" * 200, minutes=600, kind="site_visit")
    goals = [Goal(id=i, team_id=TEAM, user_id="U0AE", period="2026-Q3", text="g" * 300,
                  status=[GoalStatus.done, GoalStatus.not_done, GoalStatus.open][i % 3]) for i in range(30)]
    year = [Goal(id=i, team_id=TEAM, user_id="U0AE", period=f"2026-Q{i % 4 + 1}", text="g" * 300) for i in range(40)]
    due = [ActionItem(team_id=TEAM, text="d" * 300, owner_id="U0AE", creator_id="U0AE",
                      due_on=date(2026, 11, 30 + i // 20) if i < 20 else date(2026, 12, 1 + i % 6)) for i in range(100)]
    late = [ActionItem(team_id=TEAM, text="o" * 300, owner_id="U0AE", creator_id="U0AE", due_on=date(2026, 11, 1))
            for _ in range(100)]
    plan = WeekPlan(date(2026, 11, 30), sorted(due, key=lambda i: i.due_on), late, [])
    note = "\n".join([t("Showing {shown} of {total} clients: `/call NAME` finds any of them.", shown="100",
                        total="140"), t("Which channel was the call about?")])
    return {
        "call modal, client": render_calls.call_modal(None, t, client=client, note=note),
        "call modal, picker": render_calls.call_modal(None, t, clients=clients, picked=clients[3], note=note),
        "call modal, channel": render_calls.call_modal("C0ACME", t),
        "call modal, no channel": render_calls.call_modal(None, t),
        "daily call": render_calls.daily_call("U0AE", work, t),
        "logged": render_calls.logged(call, item, t, client),
        "goals modal": render_goals.goals_modal("2026-Q3", goals[:10], t),
        "goals saved": render_goals.saved_reply("2026-Q3", goals[:10], t),
        "quarterly review": render_goals.quarterly_review("2026-Q3", goals, t),
        "yearly review": render_goals.yearly_review(2026, year, t),
        "week plan": render_planning.week_plan("U0AE", plan, t),
        "overdue reminder": render_reminders.item_reminder(item, "U0AE", t, overdue=True),
        "due reminder": render_reminders.item_reminder(item, "U0BOB", t, overdue=False, tomorrow=True),
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_screen_fits_slacks_limits_in_every_language(lang):
    t = text_for(lang)
    for name, surface in _surfaces(t).items():
        assert not problems(surface, name), problems(surface, name)
        if surface.get("type") == "modal":
            assert len(surface["title"]["text"]) <= 24 and len(surface["submit"]["text"]) <= 24
        else:
            assert len(surface["blocks"]) <= 50 and 0 < len(surface["text"]) <= 3000, name
