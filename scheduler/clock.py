"""Fire times and local periods. APScheduler's triggers do the calendar math (DST included)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
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
    t = trigger.get_next_fire_time(None, _utc(start) + ONE_SECOND)
    while t is not None and _utc(t) <= _utc(end) and len(out) < limit:
        if _utc(t) > _utc(start):
            out.append(t)
        # Step on from t in UTC: local arithmetic drops `fold`, so inside a repeated hour
        # "01:30 (second time) + 1 s" would land back in the first 01:30.
        t = trigger.get_next_fire_time(None, _utc(t) + ONE_SECOND)
    return out


def _utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc)


@lru_cache(maxsize=65536)
def at_local(day: date, hh: int, mm: int, tz: str) -> datetime:
    """The instant of a local wall-clock time on a given day (a time in a DST gap moves forward; a
    repeated time is its first instance)."""
    trigger = cron(tz, year=day.year, month=day.month, day=day.day, hour=hh, minute=mm)
    start = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone(tz))
    t = trigger.get_next_fire_time(None, start)
    return t.astimezone(timezone.utc).astimezone(zone(tz))   # normalised: .hour reads true in a gap


class every:
    """Every N days from `first`, at first's local wall-clock time whatever DST does in between.

    APScheduler picks the days (an IntervalTrigger over noon-UTC anchors of the local dates); at_local
    turns each day into an instant. (IntervalTrigger alone counts elapsed hours, so 09:00 would
    become 08:00 after a fall-back.) Quacks like a trigger for fire_times().
    """

    def __init__(self, days: int, first: datetime, tz: str):
        local = first.astimezone(zone(tz))
        self.tz, self.hh, self.mm = tz, local.hour, local.minute
        self.extra = timedelta(seconds=local.second, microseconds=local.microsecond)
        anchor = datetime.combine(local.date(), time(12), tzinfo=timezone.utc)
        self.days = IntervalTrigger(days=days, start_date=anchor, timezone=timezone.utc)

    def get_next_fire_time(self, _previous, now: datetime) -> datetime | None:
        probe = datetime.combine(now.astimezone(zone(self.tz)).date() - timedelta(days=1), time(12),
                                 tzinfo=timezone.utc)
        d = self.days.get_next_fire_time(None, probe)
        while d is not None:
            instant = at_local(d.date(), self.hh, self.mm, self.tz) + self.extra
            if instant >= now:
                return instant
            d = self.days.get_next_fire_time(None, _utc(d) + ONE_SECOND)
        return None


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
