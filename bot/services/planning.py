"""Weekly planning: what a person has on their plate for the coming week."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from ..models import ActionItem, ItemStatus, Minutes
from .calls import waiting_for_sign_off

LIMIT = 100   # per list; the message cuts long lists further with "…and N more"


@dataclass
class WeekPlan:
    monday: date
    due: list[ActionItem]                        # mine, due Monday..Sunday, by day
    overdue: list[ActionItem]                    # mine, due before Monday, still open
    unsigned: list[tuple[Minutes, int, int]]     # minutes I wrote: (minutes, signed, needed)

    @property
    def empty(self) -> bool:
        return not (self.due or self.overdue or self.unsigned)


def week_plan(s: Session, team_id: str, user_id: str, monday: date) -> WeekPlan:
    mine = select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.owner_id == user_id,
                                    ActionItem.status == ItemStatus.open)
    due = s.exec(mine.where(ActionItem.due_on >= monday, ActionItem.due_on <= monday + timedelta(days=6))
                 .order_by(ActionItem.due_on, ActionItem.id).limit(LIMIT))
    overdue = s.exec(mine.where(ActionItem.due_on < monday).order_by(ActionItem.due_on, ActionItem.id).limit(LIMIT))
    return WeekPlan(monday, list(due), list(overdue), waiting_for_sign_off(s, team_id, author_id=user_id, limit=LIMIT))
