"""Helpers for scheduler tests: a database, the fake Slack, and tick(now) at explicit instants."""
from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timezone

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.db import Database
from bot.models import ActionItem, Delivery, Person
from scheduler.engine import tick
from scheduler.sender import SlackSender

TEAM = "T0ACME"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


class Rhythm:
    def __init__(self, db_url: str, slack):
        self.db = Database(db_url)
        self.db.upgrade()
        self.slack = slack

    def tick(self, now: datetime, rules=None):
        client = AsyncWebClient(token="xoxb-test-token-123", base_url=self.slack.api_url)
        return asyncio.run(tick(self.db, SlackSender(client), now, rules))

    def person(self, user_id: str, tz: str, **prefs) -> None:
        with self.db.transaction() as s:
            p = Person(team_id=TEAM, user_id=user_id, tz=tz, refreshed_at=utc(2026, 11, 1))
            for k, v in prefs.items():
                setattr(p, k, json.dumps(v) if k == "reminder_times" else v)
            s.add(p)

    def item(self, owner: str, due: date, creator: str | None = None, text: str = "Send the brief",
             team: str = TEAM) -> int:
        with self.db.transaction() as s:
            item = ActionItem(team_id=team, text=text, owner_id=owner, due_on=due, creator_id=creator or owner)
            s.add(item)
            s.flush()
            return item.id

    def deliveries(self, **where) -> list[Delivery]:
        with self.db.transaction() as s:
            q = select(Delivery).order_by(Delivery.id)
            for k, v in where.items():
                q = q.where(getattr(Delivery, k) == v)
            return list(s.exec(q))

    def dms(self, user: str | None = None) -> list:
        return [c for c in self.slack.calls_to("chat.postMessage")
                if user is None or c.params["channel"] == user]
