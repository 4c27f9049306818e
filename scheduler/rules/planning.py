"""Weekly planning: Sunday 19:00 in the person's zone, for those who opted in (/ae settings), the coming
week (period: the ISO week of the Monday ahead, e.g. `2026-W49`)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.models import Delivery, Person
from bot.render.planning import week_plan
from bot.services.planning import week_plan as plan_for

from ..clock import iso_week
from . import Context, Occurrence
from .calls import local_days_at

SEVEN_PM = (19, 0)
SUNDAY = frozenset({6})


def _monday(period: str) -> date:
    year, week = period.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


class WeeklyPlanning:
    name = "weekly_planning"
    to_person = True

    def occurrences(self, ctx: Context):
        for p in ctx.s.exec(select(Person).where(Person.weekly_planning.is_(True))):
            tz = ctx.tz(p.team_id, p.user_id)
            hh, mm = ctx.time_for(p.team_id, p.user_id, self.name, SEVEN_PM)
            for sunday, t in local_days_at(ctx, tz, hh, mm, SUNDAY):
                monday = sunday + timedelta(days=1)
                # Sent only when there is something to say: an empty "nothing due next week" every Sunday
                # is the kind of message that teaches people to mute the bot.
                if not plan_for(ctx.s, p.team_id, p.user_id, monday).empty:
                    yield Occurrence(p.team_id, self.name, "-", p.user_id, iso_week(monday), t)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        out = {}
        for d in deliveries:
            person = ctx.person(d.team_id, d.recipient)
            plan = plan_for(ctx.s, d.team_id, d.recipient, _monday(d.period))
            # Opted out of planning since it was due, or everything got done: nothing to send.
            wanted = person and person.weekly_planning and not plan.empty
            out[d.id] = week_plan(d.recipient, plan, ctx.text(d.team_id, d.recipient)) if wanted else None
        return out
