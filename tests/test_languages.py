"""Who reads which language, end to end (issue 9): each person reads what is sent to them in their
Slack locale's language; words typed in any of the four are understood."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.amounts import amount_problem
from bot.daywords import parse_day
from bot.errors import Problem
from bot.i18n import language_of, text_for
from bot.render import tasks as render_tasks
from i18n_checks import problems

# The wording is the same on either database; the English suite covers PostgreSQL.
pytestmark = pytest.mark.sqlite_only


@pytest.mark.parametrize("locale,lang", [("es-ES", "es"), ("es-LA", "es"), ("ko-KR", "ko"), ("zh-CN", "zh"),
                                         ("zh-TW", "zh"), ("en-US", "en"), ("fr-FR", "en"), (None, "en"),
                                         ("pt-BR", "en"), ("en-GB", "en")])
def test_slack_locales_map_to_our_four_languages(locale, lang):
    assert language_of(locale) == lang


def test_money_is_written_the_readers_way_with_the_currencys_decimals():
    assert text_for("es").money(Decimal("12500.50"), "EUR") == "12.500,50\xa0€"
    assert text_for("en").money(Decimal("12500.50"), "USD") == "$12,500.50"
    assert text_for("ko").money(Decimal("12500"), "KRW") == "₩12,500"
    assert text_for("zh").money(Decimal("12500.50"), "CNY") == "¥12,500.50"
    assert text_for("en").money(Decimal("12500"), "JPY") == "¥12,500"


@pytest.mark.parametrize("lang,text,currency,expected", [
    ("en", "1,200.50", "USD", Decimal("1200.50")), ("es", "1.200,50", "EUR", Decimal("1200.50")),
    ("es", "1.234", "EUR", Decimal("1234")), ("en", "1,234", "USD", Decimal("1234")),
    ("ko", "12,500", "KRW", Decimal("12500")), ("zh", "12500.5", "CNY", Decimal("12500.50")),
    ("en", "1.234", "USD", "amount_ambiguous"), ("es", "1,234", "EUR", "amount_ambiguous"),
    ("en", "1.234", "KRW", "amount_ambiguous_whole"), ("en", "1.200,50", "USD", "amount_unreadable"),
    ("es", "1,200.50", "EUR", "amount_unreadable"), ("ko", "12.5", "KRW", "amount_no_decimals"),
    ("en", "1.255", "USD", "amount_ambiguous"), ("en", "1.2555", "USD", "amount_too_many_decimals"),
    ("en", "-5", "USD", "amount_not_positive"), ("en", "0", "USD", "amount_not_positive"),
    ("en", "1e3", "USD", "amount_unreadable"), ("en", "", "USD", "amount_missing"),
])
def test_amounts_are_read_in_the_readers_notation_and_ambiguity_is_refused(lang, text, currency, expected):
    got = amount_problem(text, currency, text_for(lang))
    if isinstance(expected, Decimal):
        assert got == expected
    else:
        assert isinstance(got, Problem) and got.code == expected, got


def test_an_ambiguous_amount_says_how_to_write_each_reading():
    from bot.render.problems import describe

    en = describe(amount_problem("1.234", "USD", text_for("en")), text_for("en"))
    assert "1,234" in en and "1.23" in en
    es = describe(amount_problem("1,234", "EUR", text_for("es")), text_for("es"))
    assert "1.234" in es and "1,23" in es and "miles" in es


def ack_text(r) -> str:
    return r.json()["text"] if "json" in r.headers.get("content-type", "") else r.text


FRIDAY = date(2026, 12, 4)


@pytest.mark.parametrize("word,expected", [
    ("today", FRIDAY), ("hoy", FRIDAY), ("오늘", FRIDAY), ("今天", FRIDAY),
    ("tomorrow", FRIDAY + timedelta(1)), ("mañana", FRIDAY + timedelta(1)), ("Manana", FRIDAY + timedelta(1)),
    ("내일", FRIDAY + timedelta(1)), ("明天", FRIDAY + timedelta(1)),
    ("monday", date(2026, 12, 7)), ("lunes", date(2026, 12, 7)), ("월요일", date(2026, 12, 7)),
    ("星期一", date(2026, 12, 7)), ("周一", date(2026, 12, 7)), ("Mon", date(2026, 12, 7)),
    ("miércoles", date(2026, 12, 9)), ("miercoles", date(2026, 12, 9)),
    ("friday", date(2026, 12, 11)), ("viernes", date(2026, 12, 11)), ("周五", date(2026, 12, 11)),
    ("2026-12-24", date(2026, 12, 24)), ("phone", None),
])
def test_day_words_in_four_languages(word, expected):
    assert parse_day(word, FRIDAY) == expected


@pytest.mark.parametrize("lang", ["en", "es", "ko", "zh"])
def test_task_screens_fit_slacks_limits_in_every_language(lang):
    t = text_for(lang)
    assert not problems(render_tasks.task_modal("C0MEET", t))
    assert len(render_tasks.task_modal("C0MEET", t)["title"]["text"]) <= 24


def test_each_person_reads_their_own_language(bot, slack):
    slack.users["U0AE"] = {"locale": "ko-KR"}
    slack.users["U0BOB"] = {"locale": "es-ES"}
    r = bot.command("/task", "<@U0BOB> Llamar a la imprenta by mañana", user="U0AE")
    assert r.status_code == 200
    reply = slack.wait_for("response_url")[0].params
    assert "보냈어요" in reply["blocks"][0]["text"]["text"], reply        # the AE reads Korean
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "U0BOB")[0].params
    assert "Tarea para ti" in dm["blocks"][0]["text"]["text"]              # the owner reads Spanish
    assert dm["blocks"][-1]["elements"][0]["text"]["text"] == "Hecho"
    assert "Plazo" in dm["blocks"][0]["text"]["text"]


def test_a_refusal_comes_in_the_readers_language(bot, slack):
    slack.users["U0AE"] = {"locale": "zh-CN"}
    r = bot.command("/task", "找印刷厂", user="U0AE")
    answer = ack_text(r)
    assert "@提及" in answer and "用法" in answer, answer


def test_a_modal_error_is_plain_text_and_a_message_is_escaped():
    from bot.errors import InvalidInput
    from bot.render.problems import describe, modal_errors

    e = InvalidInput.one("amount", "amount_unreadable", text="1&2<3", example="1,200.50")
    assert "“1&2<3”" in modal_errors(e, text_for("en"))["amount"]          # Slack shows modal errors as typed
    assert "“1&amp;2&lt;3”" in describe(e, text_for("en"))                   # mrkdwn: escaped


def test_a_korean_colleagues_item_dm_and_done_confirmation(bot, slack):
    slack.users["U0MINJI"] = {"locale": "ko-KR", "real_name": "Kim Minji"}
    bot.command("/task", "<@U0MINJI> Send the media plan by tomorrow", user="U0AE")
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == "U0MINJI")[0].params
    assert "실행 항목" in dm["blocks"][0]["text"]["text"] and dm["blocks"][-1]["elements"][0]["text"]["text"] == "완료"
    from test_tasks_home import item_by_text

    item = item_by_text(bot, "Send the media plan")
    bot.click("item_done", str(item.id), user="U0MINJI", channel="D0MINJI", message_ts=item.dm_ts)
    update = slack.wait_for("chat.update", where=lambda c: c.params.get("ts") == item.dm_ts)[0].params
    assert "완료" in json.dumps(update, ensure_ascii=False) and "Done by" not in json.dumps(update)
