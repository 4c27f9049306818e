"""Settings, help and App Home in each reader's language (issue 9), end to end: a language chosen in
/ae settings beats the Slack locale, the workspace's language (of channel posts) defaults to the first
configurer's, help and Home speak all four, refusals come in the reader's language."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from harness import eventually
from rhythm import TEAM
from sqlmodel import select
from test_settings import block, initial, open_settings, person, submit
from test_tasks_home import ack_text, buttons, published

from bot.i18n import LANGUAGES, text_for
from bot.models import ActionItem, Attendee, MeetingKind, Minutes, Workspace
from bot.render import help as render_help
from bot.render import home as render_home
from bot.render import settings as render_settings
from bot.services import readers
from bot.services.home import HomeData
from bot.services.settings import Current
from i18n_checks import problems

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only

TODAY = date.today()


def workspace_language(db) -> str | None:
    with db.transaction() as s:
        w = s.exec(select(Workspace).where(Workspace.team_id == TEAM)).first()
        return w.language if w else None


def ephemeral(slack, n: int = 1) -> dict:
    return slack.wait_for("chat.postEphemeral", n)[n - 1].params


def said(bot, slack, command: str, text: str, user: str = "U0AE") -> str:
    """What a command answered: in its ack, or through the response_url after it."""
    n = len(slack.calls_to("response_url"))
    r = bot.command(command, text, user=user)
    assert r.status_code == 200
    if r.content not in (b"", b"{}"):
        return ack_text(r)
    return slack.wait_for("response_url", n + 1)[n].params["text"]


# --- a person's language --------------------------------------------------------------------------

def test_choosing_spanish_in_settings_then_task_list_answers_in_spanish(bot, slack):
    view = open_settings(bot)                                             # Slack says en-US
    assert view["title"]["text"] == "ae-bot settings"
    options = block(view, "language")["element"]["options"]
    assert [o["value"] for o in options] == ["slack", "en", "es", "ko", "zh"]
    assert options[0]["text"]["text"] == "Slack's language (English)" and initial(view, "language") is None
    assert block(view, "language")["element"]["initial_option"]["value"] == "slack"

    r = submit(bot, view, {"language": "es"})
    assert r.status_code == 200 and r.content in (b"", b"{}"), r.text
    assert person(bot.db, "U0AE").language == "es"
    note = ephemeral(slack)                                               # the confirmation: already Spanish
    assert note["text"] == "Ajustes guardados"
    assert "Idioma: Español." in note["blocks"][0]["text"]["text"]
    assert "no tienes tareas abiertas" in said(bot, slack, "/task", "list").lower()

    again = open_settings(bot, n=2)                                       # the modal too, and it shows the choice
    assert again["title"]["text"] == "Ajustes de ae-bot" and again["submit"]["text"] == "Guardar"
    assert block(again, "language")["element"]["initial_option"]["value"] == "es"
    assert block(again, "language")["element"]["options"][0]["text"]["text"] == "El idioma de Slack (English)"

    submit(bot, again, {"language": "slack"})                             # back to Slack's: English at once
    assert person(bot.db, "U0AE").language is None
    assert ephemeral(slack, 2)["text"] == "Settings saved"
    assert "You have no open action items" in said(bot, slack, "/task", "list")


def test_the_slack_locale_is_the_default(bot, slack):
    slack.users["U0AE"] = {"locale": "ko-KR"}
    view = open_settings(bot)
    assert view["title"]["text"] == "ae-bot 설정" and view["close"]["text"] == "취소"
    assert block(view, "language")["element"]["initial_option"]["text"]["text"] == "Slack 언어 (한국어)"
    assert block(view, "tz")["label"]["text"] == "시간대"
    submit(bot, view, {})
    assert person(bot.db, "U0AE").language is None                        # nothing chosen: still Slack's
    assert "설정을 저장했어요" in ephemeral(slack)["blocks"][0]["text"]["text"]

    slack.users["U0AE"] = {"locale": "zh-CN"}                             # Slack's changes: so does ours
    view = open_settings(bot, n=2)
    assert view["title"]["text"] == "ae-bot 设置"
    assert block(view, "language")["element"]["options"][0]["text"]["text"] == "Slack 语言（简体中文）"


def test_a_chosen_language_beats_the_slack_locale_for_every_reply(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    submit(bot, open_settings(bot), {"language": "zh"})
    assert ephemeral(slack)["text"] == "设置已保存"
    assert "用法" in said(bot, slack, "/ae", "away")                       # a usage reply
    assert "ae-bot 命令" == json.loads(bot.command("/ae", "help").text)["text"]


# --- the workspace's language ---------------------------------------------------------------------

def test_the_workspace_language_is_the_first_configurers_locale(bot, slack):
    slack.users["U0BOSS"] = {"is_admin": True, "locale": "zh-CN"}
    slack.users["U0OWNER"] = {"is_owner": True, "locale": "es-ES"}
    assert readers.channel_language(bot.db, TEAM, "C0MEET") == "en"      # nobody configured: English
    view = open_settings(bot, user="U0BOSS")
    assert block(view, "workspace_language")["element"]["initial_option"]["value"] == "zh"
    assert block(view, "workspace_language")["label"]["text"] == "频道消息语言"
    submit(bot, view, {}, user="U0BOSS")
    assert workspace_language(bot.db) == "zh"
    assert readers.channel_language(bot.db, TEAM, "C0MEET") == "zh"      # at once: the cache was forgotten
    assert "频道消息：简体中文" in ephemeral(slack)["blocks"][0]["text"]["text"]

    # Another admin, in Spanish: their form shows the workspace's language, and saving keeps it.
    other = open_settings(bot, user="U0OWNER", n=2)
    assert block(other, "workspace_language")["element"]["initial_option"]["value"] == "zh"
    assert block(other, "workspace_language")["label"]["text"] == "Idioma de las publicaciones en canales"
    submit(bot, other, {}, user="U0OWNER")
    assert workspace_language(bot.db) == "zh"
    submit(bot, other, {"workspace_language": "ko"}, user="U0OWNER")     # chosen: Korean channel posts
    assert workspace_language(bot.db) == "ko" and readers.channel_language(bot.db, TEAM, "C0MEET") == "ko"


def test_a_workspace_configured_without_a_locale_posts_in_english(bot, slack):
    slack.users["U0BOSS"] = {"is_admin": True, "locale": "pt-BR"}
    submit(bot, open_settings(bot, user="U0BOSS"), {}, user="U0BOSS")
    assert workspace_language(bot.db) == "en"


def test_only_admins_change_the_workspace_language_and_the_refusal_is_in_the_readers_language(bot, slack):
    slack.users["U0BOSS"] = {"is_admin": True, "locale": "en-US"}
    slack.users["U0AE"] = {"locale": "ko-KR"}
    admin_view = open_settings(bot, user="U0BOSS")
    open_settings(bot, user="U0AE", n=2)                                  # U0AE is known: reads Korean
    r = submit(bot, admin_view, {"workspace_language": "es"}, user="U0AE")   # a forged form
    errors = r.json()["errors"]
    assert set(errors) == {"workspace_tz", "workspace_language"}
    assert "관리자" in errors["workspace_language"] and "관리자" in errors["workspace_tz"]
    assert workspace_language(bot.db) is None


# --- refusals, dates and plurals in the reader's language --------------------------------------------

@pytest.mark.parametrize("locale,zone_error,time_error", [
    ("es-ES", "¿Querías decir Europe/Madrid?", "formato de 24 horas"),
    ("ko-KR", "Europe/Madrid을(를) 말씀하신 건가요?", "24시간제"),
    ("zh-CN", "您是指 Europe/Madrid 吗？", "24 小时制"),
])
def test_modal_errors_in_the_readers_language(bot, slack, locale, zone_error, time_error):
    slack.users["U0AE"] = {"locale": locale}
    r = submit(bot, open_settings(bot), {"tz": "Europe/Madird", "time_item_due": "25:00"})
    errors = r.json()["errors"]
    assert zone_error in errors["tz"] and time_error in errors["time_item_due"] and "09:00" in errors["time_item_due"]


def test_away_answers_in_the_readers_language_with_their_dates(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    open_settings(bot)                                                    # known, reads Spanish
    start, end = TODAY + timedelta(days=10), TODAY + timedelta(days=20)
    es = text_for("es")
    answer = said(bot, slack, "/ae", f"away {start}..{end}")
    assert answer.startswith("🌴 Fuera del") and es.date(start) in answer and es.date(end) in answer
    answer = said(bot, slack, "/ae", f"away {end}..{start}")
    assert f"{es.date(end)} es posterior a {es.date(start)}" in answer and "/ae away AAAA-MM-DD" in answer
    answer = said(bot, slack, "/ae", f"away {TODAY}..{TODAY + timedelta(days=120)}")
    assert "Son 121 días y el máximo es 90" in answer
    assert "Hola de nuevo" in said(bot, slack, "/ae", "away off")
    slack.users["U0KIM"] = {"locale": "ko-KR"}
    open_settings(bot, user="U0KIM", n=2)
    assert "부재 중으로 설정되어 있지 않았어요" in said(bot, slack, "/ae", "away off", user="U0KIM")


# --- help -----------------------------------------------------------------------------------------

HELP = {"en": ("ae-bot commands", "e.g.", "This list."), "es": ("Comandos de ae-bot", "p. ej.", "Esta lista."),
        "ko": ("ae-bot 명령어", "예:", "지금 보시는 목록이에요."), "zh": ("ae-bot 命令", "例如", "就是这份列表。")}
LOCALES = {"en": "en-US", "es": "es-LA", "ko": "ko-KR", "zh": "zh-TW"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_in_each_language_keeps_the_commands(bot, slack, lang):
    slack.users["U0AE"] = {"locale": LOCALES[lang]}
    open_settings(bot)                                                    # known (help itself asks no one)
    title, eg, this_list = HELP[lang]
    body = bot.command("/ae", "help").json()
    assert body["text"] == title
    text = json.dumps(body, ensure_ascii=False)
    assert eg in text and this_list in text
    for command in ("/minutes", "/task", "/task list", "/invoice", "/client add", "/call", "/goals", "/workorder",
                    "/ae settings", "/ae away", "/ae away off", "/ae help"):
        assert f"`{command}" in text, (lang, command)
    unknown = bot.command("/ae", "<!channel>").json()
    assert "&lt;!channel&gt;" in unknown["text"] and unknown["text"] != title and "/task" in json.dumps(unknown)


def test_help_for_someone_never_seen_is_in_their_language_at_once(bot, slack):
    """Someone never seen is looked up once (users.info: are they from outside the agency, which
    language?) before the first answer; after that nothing is asked again."""
    slack.users["U0NEW"] = {"locale": "ko-KR"}
    assert bot.command("/ae", "help", user="U0NEW").json()["text"] == "ae-bot 명령어"
    assert len(slack.calls_to("users.info")) == 1
    eventually(lambda: _known(bot, "U0NEW"))
    assert bot.command("/ae", "help", user="U0NEW").json()["text"] == "ae-bot 명령어"
    assert len(slack.calls_to("users.info")) == 1


def _known(bot, user: str) -> None:
    assert person(bot.db, user) is not None


# --- App Home -------------------------------------------------------------------------------------

def _minutes(db, author: str, attendees: list[str], title: str = "Revisión de la campaña") -> int:
    with db.transaction() as s:
        m = Minutes(team_id=TEAM, kind=MeetingKind.client_meeting, title=title, held_on=date(2026, 12, 3),
                    channel_id="C0MEET", author_id=author, content_hash="h1", version=2)
        s.add(m)
        s.flush()
        for u in attendees:
            s.add(Attendee(team_id=TEAM, minutes_id=m.id, user_id=u))
        return m.id


def test_app_home_is_in_the_language_of_the_person_whose_home_it_is(bot, slack):
    slack.users["U0AE"] = {"locale": "es-ES"}
    slack.users["U0BOB"] = {"locale": "zh-CN"}
    with bot.db.transaction() as s:
        s.add(ActionItem(team_id=TEAM, text="Enviar el brief", owner_id="U0AE", creator_id="U0AE",
                         due_on=date(2026, 12, 7)))
    _minutes(bot.db, "U0AE", ["U0AE", "U0BOB"])
    _minutes(bot.db, "U0AE", ["U0AE"], title="Solo")

    bot.home_opened(user="U0AE")
    home = published(slack, "U0AE")
    text = json.dumps(home, ensure_ascii=False)
    assert "Tu semana con ae-bot" in text and "Mis tareas abiertas" in text
    [(item, _)] = buttons(home, "item_done")
    assert item.startswith("Enviar el brief\nPlazo: <!date^") and "|7 dic 2026>" in item
    assert buttons(home, "item_done") and "Hecho" in text and "Firmar" in text
    assert "0 de 2 firmas" in text and "0 de 1 firma" in text and "1 firmas" not in text   # plurals

    bot.home_opened(user="U0BOB")
    bob = published(slack, "U0BOB")
    [(line, _)] = buttons(bob, "minutes_sign_off")
    assert "第 2 版" in line and "|2026年12月3日>" in line
    assert next(b for b in bob["blocks"] if b.get("accessory"))["accessory"]["text"]["text"] == "签字确认"
    assert "我的未完成待办事项" in json.dumps(bob, ensure_ascii=False)


# --- Slack's limits in every language -------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_settings_help_and_home_surface_fits_slacks_limits(lang):
    t = text_for(lang)
    cur = Current(slack_tz="America/New_York", tz_override="Asia/Seoul", times={
        "item_due": "07:15", "daily_call": "09:30", "weekly_report": "12:00", "weekly_planning": "19:00",
        "quarterly_review": "10:00"}, opted_out={"daily_call", "item_overdue"}, weekly_planning=True,
        workspace_tz="Europe/Madrid", away_from=TODAY, away_until=TODAY + timedelta(days=3),
        roles={"finance": ["U0FIN"], "lead": []}, language=lang, slack_language="ko", workspace_language="zh")
    modal = render_settings.settings_modal(cur, True, t, "C0MEET")
    assert not problems(modal), problems(modal)
    assert len(modal["title"]["text"]) <= 24
    unknown = Current(slack_tz=None, tz_override=None, times=cur.times, opted_out=set(), weekly_planning=False,
                      workspace_tz="UTC")
    assert not problems(render_settings.settings_modal(unknown, False, t))
    for message in (render_settings.saved_reply(cur, t, workspace=True), render_settings.saved_reply(unknown, t),
                    render_settings.away_set(TODAY, TODAY + timedelta(days=3), t),
                    render_settings.away_cleared(True, t), render_settings.away_cleared(False, t),
                    render_help.help_message(t), render_help.help_message(t, "bogus")):
        assert not problems(message), problems(message)
        assert message["text"].strip()
    m = Minutes(id=1, team_id=TEAM, kind=MeetingKind.client_meeting, title="Kick-off", held_on=TODAY,
                channel_id="C0MEET", author_id="U0AE", content_hash="h", permalink="https://x.slack.com/p1")
    items = [ActionItem(id=i, team_id=TEAM, text="Send the brief " * 30, owner_id="U0AE", creator_id="U0AE",
                        due_on=TODAY if i % 2 else None) for i in range(25)]
    for data in (HomeData(items=items, to_sign=[m] * 25, unsigned_mine=[(m, 1, 3)] * 25),
                 HomeData(items=[], to_sign=[], unsigned_mine=[])):
        view = render_home.home_view(data, t)
        assert not problems(view), problems(view)
        assert len(view["blocks"]) <= 100
