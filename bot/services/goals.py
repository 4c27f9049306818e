"""Goals: a person's goals for a quarter, set with /goals and marked done / not done at the review."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ..periods import quarter

from ..db import Database
from ..errors import InvalidInput, NotAllowed, NotFound, User
from ..models import Goal, GoalStatus, utcnow
from . import audit, people

MAX_GOALS = 10
GOAL_MAX = 300
_PERIOD = re.compile(r"^\d{4}-Q[1-4]$")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")   # "- ", "• ", "1. " pasted from a document


@dataclass
class Saved:
    period: str
    goals: list[Goal]
    added: int
    removed: int


def this_quarter(db: Database, team_id: str, user_id: str, now: datetime | None = None) -> str:
    """The quarter it is where the person is, e.g. `2026-Q4`."""
    return quarter(people.today_for(db, team_id, user_id, now))


def parse_lines(text: str) -> list[str]:
    """One goal per line; blank lines, bullets and repeats dropped; InvalidInput keyed "goals"."""
    lines = []
    for raw in (text or "").splitlines():
        line = _BULLET.sub("", raw).strip()
        if line and line not in lines:
            lines.append(line)
    if len(lines) > MAX_GOALS:
        raise InvalidInput.one("goals", "goals_too_many", max=MAX_GOALS, count=len(lines))
    long = [i + 1 for i, line in enumerate(lines) if len(line) > GOAL_MAX]
    if long:
        raise InvalidInput.one("goals", "goal_too_long", line=long[0], limit=GOAL_MAX)
    return lines


def _of(s: Session, team_id: str, user_id: str, period: str) -> list[Goal]:
    return list(s.exec(select(Goal).where(Goal.team_id == team_id, Goal.user_id == user_id, Goal.period == period)
                       .order_by(Goal.id)))


def for_period(db: Database, team_id: str, user_id: str, period: str) -> list[Goal]:
    with db.transaction() as s:
        return _of(s, team_id, user_id, period)


def for_year(db: Database, team_id: str, user_id: str, year: int) -> list[Goal]:
    with db.transaction() as s:
        return list(s.exec(select(Goal).where(Goal.team_id == team_id, Goal.user_id == user_id,
                                              Goal.period.like(f"{year}-Q%")).order_by(Goal.period, Goal.id)))


def set_goals(db: Database, team_id: str, user_id: str, period: str, text: str) -> Saved:
    """Replace the person's open goals for the quarter with the given lines.

    A line that is already a goal keeps that goal (and its id, so review buttons stay valid); goals
    already marked done or not done are kept as history and never duplicated as open ones.
    """
    if not _PERIOD.match(period or ""):
        raise InvalidInput.one("goals", "goals_form_stale")
    lines = parse_lines(text)
    with db.transaction() as s:
        current = _of(s, team_id, user_id, period)
        known = {g.text for g in current}
        removed = [g for g in current if g.status == GoalStatus.open and g.text not in lines]
        for g in removed:
            s.delete(g)
        new = [Goal(team_id=team_id, user_id=user_id, period=period, text=line) for line in lines if line not in known]
        s.add_all(new)
        s.flush()
        if new or removed:
            audit.record(s, team_id, user_id, "goals.set", "goals", None, period=period,
                         added=[g.text for g in new], removed=[g.text for g in removed])
        return Saved(period, _of(s, team_id, user_id, period), len(new), len(removed))


def mark(db: Database, team_id: str, user_id: str, goal_id: int, done: bool) -> tuple[Goal, bool]:
    """Mark a goal done or not done; only its owner may. The same click twice changes nothing."""
    status = GoalStatus.done if done else GoalStatus.not_done
    with db.transaction() as s:
        goal = s.exec(select(Goal).where(Goal.team_id == team_id, Goal.id == goal_id).with_for_update()).first()
        if goal is None:
            raise NotFound("goal_gone")
        if goal.user_id != user_id:
            raise NotAllowed("goal_not_yours", owner=User(goal.user_id))
        if goal.status == status:
            return goal, False
        before = goal.status
        goal.status, goal.reviewed_at = status, utcnow()
        s.add(goal)
        audit.record(s, team_id, user_id, f"goal.{status.value}", "goal", goal.id, period=goal.period,
                     before=before.value if isinstance(before, GoalStatus) else before)
        return goal, True
