"""The tick: exactly once, on time in each person's zone, across DST, restarts, crashes and 429s."""
from __future__ import annotations

import logging
from datetime import date, timedelta

from rhythm import utc

from bot.models import DeliveryStatus


def test_due_reminders_at_nine_local_the_day_before_and_on_the_day(rhythm):
    rhythm.person("U0NY", "America/New_York")
    item = rhythm.item("U0NY", date(2026, 12, 2))                  # a Wednesday
    rhythm.tick(utc(2026, 12, 1, 13, 0))                           # 08:00 in New York: nothing yet
    rhythm.tick(utc(2026, 12, 1, 13, 59))
    assert rhythm.dms() == []
    rhythm.tick(utc(2026, 12, 1, 14, 0))                           # 09:00 EST
    [dm] = rhythm.dms("U0NY")
    assert "tomorrow" in str(dm.params["blocks"]) and f'"value": "{item}"' in dm.params["blocks"].__repr__().replace("'", '"')
    rhythm.tick(utc(2026, 12, 1, 14, 1))
    rhythm.tick(utc(2026, 12, 1, 20, 0))
    assert len(rhythm.dms()) == 1                                  # once
    rhythm.tick(utc(2026, 12, 2, 14, 0))
    assert len(rhythm.dms("U0NY")) == 2 and "today" in str(rhythm.dms()[-1].params["blocks"])
    assert [d.period for d in rhythm.deliveries(status=DeliveryStatus.sent)] == ["2026-12-02:before", "2026-12-02:on"]


def test_seoul_and_mexico_city_get_theirs_at_their_own_nine(rhythm):
    rhythm.person("U0SEOUL", "Asia/Seoul")
    rhythm.person("U0CDMX", "America/Mexico_City")
    rhythm.item("U0SEOUL", date(2026, 12, 1))
    rhythm.item("U0CDMX", date(2026, 12, 1))
    rhythm.tick(utc(2026, 11, 30, 0, 0))                           # Monday 09:00 in Seoul
    assert [c.params["channel"] for c in rhythm.dms()] == ["U0SEOUL"]
    rhythm.tick(utc(2026, 11, 30, 14, 59))
    assert len(rhythm.dms()) == 1
    rhythm.tick(utc(2026, 11, 30, 15, 0))                          # Monday 09:00 in Mexico City (no DST)
    assert [c.params["channel"] for c in rhythm.dms()] == ["U0SEOUL", "U0CDMX"]


def test_weekend_due_date_reminds_on_the_friday_once(rhythm):
    rhythm.person("U0A", "Europe/Madrid")
    rhythm.item("U0A", date(2026, 12, 6))                          # a Sunday
    for h in range(0, 24 * 4, 1):
        rhythm.tick(utc(2026, 12, 3, 0) + timedelta(hours=h))      # Thursday .. Sunday, hourly
    [dm] = rhythm.dms()
    assert dm.at and rhythm.deliveries()[0].due_at == utc(2026, 12, 4, 8, 0)   # Friday 09:00 CET


def test_overdue_every_three_days_keeps_nine_oclock_across_the_dst_change(rhythm):
    rhythm.person("U0NY", "America/New_York")
    rhythm.person("U0BOSS", "Europe/Madrid")
    rhythm.item("U0NY", date(2026, 10, 28), creator="U0BOSS")      # Wednesday; clocks change Nov 1 (US)
    t = utc(2026, 10, 28, 0)
    while t < utc(2026, 11, 6, 0):      # every 3 hours: the rows' due_at say when each one fell due
        rhythm.tick(t)
        t += timedelta(hours=3)
    sent = rhythm.deliveries(rule="item_overdue", status=DeliveryStatus.sent)
    ny = [d.due_at for d in sent if d.recipient == "U0NY"]
    # Thu Oct 29 09:00 EDT, Sun Nov 1 → Mon Nov 2 09:00 EST, Wed Nov 4 09:00 EST
    assert ny == [utc(2026, 10, 29, 13), utc(2026, 11, 2, 14), utc(2026, 11, 4, 14)]
    boss = [d.due_at for d in sent if d.recipient == "U0BOSS"]
    assert boss == [utc(2026, 10, 29, 8), utc(2026, 11, 2, 8), utc(2026, 11, 4, 8)]   # 09:00 CET in Madrid
    assert len([c for c in rhythm.dms() if c.text.startswith("Overdue")]) == 6


def test_repeated_and_skipped_hours_send_exactly_once(rhythm):
    # Reminder times set inside the hour that repeats (fall back) and the hour that is skipped (spring forward).
    rhythm.person("U0NY", "America/New_York", reminder_times={"item_due": "01:30"})
    rhythm.person("U0MAD", "Europe/Madrid", reminder_times={"item_due": "02:30"})
    rhythm.item("U0NY", date(2026, 11, 3))      # Tue: "before" reminder Mon Nov 2; the day after the change
    rhythm.item("U0MAD", date(2027, 3, 30))     # Tue: Mon Mar 29 is the day after Madrid springs forward
    # Walk 10 minutes at a time through three hours around each reminder.
    for around in (utc(2026, 11, 2, 6, 30), utc(2026, 11, 3, 6, 30), utc(2027, 3, 29, 0, 30),
                   utc(2027, 3, 30, 0, 30)):
        for k in range(-9, 10):
            rhythm.tick(around + timedelta(minutes=10 * k))
    due = [c for c in rhythm.dms() if c.text.startswith("Due")]
    assert sorted(c.params["channel"] for c in due) == ["U0MAD", "U0MAD", "U0NY", "U0NY"]
    ny = [d.due_at for d in rhythm.deliveries(recipient="U0NY", rule="item_due")]
    assert ny == [utc(2026, 11, 2, 6, 30), utc(2026, 11, 3, 6, 30)]   # 01:30 EST each day
    mad = [d.due_at for d in rhythm.deliveries(recipient="U0MAD", rule="item_due")]
    assert mad == [utc(2027, 3, 29, 0, 30), utc(2027, 3, 30, 0, 30)]  # 02:30 CEST each day


def test_catch_up_after_six_hours_and_skip_after_three_days(rhythm, caplog):
    rhythm.person("U0NY", "America/New_York")
    rhythm.item("U0NY", date(2026, 12, 2))
    rhythm.item("U0NY", date(2026, 12, 8), text="Book the studio")
    rhythm.tick(utc(2026, 12, 1, 12, 0))                # 07:00 NY, then the bot is down for 6 hours
    rhythm.tick(utc(2026, 12, 1, 18, 0))                # 13:00 NY: the 09:00 reminder goes out late
    assert len(rhythm.dms()) == 1
    with caplog.at_level(logging.INFO, logger="ae_bot.scheduler"):
        rhythm.tick(utc(2026, 12, 8, 13, 0))            # down for a week: Dec 7 and Dec 2 reminders are old
    skipped = rhythm.deliveries(status=DeliveryStatus.skipped)
    assert {d.period for d in skipped} >= {"2026-12-02:on", "2026-12-08:before"}
    assert "skipped item_due" in caplog.text and "missed by more than" in caplog.text
    assert len(rhythm.dms()) == 1
    rhythm.tick(utc(2026, 12, 8, 14, 0))                # 09:00 on the due day: sent
    assert len(rhythm.dms()) == 2


def test_away_and_opt_out_are_respected(rhythm):
    rhythm.person("U0AWAY", "UTC", away_from=date(2026, 12, 1), away_until=date(2026, 12, 2))
    rhythm.person("U0OUT", "UTC", opt_out="item_due")
    rhythm.item("U0AWAY", date(2026, 12, 2))
    rhythm.item("U0AWAY", date(2026, 12, 4), text="After the holiday")
    rhythm.item("U0OUT", date(2026, 12, 2))
    for day in (1, 2, 3, 4):
        rhythm.tick(utc(2026, 12, day, 9, 0))
    due = [(c.params["channel"], c.text) for c in rhythm.dms() if c.text.startswith("Due")]
    assert due == [("U0AWAY", "Due: After the holiday"), ("U0AWAY", "Due: After the holiday")]  # Dec 3, 4
    skipped = {(d.recipient, d.period, d.error) for d in rhythm.deliveries(status=DeliveryStatus.skipped)}
    assert skipped == {("U0AWAY", "2026-12-02:before", "away"), ("U0AWAY", "2026-12-02:on", "away"),
                       ("U0OUT", "2026-12-02:before", "opted out"), ("U0OUT", "2026-12-02:on", "opted out")}
    # Opting out is per rule: the overdue notice still reaches U0OUT; the holiday is over for U0AWAY.
    overdue = sorted(c.params["channel"] for c in rhythm.dms() if c.text.startswith("Overdue"))
    assert overdue == ["U0AWAY", "U0OUT"]


def test_done_items_are_not_reminded(rhythm):
    from bot.services import tasks

    rhythm.person("U0A", "UTC")
    item = rhythm.item("U0A", date(2026, 12, 2))
    tasks.complete(rhythm.db, "T0ACME", "U0A", item)
    rhythm.tick(utc(2026, 12, 1, 9, 0))
    assert rhythm.dms() == []


def test_429_storm_is_retried_later_without_holding_up_the_rest(rhythm):
    for i in range(20):
        rhythm.person(f"U0P{i:02d}", "UTC")
        rhythm.item(f"U0P{i:02d}", date(2026, 12, 2))
    rhythm.slack.fail_next("chat.postMessage", status=429, retry_after=30, times=8)
    report = rhythm.tick(utc(2026, 12, 1, 9, 0))
    assert report.sent == 12 and report.retry == 8
    waiting = rhythm.deliveries(status=DeliveryStatus.retry)
    assert {d.next_attempt_at for d in waiting} == {utc(2026, 12, 1, 9, 0, 30)}   # Retry-After honoured
    rhythm.tick(utc(2026, 12, 1, 9, 0, 10))
    assert len(rhythm.deliveries(status=DeliveryStatus.sent)) == 12
    rhythm.tick(utc(2026, 12, 1, 9, 1))
    assert len(rhythm.deliveries(status=DeliveryStatus.sent)) == 20
    ok = [c for c in rhythm.dms()]
    assert len({c.params["channel"] for c in ok}) == 20


def test_permanent_errors_fail_at_once_and_transient_ones_give_up_after_a_bound(rhythm):
    rhythm.person("U0GONE", "UTC")
    rhythm.person("U0FLAKY", "UTC")
    rhythm.item("U0GONE", date(2026, 12, 2))
    rhythm.tick(utc(2026, 12, 1, 8, 0))
    rhythm.slack.fail_next("chat.postMessage", error="user_not_found")
    rhythm.tick(utc(2026, 12, 1, 9, 0))
    [d] = rhythm.deliveries()
    assert (d.status, d.attempts, d.error) == (DeliveryStatus.failed, 1, "user_not_found")

    rhythm.item("U0FLAKY", date(2026, 12, 3))
    rhythm.slack.fail_next("chat.postMessage", error="internal_error", times=10)
    t = utc(2026, 12, 2, 9, 0)
    for _ in range(40):
        rhythm.tick(t)
        t += timedelta(minutes=1)
    flaky = rhythm.deliveries(recipient="U0FLAKY")[0]
    assert (flaky.status, flaky.attempts) == (DeliveryStatus.failed, 5)


def test_done_on_a_reminder_marks_the_item_and_that_message(bot, rhythm):
    rhythm.person("U0A", "UTC")
    item = rhythm.item("U0A", date(2026, 12, 2))
    rhythm.tick(utc(2026, 12, 1, 9, 0))
    [d] = rhythm.deliveries(status=DeliveryStatus.sent)
    bot.click("item_done", str(item), user="U0A", channel=d.channel, message_ts=d.ts)
    upd = rhythm.slack.wait_for("chat.update", where=lambda c: c.params["ts"] == d.ts)[0]
    assert "Done by <@U0A>" in str(upd.params["blocks"]) and "item_done" not in str(upd.params["blocks"])
    rhythm.tick(utc(2026, 12, 2, 9, 0))                 # and no "due today" for a done item
    assert len(rhythm.dms()) == 1


def test_rate_limits_do_not_use_up_the_retry_budget(rhythm):
    rhythm.person("U0A", "UTC")
    rhythm.item("U0A", date(2026, 12, 2))
    rhythm.tick(utc(2026, 12, 1, 8, 0))
    rhythm.slack.fail_next("chat.postMessage", status=429, retry_after=1, times=7)
    t = utc(2026, 12, 1, 9, 0)
    for _ in range(9):
        rhythm.tick(t)
        t += timedelta(seconds=2)
    [d] = rhythm.deliveries()
    assert (d.status, d.attempts) == (DeliveryStatus.sent, 1)
    assert len(rhythm.slack.calls_to("chat.postMessage")) == 8 and len(rhythm.dms()) == 8


def test_time_zones_are_refreshed_from_slack_daily(rhythm):
    import asyncio

    from slack_sdk.web.async_client import AsyncWebClient

    from sqlmodel import select

    from bot.models import Person
    from bot.services import people
    from scheduler.runner import refresh_people

    rhythm.person("U0MOVED", "Europe/Madrid")            # cached on 2026-11-01: stale
    rhythm.slack.users["U0MOVED"] = {"tz": "Asia/Seoul", "locale": "ko-KR", "real_name": "Min"}
    people.remember(rhythm.db, "T0ACME", "U0FRESH", tz="UTC")   # refreshed just now
    client = AsyncWebClient(token="xoxb-test-token-123", base_url=rhythm.slack.api_url)
    assert asyncio.run(refresh_people(rhythm.db, client)) == 1
    with rhythm.db.transaction() as s:
        p = s.exec(select(Person).where(Person.user_id == "U0MOVED")).one()
        assert (p.tz, p.locale, p.name) == ("Asia/Seoul", "ko-KR", "Min")
    assert [c.params["user"] for c in rhythm.slack.calls_to("users.info")] == ["U0MOVED"]
