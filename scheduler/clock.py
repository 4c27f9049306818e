"""Fire times and local periods. APScheduler's triggers do the calendar math (DST included)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.periods import iso_week, previous_quarter, quarter  # noqa: F401  (re-exported for the rules)

ONE_SECOND = timedelta(seconds=1)


@lru_cache(maxsize=4096)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=8192)
def cron(tz: str, **fields) -> CronTrigger:
    """A cached CronTrigger in a time zone, e.g. cron("Asia/Seoul", day_of_week="mon", hour=12)."""
    return CronTrigger(timezone=zone(tz), **fields)


def fire_times(trigger, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
    """Every fire time in (start, end]; a repeated local hour (DST fall-back) may yield two."""
    out: list[datetime] = []
    t = trigger.get_next_fire_time(None, start + ONE_SECOND)
    while t is not None and t <= end and len(out) < limit:
        if t > start:
            out.append(t)
        t = trigger.get_next_fire_time(t, t + ONE_SECOND)
    return out


@lru_cache(maxsize=65536)
def at_local(day: date, hh: int, mm: int, tz: str) -> datetime:
    """The instant of a local wall-clock time on a given day (a time in a DST gap moves forward)."""
    trigger = cron(tz, year=day.year, month=day.month, day=day.day, hour=hh, minute=mm)
    start = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone(tz))
    return trigger.get_next_fire_time(None, start)


def every(days: int, first: datetime, tz: str) -> IntervalTrigger:
    """Every N days from `first`, keeping the local wall-clock time across DST changes."""
    return IntervalTrigger(days=days, start_date=first, timezone=zone(tz))


def local_date(t: datetime, tz: str) -> date:
    return t.astimezone(zone(tz)).date()


def business_day(d: date, forward: bool) -> date:
    """Move a weekend date to the nearest weekday (earlier for reminders, later for overdue notices)."""
    while d.weekday() >= 5:
        d += timedelta(days=1 if forward else -1)
    return d


def hhmm(text: str, default: tuple[int, int]) -> tuple[int, int]:
    try:
        h, m = (int(x) for x in text.split(":"))
        if 0 <= h < 24 and 0 <= m < 60:
            return h, m
    except (ValueError, AttributeError):
        pass
    return default
