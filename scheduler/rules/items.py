"""Action item reminders: the day before and on the due date to the owner; once overdue, the day
after and then every 3 days to the owner and the creator. Business days only: a reminder that would
fall on a weekend comes on the Friday before, an overdue notice on the Monday after."""
from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from bot.models import ActionItem, Delivery, ItemStatus
from bot.render.reminders import item_reminder

from ..clock import at_local, business_day, every, fire_times, local_date
from . import Context, Occurrence

NINE = (9, 0)


def _open_items(ctx: Context, first: date, last: date):
    return ctx.s.exec(select(ActionItem).where(ActionItem.status == ItemStatus.open,
                                               ActionItem.due_on >= first, ActionItem.due_on <= last))


def _load(ctx: Context, deliveries: list[Delivery]) -> dict[int, ActionItem]:
    ids = {int(d.subject) for d in deliveries}
    return {i.id: i for i in ctx.s.exec(select(ActionItem).where(ActionItem.id.in_(ids)))}


class ItemDue:
    name = "item_due"
    to_person = True

    def occurrences(self, ctx: Context):
        for item in _open_items(ctx, ctx.start.date() - timedelta(days=2), ctx.end.date() + timedelta(days=4)):
            tz = ctx.tz(item.team_id, item.owner_id)
            hh, mm = ctx.time_for(item.team_id, item.owner_id, self.name, NINE)
            on_day = business_day(item.due_on, forward=False)
            before_day = business_day(item.due_on - timedelta(days=1), forward=False)
            for kind, day in (("before", before_day), ("on", on_day)):
                if kind == "before" and day == on_day:
                    continue   # due on a weekend: one reminder on the Friday is enough
                yield Occurrence(item.team_id, self.name, str(item.id), item.owner_id,
                                 f"{item.due_on}:{kind}", at_local(day, hh, mm, tz))

    def render(self, ctx: Context, deliveries: list[Delivery]):
        items = _load(ctx, deliveries)
        out = {}
        for d in deliveries:
            item = items.get(int(d.subject))
            if item and item.status == ItemStatus.open:
                out[d.id] = item_reminder(item, d.recipient, ctx.text(d.team_id, d.recipient), overdue=False,
                                          tomorrow=d.period.endswith(":before"))
        return out


class ItemOverdue:
    name = "item_overdue"
    to_person = True
    EVERY_DAYS = 3

    def occurrences(self, ctx: Context):
        cache: dict = {}
        for item in _open_items(ctx, date(2000, 1, 1), ctx.end.date()):
            for who in dict.fromkeys([item.owner_id, item.creator_id]):
                tz = ctx.tz(item.team_id, who)
                # Overdue notices follow the person's item reminder time (one setting for both).
                hh, mm = ctx.time_for(item.team_id, who, "item_due", NINE)
                key = (item.due_on, tz, hh, mm)
                if key not in cache:
                    cache[key] = self._days(ctx, item.due_on, tz, hh, mm)
                for nominal, due_at in cache[key]:
                    yield Occurrence(item.team_id, self.name, str(item.id), who, f"overdue:{nominal}", due_at)

    def _days(self, ctx: Context, due: date, tz: str, hh: int, mm: int):
        """(nominal day, instant) of each notice in the window; weekend notices move to Monday."""
        first = at_local(due + timedelta(days=1), hh, mm, tz)
        trigger = every(self.EVERY_DAYS, first, tz)
        out = []
        for t in fire_times(trigger, ctx.start - timedelta(days=4), ctx.end):
            nominal = local_date(t, tz)
            instant = at_local(business_day(nominal, forward=True), hh, mm, tz)
            if ctx.start < instant <= ctx.end:
                out.append((nominal, instant))
        return out

    def render(self, ctx: Context, deliveries: list[Delivery]):
        items = _load(ctx, deliveries)
        out = {}
        for d in deliveries:
            item = items.get(int(d.subject))
            if item and item.status == ItemStatus.open:
                out[d.id] = item_reminder(item, d.recipient, ctx.text(d.team_id, d.recipient),
                                          overdue=True)
        return out
