"""Weekly client report, to the AE, with a draft of the last 7 days and Post to channel / Edit first /
Snooze 1 h (handlers/reports.py).

- Per client (subject `client:<id>`): at the client's report_day and report_time in its AE's zone,
  every week; the draft covers the client's channel and calls. The client's own time is what counts
  (a person's weekly_report time in /ae settings applies to channel reports only).
- Per channel, for channels with minutes but no client (teams that have not added clients keep
  this): Monday 12:00 (or the AE's own time) in the AE's zone, one per channel the AE wrote minutes
  in during the 30 days before that Monday.

The period is the ISO week of the local report date (`2026-W49`). A snooze is one more delivery of
the same report (period `2026-W49/snooze-1`) that the engine sends once it is due."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.errors import NotFound
from bot.models import Client, Delivery, Minutes
from bot.render.reports import weekly_dm
from bot.services import reports

from ..clock import cron, fire_times, hhmm, iso_week, local_date
from . import Context, Occurrence

NOON = (12, 0)
STALE_SNOOZE = timedelta(hours=12)   # the engine's grace window: a snooze missed by more is dropped
WEEKDAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


class WeeklyReport:
    name = reports.RULE
    to_person = True

    def occurrences(self, ctx: Context):
        clients = list(ctx.s.exec(select(Client).where(Client.channel_id.is_not(None))))
        yield from self._per_client(ctx, clients)
        yield from self._per_channel(ctx, {(c.team_id, c.channel_id) for c in clients})

    def _per_client(self, ctx: Context, clients: list[Client]):
        for c in clients:
            if c.report_day not in WEEKDAYS:   # never from the modal; don't let one bad row stop the tick
                continue
            tz = ctx.tz(c.team_id, c.ae_id)
            hh, mm = hhmm(c.report_time, NOON)
            for t in fire_times(cron(tz, day_of_week=c.report_day, hour=hh, minute=mm), ctx.start, ctx.end):
                yield Occurrence(c.team_id, self.name, reports.client_subject(c.id), c.ae_id,
                                 iso_week(local_date(t, tz)), t)

    def _per_channel(self, ctx: Context, of_clients: set[tuple[str, str]]):
        # Only minutes that can make an AE eligible on a Monday inside the window (a day's margin for zones).
        first = ctx.start.date() - timedelta(days=reports.ACTIVE_DAYS + 2)
        last = ctx.end.date() + timedelta(days=1)
        rows = ctx.s.exec(select(Minutes.team_id, Minutes.author_id, Minutes.channel_id, Minutes.held_on)
                          .where(Minutes.held_on >= first, Minutes.held_on <= last).distinct())
        held: dict[tuple[str, str], dict[str, set]] = {}
        for team, author, channel, day in rows:
            if (team, channel) not in of_clients:     # a client's channel is in the client's report
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
            try:
                draft = reports.draft_for(ctx.s, d, ctx.tz(d.team_id, d.recipient))
            except NotFound:
                out[d.id] = None        # the client (or its channel) is gone
                continue
            out[d.id] = weekly_dm(draft, d.id, ctx.text(d.team_id, d.recipient), snoozed=snoozed)   # the AE's language
        return out
