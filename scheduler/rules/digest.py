"""The weekly digest: Monday 09:00 in the workspace's zone, one post per channel that had activity in
the week before (minutes written there, or action items from its minutes opened or done).

The week is the seven days up to the post: from the previous Monday 09:00 local to this one.
Period key: the ISO week of the Monday it is posted (`2026-W49` covers the days of W48).
A channel with nothing new gets nothing (overdue items alone don't make a digest: that would post
the same list every Monday into a channel nobody uses any more).
"""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import ActionItem, Delivery, ItemStatus, Minutes, Workspace
from bot.render.digest import weekly_digest
from bot.services.digest import channel_week

from ..clock import at_local, cron, fire_times, iso_week, local_date
from . import Context, Occurrence

WHEN = dict(day_of_week="mon", hour=9, minute=0)


def week_of(post_at, tz: str):
    """(start, end) instants of the week a digest posted at `post_at` covers, and its local dates."""
    today = local_date(post_at, tz)
    start = at_local(today - timedelta(days=7), WHEN["hour"], WHEN["minute"], tz)
    return start, post_at, today


class WeeklyDigest:
    name = "weekly_digest"
    to_person = False

    def occurrences(self, ctx: Context):
        zones = set(ctx.s.exec(select(Workspace.tz))) | {"UTC"}
        if not any(fire_times(cron(tz, **WHEN), ctx.start, ctx.end) for tz in zones):
            return   # no Monday morning anywhere in this window: don't query activity every minute
        since = ctx.start - timedelta(days=8)
        activity: dict[tuple[str, str], list] = {}
        def items(at):
            return (select(Minutes.team_id, Minutes.channel_id, at)
                    .join(ActionItem, (ActionItem.minutes_id == Minutes.id) & (ActionItem.team_id == Minutes.team_id))
                    .where(at > since))

        queries = [
            select(Minutes.team_id, Minutes.channel_id, Minutes.created_at).where(Minutes.created_at > since),
            items(ActionItem.created_at).where(ActionItem.status != ItemStatus.cancelled),
            items(ActionItem.done_at).where(ActionItem.status == ItemStatus.done),
        ]
        for q in queries:
            for team, channel, at in ctx.s.exec(q):
                activity.setdefault((team, channel), []).append(at)
        for (team, channel), moments in activity.items():
            tz = ctx.workspace_tz(team)
            for post_at in fire_times(cron(tz, **WHEN), ctx.start, ctx.end):
                start, end, today = week_of(post_at, tz)
                if any(start <= at < end for at in moments):
                    yield Occurrence(team, self.name, channel, channel, iso_week(today), post_at)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        out = {}
        for d in deliveries:
            tz = ctx.workspace_tz(d.team_id)
            start, end, today = week_of(d.due_at, tz)
            week = channel_week(ctx.s, d.team_id, d.subject, start, end, today)
            # A channel post: the channel's client's language, else the workspace's.
            out[d.id] = weekly_digest(week, today - timedelta(days=7), today - timedelta(days=1),
                                      ctx.channel_text(d.team_id, week.language)) if week.active else None
        return out
