"""Goal reviews: on the first weekday of each quarter at 10:00 (the person's zone), last quarter's goals
with Done / Not done; in January also the year's goals grouped by quarter.

The cron matches days 1-3 on weekdays, so it can match two or three mornings a quarter; the period
key is the quarter (or year) reviewed, so the delivery ledger lets only the first one send.
"""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.models import Delivery, Goal
from bot.render.goals import quarterly_review, yearly_review

from ..clock import cron, fire_times, local_date, previous_quarter
from . import Context, Occurrence

TEN = (10, 0)
MONTHS = {"quarterly_review": "1,4,7,10", "yearly_review": "1"}


def _fire_days(ctx: Context, months: str):
    """Calendar days the window can reach in any zone (±14 h) that the cron could match."""
    wanted = {int(m) for m in months.split(",")}
    d, last = (ctx.start - timedelta(days=1)).date(), (ctx.end + timedelta(days=1)).date()
    while d <= last:
        if d.month in wanted and d.day <= 3:
            yield d
        d += timedelta(days=1)


def _fires(ctx: Context, team_id: str, user_id: str, months: str):
    """(local date, instant) of each 10:00 (or the person's time) fire of the review cron in the window."""
    tz = ctx.tz(team_id, user_id)
    hh, mm = ctx.time_for(team_id, user_id, "quarterly_review", TEN)   # the yearly review comes with it
    trigger = cron(tz, month=months, day="1-3", day_of_week="mon-fri", hour=hh, minute=mm)
    return [(local_date(t, tz), t) for t in fire_times(trigger, ctx.start, ctx.end)]


def _goals_of(ctx: Context, deliveries: list[Delivery], quarters: set[str], period_of) -> dict[tuple, list[Goal]]:
    """The recipients' goals of those quarters, in one query per workspace and batch (not one per
    reminder), by (team, user, the period reviewed)."""
    out: dict[tuple, list[Goal]] = {}
    for team_id in {d.team_id for d in deliveries}:
        users = {d.recipient for d in deliveries if d.team_id == team_id}
        q = (select(Goal).where(Goal.team_id == team_id, Goal.user_id.in_(users), Goal.period.in_(quarters))
             .order_by(Goal.user_id, Goal.period, Goal.id))
        for g in ctx.s.exec(q):
            out.setdefault((g.team_id, g.user_id, period_of(g)), []).append(g)
    return out


class QuarterlyReview:
    name = "quarterly_review"
    to_person = True

    def occurrences(self, ctx: Context):
        periods = {previous_quarter(d) for d in _fire_days(ctx, MONTHS[self.name])}
        if not periods:
            return
        people = ctx.s.exec(select(Goal.team_id, Goal.user_id, Goal.period)
                            .where(Goal.period.in_(periods)).distinct())
        for team_id, user_id, period in people:
            for day, at in _fires(ctx, team_id, user_id, MONTHS[self.name]):
                if previous_quarter(day) == period:
                    yield Occurrence(team_id, self.name, "goals", user_id, period, at)
                    break   # one per tick; later mornings of the same quarter carry the same key anyway

    def render(self, ctx: Context, deliveries: list[Delivery]):
        mine = _goals_of(ctx, deliveries, {d.period for d in deliveries}, lambda g: g.period)
        out = {}
        for d in deliveries:
            goals = mine.get((d.team_id, d.recipient, d.period))
            # In the recipient's language (people loaded once per workspace and batch).
            out[d.id] = ({"channel": d.recipient, **quarterly_review(d.period, goals, ctx.text(d.team_id, d.recipient))}
                         if goals else None)
        return out


class YearlyReview:
    name = "yearly_review"
    to_person = True

    def occurrences(self, ctx: Context):
        years = {d.year - 1 for d in _fire_days(ctx, MONTHS[self.name])}
        if not years:
            return
        people = set()
        for year in years:
            people |= set(ctx.s.exec(select(Goal.team_id, Goal.user_id)
                                     .where(Goal.period.like(f"{year}-Q%")).distinct()))
        for team_id, user_id in people:
            for day, at in _fires(ctx, team_id, user_id, MONTHS[self.name]):
                if day.year - 1 in years:
                    yield Occurrence(team_id, self.name, "goals", user_id, str(day.year - 1), at)
                    break

    def render(self, ctx: Context, deliveries: list[Delivery]):
        quarters = {f"{d.period}-Q{q}" for d in deliveries for q in range(1, 5)}
        mine = _goals_of(ctx, deliveries, quarters, lambda g: g.period.split("-")[0])
        out = {}
        for d in deliveries:
            goals = mine.get((d.team_id, d.recipient, d.period))
            t = ctx.text(d.team_id, d.recipient) if goals else None
            out[d.id] = {"channel": d.recipient, **yearly_review(int(d.period), goals, t)} if goals else None
        return out
