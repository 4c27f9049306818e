"""People: the Slack users we know, with time zone and locale cached from users.info."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..db import Database
from ..models import Person, utcnow
from . import readers

REFRESH_AFTER = timedelta(days=1)


def get(s: Session, team_id: str, user_id: str) -> Person | None:
    return s.exec(select(Person).where(Person.team_id == team_id, Person.user_id == user_id)).first()


def needs_refresh(db: Database, team_id: str, user_id: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    with db.transaction() as s:
        p = get(s, team_id, user_id)
        return p is None or p.refreshed_at is None or now - p.refreshed_at > REFRESH_AFTER


def known(db: Database, team_id: str, user_id: str) -> bool:
    with db.transaction() as s:
        return get(s, team_id, user_id) is not None


def remember(db: Database, team_id: str, user_id: str, *, name: str = "", tz: str | None = None,
             locale: str | None = None) -> Person:
    """Store what users.info said about a person (the cache refreshed daily)."""
    for attempt in (1, 2):
        try:
            with db.transaction() as s:
                p = get(s, team_id, user_id) or Person(team_id=team_id, user_id=user_id)
                p.name = (name or p.name or "")[:200]
                p.tz = tz if tz and valid_zone(tz) else p.tz
                p.locale = locale or p.locale
                p.refreshed_at = utcnow()
                s.add(p)
            break
        except IntegrityError:
            # Two requests learned about the same new person at once; the other one inserted the row.
            if attempt == 2:
                raise
    forget(team_id, user_id)
    readers.forget("person", team_id, user_id)
    return p


def stale(db: Database, limit: int, now: datetime | None = None) -> list[tuple[str, str]]:
    """People whose cached Slack profile is older than a day (or was never read)."""
    cutoff = (now or utcnow()) - REFRESH_AFTER
    with db.transaction() as s:
        q = (select(Person.team_id, Person.user_id)
             .where((Person.refreshed_at.is_(None)) | (Person.refreshed_at < cutoff))
             .order_by(Person.refreshed_at).limit(limit))
        return [tuple(r) for r in s.exec(q)]


# Zones cached in this process, so that checking "is this due date in the past?" before acking a
# modal needs no database round trip. Changes made here update it; other processes (the front, other
# workers) see them when their entry expires: a minute of a stale zone moves no date check by a day
# except around midnight, and the work re-checks against the database.
ZONE_TTL = 60.0
_zones: dict[tuple[str, str], tuple[str, float]] = {}


def cached_zone(team_id: str, user_id: str) -> str | None:
    hit = _zones.get((team_id, user_id))
    return hit[0] if hit and time.monotonic() - hit[1] < ZONE_TTL else None


def zone_of(db: Database, team_id: str, user_id: str) -> str:
    """The person's zone (UTC when we do not know it yet), cached."""
    with db.transaction() as s:
        p = get(s, team_id, user_id)
        zone = p.time_zone if p else "UTC"
    if p is not None:   # someone we don't know yet is looked up again (learn_person is on its way)
        _zones[(team_id, user_id)] = (zone, time.monotonic())
    return zone


def forget(team_id: str, user_id: str) -> None:
    _zones.pop((team_id, user_id), None)


def today_in(zone: str, now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(zone)).date()


def today_for(db: Database, team_id: str, user_id: str, now: datetime | None = None) -> date:
    """The calendar date where the person is (UTC when we do not know their zone yet)."""
    return today_in(cached_zone(team_id, user_id) or zone_of(db, team_id, user_id), now)


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except (ZoneInfoNotFoundError, ValueError):
        return False
