"""Weekly planning: Sunday 19:00 local for those who opted in; the coming week; exactly once across DST."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rhythm import TEAM, utc
from sqlmodel import select
from test_daily_call import DONE, add_minutes

from bot.models import ActionItem, DeliveryStatus, Person
from scheduler.rules.planning import WeeklyPlanning

RULES = [WeeklyPlanning()]


def plans(rhythm, user=None):
    return [c for c in rhythm.dms(user) if (c.text or "").startswith("Your week ahead")]


def body(call) -> str:
    return "\n".join(b["text"]["text"] for b in call.params["blocks"] if b["type"] == "section")


def opt_in(rhythm, user: str, tz: str, **prefs) -> None:
    rhythm.person(user, tz, weekly_planning=True, **prefs)


def test_only_people_who_opted_in_get_it_on_sunday_at_seven_pm(rhythm):
    opt_in(rhythm, "U0IN", "America/New_York")
    rhythm.person("U0OUT", "America/New_York")                 # weekly_planning defaults to off
    rhythm.item("U0IN", date(2026, 12, 1))
    rhythm.item("U0OUT", date(2026, 12, 1))
    rhythm.tick(utc(2026, 11, 29, 12), RULES)
    rhythm.tick(utc(2026, 11, 29, 23, 59), RULES)              # Sunday 18:59 EST
    assert plans(rhythm) == []
    rhythm.tick(utc(2026, 11, 30, 0, 0), RULES)                # Sunday 19:00 EST
    rhythm.tick(utc(2026, 11, 30, 3, 0), RULES)
    assert [c.params["channel"] for c in plans(rhythm)] == ["U0IN"]
    [d] = rhythm.deliveries()
    assert (d.recipient, d.subject, d.period, d.due_at) == ("U0IN", "-", "2026-W49", utc(2026, 11, 30, 0, 0))


def test_the_coming_week_by_day_then_overdue_then_my_unsigned_minutes(rhythm):
    opt_in(rhythm, "U0ME", "UTC")
    for due, text in [(date(2026, 12, 3), "Send the brief"), (date(2026, 11, 30), "Call the printer"),
                      (date(2026, 11, 30), "Book the studio"), (date(2026, 12, 6), "Sunday shoot"),
                      (date(2026, 12, 7), "Next-next week"), (date(2026, 11, 20), "Old invoice"),
                      (date(2026, 11, 29), "Due today")]:
        rhythm.item("U0ME", due, text=text)
    rhythm.item("U0BOB", date(2026, 12, 1), text="Bob's, not mine")
    with rhythm.db.transaction() as s:
        s.add(ActionItem(team_id=TEAM, text="Already done", owner_id="U0ME", due_on=date(2026, 12, 1),
                         status=DONE, creator_id="U0ME"))
        s.add(ActionItem(team_id=TEAM, text="Someday", owner_id="U0ME", due_on=None, creator_id="U0ME"))
    add_minutes(rhythm.db, "U0ME", "C0ACME", title="Spring kick-off", attendees=["U0ME", "U0BOB"], signed=["U0ME"])
    add_minutes(rhythm.db, "U0ME", "C0ACME", title="All signed", attendees=["U0BOB"], signed=["U0BOB"])
    add_minutes(rhythm.db, "U0BOB", "C0ACME", title="Bob's minutes", attendees=["U0ME"])   # not mine to chase
    rhythm.tick(utc(2026, 11, 29, 12), RULES)
    rhythm.tick(utc(2026, 11, 29, 19), RULES)
    [dm] = plans(rhythm, "U0ME")
    text = body(dm)
    assert dm.text == "Your week ahead: 4 due, 2 overdue, 1 to sign"   # not "1 minutes"
    order = ["Due this week", "*Monday*", "Call the printer", "Book the studio", "*Thursday*", "Send the brief",
             "*Sunday*", "Sunday shoot", "Overdue", "Old invoice", "Due today", "Your minutes waiting for sign-off",
             "Spring kick-off", "1 of 2 signed"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions), text
    for absent in ("Next-next week", "Bob's, not mine", "Already done", "Someday", "All signed", "Bob's minutes"):
        assert absent not in text


def test_nothing_to_say_sends_nothing(rhythm):
    opt_in(rhythm, "U0FREE", "Europe/Madrid")
    rhythm.item("U0FREE", date(2026, 12, 8))                   # the week after next
    rhythm.tick(utc(2026, 11, 29, 12), RULES)
    rhythm.tick(utc(2026, 11, 29, 18), RULES)                  # 19:00 CET
    assert plans(rhythm) == [] and rhythm.deliveries() == []
    rhythm.tick(utc(2026, 12, 6, 18), RULES)                   # a week later it is due in the coming week
    assert len(plans(rhythm, "U0FREE")) == 1
    assert [d.period for d in rhythm.deliveries()] == ["2026-W50"]


def test_a_personal_time_and_opting_out_later(rhythm):
    opt_in(rhythm, "U0MAD", "Europe/Madrid", reminder_times={"weekly_planning": "08:00"})
    rhythm.item("U0MAD", date(2026, 12, 2))
    rhythm.tick(utc(2026, 11, 29, 6), RULES)
    rhythm.tick(utc(2026, 11, 29, 6, 59), RULES)
    assert plans(rhythm) == []
    rhythm.tick(utc(2026, 11, 29, 7), RULES)                   # Sunday 08:00 CET
    rhythm.tick(utc(2026, 11, 29, 18), RULES)                  # 19:00 CET is not their time
    assert len(plans(rhythm, "U0MAD")) == 1
    with rhythm.db.transaction() as s:                         # /ae settings: planning off
        p = s.exec(select(Person).where(Person.user_id == "U0MAD")).one()
        p.weekly_planning = False
        s.add(p)
    rhythm.item("U0MAD", date(2026, 12, 9))
    rhythm.tick(utc(2026, 12, 6, 7), RULES)
    assert len(plans(rhythm)) == 1


def test_opting_out_before_a_retry_stops_the_pending_one(rhythm):
    opt_in(rhythm, "U0ME", "UTC")
    rhythm.item("U0ME", date(2026, 12, 2))
    rhythm.tick(utc(2026, 11, 29, 12), RULES)
    rhythm.slack.fail_next("chat.postMessage", status=429, retry_after=60)
    rhythm.tick(utc(2026, 11, 29, 19), RULES)
    with rhythm.db.transaction() as s:
        p = s.exec(select(Person).where(Person.user_id == "U0ME")).one()
        p.weekly_planning = False
        s.add(p)
    rhythm.tick(utc(2026, 11, 29, 19, 2), RULES)
    [d] = rhythm.deliveries()
    assert (d.status, d.error) == ("skipped", "no longer relevant")
    assert len(plans(rhythm)) == 1                                  # only the attempt Slack rate-limited


def test_the_period_is_the_iso_week_being_planned_across_new_year(rhythm):
    opt_in(rhythm, "U0NY", "UTC")
    rhythm.item("U0NY", date(2026, 12, 29))
    rhythm.item("U0NY", date(2027, 1, 5))
    rhythm.tick(utc(2026, 12, 27, 12), RULES)
    rhythm.tick(utc(2026, 12, 27, 19), RULES)
    rhythm.tick(utc(2027, 1, 3, 19), RULES)
    assert [d.period for d in rhythm.deliveries(status=DeliveryStatus.sent)] == ["2026-W53", "2027-W01"]


# --- the nights the clocks change (planning fires on Sundays, the day they do) ----------------------------

DST_NIGHTS = [
    # zone, personal time, the Sunday, the instant APScheduler gives (UTC) and its local wall time
    pytest.param("America/New_York", "01:30", date(2026, 11, 1), utc(2026, 11, 1, 5, 30), "01:30 EDT",
                 id="new-york-fall-repeated"),
    pytest.param("Europe/Madrid", "02:30", date(2027, 3, 28), utc(2027, 3, 28, 1, 30), "03:30 CEST",
                 id="madrid-spring-gap"),
    pytest.param("America/New_York", "02:30", date(2027, 3, 14), utc(2027, 3, 14, 7, 30), "03:30 EDT",
                 id="new-york-spring-gap"),
    pytest.param("Europe/Madrid", "02:30", date(2026, 10, 25), utc(2026, 10, 25, 0, 30), "02:30 CEST",
                 id="madrid-fall-repeated"),
]


@pytest.mark.parametrize("tz, at, sunday, expected, wall", DST_NIGHTS)
def test_dst_nights_send_exactly_once_at_the_instant_apscheduler_gives(rhythm, tz, at, sunday, expected, wall):
    """01:30 in New York on 2026-11-01 happens twice (05:30 and 06:30 UTC): sent once, at the first.
    02:30 in Madrid on 2027-03-28 and in New York on 2027-03-14 never happens: sent once at the equivalent
    instant after the jump (03:30 local). 02:30 in Madrid on 2026-10-25 happens twice: sent once."""
    opt_in(rhythm, "U0DST", tz, reminder_times={"weekly_planning": at})
    rhythm.item("U0DST", sunday + timedelta(days=3))
    start = expected - timedelta(hours=2)
    rhythm.tick(start - timedelta(minutes=10), RULES)          # the first tick of a fresh DB looks back 12 h
    assert plans(rhythm) == []
    first_seen: datetime | None = None
    t = start
    while t <= expected + timedelta(hours=2):                  # every 10 minutes through the change
        rhythm.tick(t, RULES)
        if first_seen is None and plans(rhythm):
            first_seen = t
        t += timedelta(minutes=10)
    assert len(plans(rhythm, "U0DST")) == 1 and first_seen == expected
    [d] = rhythm.deliveries()
    monday = sunday + timedelta(days=1)
    y, w, _ = monday.isocalendar()
    assert (d.status, d.due_at, d.period) == (DeliveryStatus.sent, expected, f"{y}-W{w:02d}")
    local = expected.astimezone(ZoneInfo(tz))
    assert (local.date(), local.strftime("%H:%M %Z")) == (sunday, wall)
