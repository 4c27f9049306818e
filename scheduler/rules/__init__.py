"""Occurrence rules. Each yields (rule, subject, recipient, local period, due instant) and renders its
message; the engine (scheduler/engine.py) claims, sends and records. Adding a rule is adding a module
here and one line in RULES."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Protocol

from sqlmodel import Session, select

from bot.i18n import Text, choose, language_of, text_for
from bot.models import Delivery, Person, Workspace

from ..clock import hhmm


@dataclass(frozen=True)
class Occurrence:
    team_id: str
    rule: str
    subject: str
    recipient: str
    period: str
    due_at: datetime


@dataclass
class Context:
    """What rules need during one tick: the session, the window, and cached people and workspaces."""

    s: Session
    start: datetime
    end: datetime
    _people: dict = field(default_factory=dict)
    _loaded: set = field(default_factory=set)
    _zones: dict = field(default_factory=dict)
    _languages: dict = field(default_factory=dict)
    _asked: set = field(default_factory=set)
    _rendering: bool = False

    def person(self, team_id: str, user_id: str) -> Person | None:
        key = (team_id, user_id)
        if key in self._people or team_id in self._loaded or key in self._asked:
            return self._people.get(key)
        if self._rendering:
            # Rendering a batch: its recipients were read in one query (preload); anyone else it
            # names is read alone, not the whole workspace for every batch of fifty.
            self._asked.add(key)
            p = self.s.exec(select(Person).where(Person.team_id == team_id, Person.user_id == user_id)).first()
            if p is not None:
                self._people[key] = p
            return p
        # Finding occurrences walks everyone: one query per workspace and tick, not one per reminder.
        for p in self.s.exec(select(Person).where(Person.team_id == team_id)):
            self._people[(p.team_id, p.user_id)] = p
        self._loaded.add(team_id)
        return self._people.get(key)

    def preload(self, deliveries) -> None:
        """Before rendering a batch: its recipients, one query per workspace."""
        self._rendering = True
        wanted: dict[str, set[str]] = {}
        for d in deliveries:
            if (d.team_id, d.recipient) not in self._people and d.team_id not in self._loaded:
                wanted.setdefault(d.team_id, set()).add(d.recipient)
        for team_id, users in wanted.items():
            for p in self.s.exec(select(Person).where(Person.team_id == team_id, Person.user_id.in_(users))):
                self._people[(p.team_id, p.user_id)] = p
            self._asked.update((team_id, u) for u in users)

    def workspace_tz(self, team_id: str) -> str:
        if team_id not in self._zones:
            w = self.s.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
            self._zones[team_id] = w.tz if w else "UTC"
        return self._zones[team_id]

    def tz(self, team_id: str, user_id: str) -> str:
        """A person's zone; the workspace's until Slack has told us theirs."""
        p = self.person(team_id, user_id)
        return p.time_zone if p and (p.tz or p.tz_override) else self.workspace_tz(team_id)

    def text(self, team_id: str, user_id: str) -> Text:
        """What a person reads a reminder in: their chosen language, else their Slack locale's."""
        p = self.person(team_id, user_id)
        return text_for(choose(p.language, language_of(p.locale)) if p else self.workspace_language(team_id))

    def workspace_language(self, team_id: str) -> str:
        if team_id not in self._languages:
            w = self.s.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
            self._languages[team_id] = choose(w.language if w else None)
        return self._languages[team_id]

    def channel_text(self, team_id: str, client_language: str | None = None) -> Text:
        """What a channel post reads in: its client's language where set, else the workspace's."""
        return text_for(choose(client_language) if client_language else self.workspace_language(team_id))

    def time_for(self, team_id: str, user_id: str, rule: str, default: tuple[int, int]) -> tuple[int, int]:
        import json

        p = self.person(team_id, user_id)
        if not p or not p.reminder_times or p.reminder_times == "{}":
            return default
        return hhmm(json.loads(p.reminder_times).get(rule, ""), default)


class Rule(Protocol):
    name: str
    to_person: bool   # the recipient is a person: their away days and opt-outs apply

    def occurrences(self, ctx: Context) -> Iterable[Occurrence]: ...

    def render(self, ctx: Context, deliveries: list[Delivery]) -> dict[int, dict | None]:
        """delivery id → chat.postMessage arguments, or None when it is no longer relevant."""


def all_rules() -> list[Rule]:
    from . import calls, digest, goals, items, planning, report, signoff
    from . import collection

    return [items.ItemDue(), items.ItemOverdue(), goals.QuarterlyReview(), goals.YearlyReview(), report.WeeklyReport(),
            signoff.SignoffNudge(), digest.WeeklyDigest(), calls.DailyCall(), planning.WeeklyPlanning(),
            collection.InvoiceCollection()]
