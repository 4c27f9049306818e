"""Who can see a post (issue 11): is a channel client-facing, is a person from outside the agency.

A channel is client-facing when Slack says it is shared with another organisation (`is_ext_shared`,
or `is_shared` with a member from outside), when one of our client contacts is a member, or when the
client record says its people are in it; otherwise internal. When in doubt (Slack can't be asked), a
channel counts as client-facing: showing the team too little is a nuisance, showing a client too much
is a breach. The answer is kept in the database for ten minutes, for every process, and dropped when
Slack says the channel was shared, unshared or its members changed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from ..db import Database
from ..models import ChannelAudience, Client, ClientContact, Person, utcnow

TTL = timedelta(minutes=10)


@dataclass(frozen=True)
class ChannelFacts:
    """What Slack said about a channel (conversations.info, and its members when it is shared)."""

    known: bool = True                 # False: Slack could not be asked (then: client-facing)
    is_ext_shared: bool = False
    is_shared: bool = False
    members: tuple[str, ...] = ()
    external_members: tuple[str, ...] = field(default=())


def is_external(user: dict, our_team: str) -> bool:
    """A users.info user from outside the agency: another organisation's Slack Connect member, or a
    guest of ours (single- or multi-channel)."""
    if user.get("is_stranger") or user.get("is_restricted") or user.get("is_ultra_restricted"):
        return True
    home = user.get("team_id") or (user.get("profile") or {}).get("team")
    return bool(home and our_team and home != our_team)


def cached(db: Database, team_id: str, channel_id: str) -> bool | None:
    with db.transaction() as s:
        row = s.exec(select(ChannelAudience).where(ChannelAudience.team_id == team_id,
                                                   ChannelAudience.channel_id == channel_id)).first()
        if row is None or utcnow() - row.checked_at > TTL:
            return None
        return row.client_facing


def decide(db: Database, team_id: str, channel_id: str, facts: ChannelFacts) -> tuple[bool, str]:
    """Client-facing or not, and why; kept for the next ten minutes."""
    with db.transaction() as s:
        flagged = s.exec(select(Client.id).where(Client.team_id == team_id, Client.channel_id == channel_id,
                                                 Client.channel_client_facing.is_(True))).first()
        contacts = set(s.exec(select(ClientContact.user_id).where(ClientContact.team_id == team_id)))
        outsiders = set(s.exec(select(Person.user_id).where(Person.team_id == team_id,
                                                            Person.external.is_(True))))
    members = set(facts.members)
    if not facts.known:
        verdict = (True, "unknown")
    elif facts.is_ext_shared:
        verdict = (True, "shared_externally")
    elif facts.is_shared and (facts.external_members or members & outsiders):
        verdict = (True, "shared_with_outsiders")
    elif members & contacts:
        verdict = (True, "client_contact_member")
    elif flagged is not None:
        verdict = (True, "client_record")
    else:
        verdict = (False, "internal")
    if facts.known:
        remember(db, team_id, channel_id, *verdict)
    return verdict


def remember(db: Database, team_id: str, channel_id: str, client_facing: bool, reason: str) -> None:
    for attempt in (1, 2):
        try:
            with db.transaction() as s:
                row = s.exec(select(ChannelAudience).where(ChannelAudience.team_id == team_id,
                                                           ChannelAudience.channel_id == channel_id)).first()
                row = row or ChannelAudience(team_id=team_id, channel_id=channel_id, client_facing=client_facing)
                row.client_facing, row.reason, row.checked_at = client_facing, reason, utcnow()
                s.add(row)
            return
        except IntegrityError:   # another process worked it out at the same moment: take ours again
            if attempt == 2:
                raise


def forget(db: Database, team_id: str, channel_id: str) -> None:
    with db.transaction() as s:
        row = s.exec(select(ChannelAudience).where(ChannelAudience.team_id == team_id,
                                                   ChannelAudience.channel_id == channel_id)).first()
        if row is not None:
            s.delete(row)


def mark_external(db: Database, team_id: str, user_id: str, external: bool) -> None:
    with db.transaction() as s:
        p = s.exec(select(Person).where(Person.team_id == team_id, Person.user_id == user_id)).first()
        if p is not None and p.external != external:
            p.external = external
            s.add(p)
    _outsiders.pop((team_id, user_id), None)


_OUTSIDER_TTL = 60.0
_outsiders: dict[tuple[str, str], tuple[bool, float]] = {}


def cached_outsider(team_id: str, user_id: str) -> bool | None:
    """Whether this process knows the person is from outside (None: it doesn't know yet)."""
    hit = _outsiders.get((team_id, user_id))
    return hit[0] if hit and time.monotonic() - hit[1] < _OUTSIDER_TTL else None


def is_outsider(db: Database, team_id: str, user_id: str) -> bool | None:
    """From outside the agency, as users.info told us (learned with the person's profile); kept a
    minute in this process, like zones, so a colleague's every click costs no query."""
    hit = _outsiders.get((team_id, user_id))
    if hit and time.monotonic() - hit[1] < _OUTSIDER_TTL:
        return hit[0]
    with db.transaction() as s:
        p = s.exec(select(Person).where(Person.team_id == team_id, Person.user_id == user_id)).first()
        if p is None:
            return None   # never seen: look them up first
        found = bool(p.external)
    _outsiders[(team_id, user_id)] = (found, time.monotonic())
    return found
