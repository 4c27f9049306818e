"""Daily progress call: weekdays 09:30 in the AE's zone, whom to call today.

The list (bot/services/calls.call_list): the AE's clients due today by their call days (the tier's
cadence or their own), each with its open work and a Log call button for that client; then the
channels without a client that have open work. An AE is a client's AE, or whoever wrote minutes in
the last 30 days. One DM per AE per local date (period `2026-11-30`); none when the list is empty."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from sqlmodel import select

from bot.models import Client, Delivery
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
        aes = dict.fromkeys(service.recent_authors(ctx.s, ctx.end - ACTIVE))
        aes.update(dict.fromkeys(tuple(r) for r in ctx.s.exec(select(Client.team_id, Client.ae_id).distinct())))
        for team, ae in aes:
            tz = ctx.tz(team, ae)
            hh, mm = ctx.time_for(team, ae, self.name, HALF_PAST_NINE)
            for day, t in local_days_at(ctx, tz, hh, mm, WEEKDAYS):
                # Only now that a call is due do we look at the AE's list: nobody to call, no DM.
                if service.call_list(ctx.s, team, ae, day):
                    yield Occurrence(team, self.name, "-", ae, day.isoformat(), t)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        lists: dict[tuple, dict] = {}   # the batch's lists, a few queries per workspace and local date
        for team, day in {(d.team_id, d.period) for d in deliveries}:
            aes = [d.recipient for d in deliveries if (d.team_id, d.period) == (team, day)]
            lists[team, day] = service.call_lists(ctx.s, team, aes, date.fromisoformat(day))
        out = {}
        for d in deliveries:
            work = lists[d.team_id, d.period][d.recipient]
            # In the AE's language: their choice, else their Slack locale's (people loaded once a batch).
            out[d.id] = daily_call(d.recipient, work, ctx.text(d.team_id, d.recipient)) if work else None
        return out
