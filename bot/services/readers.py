"""Who reads which language (issue 9).

A person reads what is sent to them (a DM, an ephemeral reply, a modal, App Home, a reminder) in the
language they chose in /ae settings, else their Slack locale's. A channel post is in its client's
language where the channel belongs to a client set up with one, else the workspace's, else English.

Cached in this process for a minute, like zones: a changed choice shows within a minute everywhere,
at once in the process that saved it.
"""
from __future__ import annotations

import time

from sqlmodel import select

from ..db import Database
from ..i18n import choose, language_of
from ..models import Client, Person, Workspace

TTL = 60.0
_cache: dict[tuple, tuple[str, float]] = {}


def _cached(key: tuple) -> str | None:
    hit = _cache.get(key)
    return hit[0] if hit and time.monotonic() - hit[1] < TTL else None


def _keep(key: tuple, lang: str) -> str:
    _cache[key] = (lang, time.monotonic())
    return lang


def forget(*key) -> None:
    _cache.pop(key, None)


def cached_person_language(team_id: str, user_id: str) -> str | None:
    """The person's language if this process knows it (a dict lookup: no thread, no query)."""
    return _cached(("person", team_id, user_id))


def person_language(db: Database, team_id: str, user_id: str) -> str | None:
    """The person's language; None while we don't know them (users.info not read yet)."""
    key = ("person", team_id, user_id)
    if (hit := _cached(key)) is not None:
        return hit
    with db.transaction() as s:
        p = s.exec(select(Person).where(Person.team_id == team_id, Person.user_id == user_id)).first()
        if p is None:   # not known yet: looked up again once learn_person has run
            return None
        lang = choose(p.language, language_of(p.locale))
    return _keep(key, lang)


def workspace_language(db: Database, team_id: str) -> str:
    key = ("workspace", team_id)
    if (hit := _cached(key)) is not None:
        return hit
    with db.transaction() as s:
        ws = s.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
        lang = choose(ws.language if ws else None)
    return _keep(key, lang)


def channel_language(db: Database, team_id: str, channel_id: str | None) -> str:
    """The language of a post in this channel: its client's, else the workspace's."""
    key = ("channel", team_id, channel_id)
    if (hit := _cached(key)) is not None:
        return hit
    with db.transaction() as s:
        client = None
        if channel_id:
            client = s.exec(select(Client).where(Client.team_id == team_id, Client.channel_id == channel_id,
                                                 Client.language.is_not(None))).first()
        lang = client.language if client else None
    return _keep(key, choose(lang) if lang else workspace_language(db, team_id))


def client_language(db: Database, team_id: str, client: Client) -> str:
    return choose(client.language) if client.language else workspace_language(db, team_id)


def forget_all() -> None:
    """After a workspace or client language changes: every channel may follow it."""
    _cache.clear()


def person_name(db: Database, team_id: str, user_id: str) -> str | None:
    """The name a notification text shows for a person (texts show no mentions), when we know it."""
    with db.transaction() as s:
        p = s.exec(select(Person).where(Person.team_id == team_id, Person.user_id == user_id)).first()
        return (p.name or None) if p else None
