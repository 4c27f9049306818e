"""Weekly client report: Monday 12:00 in the AE's zone, one per channel they wrote minutes in during
the 30 days before that Monday (per client once clients exist). The DM carries a draft of the last
7 days with Post to channel / Edit first / Snooze 1 h (handlers/reports.py). A snooze is one more
delivery of the same report (period `2026-W49/snooze-1`) that the engine sends once it is due."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import Delivery, Minutes
from bot.render.reports import weekly_dm
from bot.services import reports

from ..clock import cron, fire_times, iso_week, local_date
from . import Context, Occurrence

NOON = (12, 0)
STALE_SNOOZE = timedelta(hours=12)   # the engine's grace window: a snooze missed by more is dropped


class WeeklyReport:
    name = reports.RULE
    to_person = True

    def occurrences(self, ctx: Context):
        # Only minutes that can make an AE eligible on a Monday inside the window (a day's margin for zones).
        first = ctx.start.date() - timedelta(days=reports.ACTIVE_DAYS + 2)
        last = ctx.end.date() + timedelta(days=1)
        rows = ctx.s.exec(select(Minutes.team_id, Minutes.author_id, Minutes.channel_id, Minutes.held_on)
                          .where(Minutes.held_on >= first, Minutes.held_on <= last).distinct())
        held: dict[tuple[str, str], dict[str, set]] = {}
        for team, author, channel, day in rows:
            held.setdefault((team, author), {}).setdefault(channel, set()).add(day)
        for (team, author), channels in held.items():
            tz = ctx.tz(team, author)
            hh, mm = ctx.time_for(team, author, self.name, NOON)
            for t in fire_times(cron(tz, day_of_week="mon", hour=hh, minute=mm), ctx.start, ctx.end):
                monday = local_date(t, tz)
                since = monday - timedelta(days=reports.ACTIVE_DAYS)
                for channel, days in channels.items():
                    if any(since <= d <= monday for d in days):
                        yield Occurrence(team, self.name, channel, author, iso_week(monday), t)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        out = {}
        for d in deliveries:
            snoozed = "/snooze-" in d.period
            if snoozed:
                root = reports.root_of(ctx.s, d)
                if d.due_at < ctx.end - STALE_SNOOZE or (root and reports.posted(ctx.s, d.team_id, root.id)):
                    out[d.id] = None    # too late to be useful, or the AE has posted it meanwhile
                    continue
            draft = reports.draft(ctx.s, d.team_id, d.subject, d.recipient, reports.week_of(d.period),
                                  ctx.tz(d.team_id, d.recipient))
            out[d.id] = weekly_dm(draft, d.id, snoozed=snoozed)
        return out
