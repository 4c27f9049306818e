"""Action items: give one to someone, mark it done, list what is open."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from ..db import Database
from ..daywords import looks_like_day, parse_day
from ..errors import InvalidInput, NotAllowed, NotFound, Problem, User
from ..models import ActionItem, ItemStatus, Minutes, utcnow
from . import audit
from .minutes import ITEM_TEXT_MAX

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$", re.S)


def _split_last(text: str) -> tuple[str, str]:
    """("what comes before", "the last word") of text, in linear time."""
    text = text.rstrip()
    cut = max(text.rfind(c) for c in " \t\n\r\f\v\u00a0\u3000")
    return (text[:cut], text[cut + 1:]) if cut >= 0 else ("", text)


@dataclass
class QuickTask:
    owner_id: str
    text: str
    due_on: date | None


def parse_quick(text: str, today: date) -> QuickTask:
    """Parse `@person what to do [by DATE]` (an ISO date, or a day word in any of our languages)."""
    m = _MENTION.match(text.strip())
    if not m:
        raise InvalidInput.one("text", "task_no_owner")
    owner, rest = m.group(1), m.group(2).strip()
    due = None
    # The trailing "by X", found by splitting rather than a regex anchored at the end, whose
    # backtracking grows with the square of a run of spaces.
    head, word = _split_last(rest)
    before, by_word = _split_last(head)
    if by_word.lower() == "by" and word and looks_like_day(word):
        due = parse_day(word, today)
        if due is None:
            raise InvalidInput.one("due", "task_bad_date", word=word[:40])
        rest = before.strip()
    if not rest:
        raise InvalidInput.one("text", "task_no_text")
    return QuickTask(owner, rest, due)


def create(db: Database, team_id: str, creator_id: str, owner_id: str | None, text: str,
           due_on: date | None, today: date) -> ActionItem:
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["item_0_text"] = Problem("task_no_text")
    elif len(text) > ITEM_TEXT_MAX:
        errors["item_0_text"] = Problem("task_text_too_long", {"limit": ITEM_TEXT_MAX})
    if not owner_id:
        errors["item_0_owner"] = Problem("task_owner_required")
    if due_on and due_on < today:
        errors["item_0_due"] = Problem("due_in_past", {"date": due_on})
    if errors:
        raise InvalidInput(errors)
    with db.transaction() as s:
        item = ActionItem(team_id=team_id, text=text, owner_id=owner_id, due_on=due_on, creator_id=creator_id)
        s.add(item)
        s.flush()
        audit.record(s, team_id, creator_id, "item.created", "action_item", item.id, owner=owner_id)
        return item


def complete(db: Database, team_id: str, user_id: str, item_id: int) -> tuple[ActionItem, bool]:
    """Mark done; the owner, the creator or the minutes' author may. A second click changes nothing."""
    with db.transaction() as s:
        item = s.exec(select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.id == item_id)
                      .with_for_update()).first()
        if item is None or item.status == ItemStatus.cancelled:
            raise NotFound("item_gone")
        allowed = {item.owner_id, item.creator_id}
        if item.minutes_id:
            allowed.add(s.get(Minutes, item.minutes_id).author_id)
        if user_id not in allowed:
            raise NotAllowed("item_not_yours", owner=User(item.owner_id), creator=User(item.creator_id))
        if item.status == ItemStatus.done:
            return item, False
        item.status, item.done_at, item.done_by = ItemStatus.done, utcnow(), user_id
        s.add(item)
        audit.record(s, team_id, user_id, "item.done", "action_item", item.id, minutes_id=item.minutes_id)
        return item, True


def get(db: Database, team_id: str, item_id: int) -> ActionItem:
    with db.transaction() as s:
        item = s.exec(select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.id == item_id)).first()
        if item is None:
            raise NotFound("item_gone")
        return item


def open_for(db: Database, team_id: str, owner_id: str, limit: int = 200) -> list[ActionItem]:
    """Open items of one person, nearest due first (undated last)."""
    with db.transaction() as s:
        q = (select(ActionItem)
             .where(ActionItem.team_id == team_id, ActionItem.owner_id == owner_id,
                    ActionItem.status == ItemStatus.open)
             .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
             .limit(limit))
        return list(s.exec(q))


def set_dm(db: Database, team_id: str, item_id: int, channel: str, ts: str) -> None:
    with db.transaction() as s:
        item = s.exec(select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.id == item_id)).one()
        item.dm_channel, item.dm_ts = channel, ts
        s.add(item)
