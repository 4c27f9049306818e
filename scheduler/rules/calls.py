"""Daily progress call: weekdays 09:30 in the AE's zone, the client channels with open work to call today.

An AE is whoever wrote minutes in the last 30 days. One DM per AE per local date (period `2026-11-30`);
none when there is no open work."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from bot.models import Delivery
from bot.render.calls import daily_call
from bot.services import calls as service

from ..clock import at_local, local_date
from . import Context, Occurrence

HALF_PAST_NINE = (9, 30)
ACTIVE = timedelta(days=30)
WEEKDAYS = frozenset(range(5))   # Monday..Friday


def local_days_at(ctx: Context, tz: str, hh: int, mm: int, weekdays: frozenset[int]) -> Iterator[tuple[date, datetime]]:
    """(local date, instant of hh:mm on it) for each wanted weekday whose instant is in the window.

    One instant per local date: a time in a DST gap fires at the equivalent instant after the jump, a
    repeated time at its first instance (clock.at_local). We don't walk fire_times() over a cron here:
    in a repeated hour APScheduler 3.11's get_next_fire_time(previous, …) keeps returning the second
    instance, so that loop only stops at its limit.
    """
    day, last = local_date(ctx.start, tz), local_date(ctx.end, tz)
    while day <= last:
        if day.weekday() in weekdays:
            t = at_local(day, hh, mm, tz)
            if ctx.start < t <= ctx.end:
                yield day, t
        day += timedelta(days=1)


class DailyCall:
    name = "daily_call"
    to_person = True

    def occurrences(self, ctx: Context):
        for team, ae in service.recent_authors(ctx.s, ctx.end - ACTIVE):
            tz = ctx.tz(team, ae)
            hh, mm = ctx.time_for(team, ae, self.name, HALF_PAST_NINE)
            for day, t in local_days_at(ctx, tz, hh, mm, WEEKDAYS):
                # Only now that a call is due do we look at the AE's work: no work, no DM.
                if service.open_work(ctx.s, team, ae, day):
                    yield Occurrence(team, self.name, "-", ae, day.isoformat(), t)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        out = {}
        for d in deliveries:
            work = service.open_work(ctx.s, d.team_id, d.recipient, date.fromisoformat(d.period))
            out[d.id] = daily_call(d.recipient, work) if work else None
        return out
