"""A channel's week: the minutes written there, their decisions, the action items from those minutes
(done, opened, overdue) and who still has to sign. Read-only; the weekly digest renders it.

A pure function of (session, team, channel, range): the scheduler calls it inside its own
transaction while rendering, so it takes a session rather than opening one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from ..models import ActionItem, Attendee, Client, Decision, ItemStatus, Minutes, Person, SignOff

SUBJECT = "minutes"
PENDING_DAYS = 28   # minutes still unsigned show up in four digests, then we stop naming them


@dataclass
class MinutesState:
    minutes: Minutes
    signers: list[str]
    waiting: list[str]          # attendees who have not approved the current version

    @property
    def signed(self) -> int:
        return len(self.signers) - len(self.waiting)


@dataclass
class ChannelWeek:
    team_id: str
    channel_id: str
    start: datetime
    end: datetime
    minutes: list[MinutesState] = field(default_factory=list)    # written in [start, end)
    done: list[ActionItem] = field(default_factory=list)          # done in [start, end)
    opened: list[ActionItem] = field(default_factory=list)        # created in [start, end), not cancelled
    overdue: list[ActionItem] = field(default_factory=list)       # open and due before `today`
    unsigned: list[MinutesState] = field(default_factory=list)    # the last PENDING_DAYS, still waiting
    names: dict[str, str] = field(default_factory=dict)           # user id → name, when we know it
    language: str | None = None   # the language of the client whose channel it is, when one is set

    @property
    def active(self) -> bool:
        return bool(self.minutes or self.done or self.opened)


def channel_week(s: Session, team_id: str, channel_id: str, start: datetime, end: datetime,
                 today: date) -> ChannelWeek:
    week = ChannelWeek(team_id, channel_id, start, end)
    of_channel = select(Minutes.id).where(Minutes.team_id == team_id, Minutes.channel_id == channel_id)
    recent = list(s.exec(select(Minutes).where(
        Minutes.team_id == team_id, Minutes.channel_id == channel_id,
        Minutes.created_at >= end - timedelta(days=PENDING_DAYS), Minutes.created_at < end)
        .order_by(Minutes.created_at, Minutes.id)))
    states = _states(s, team_id, recent)
    week.minutes = [states[m.id] for m in recent if m.created_at >= start]
    week.unsigned = [states[m.id] for m in recent if states[m.id].waiting]

    items = select(ActionItem).where(ActionItem.team_id == team_id, ActionItem.minutes_id.in_(of_channel))
    week.done = list(s.exec(items.where(ActionItem.status == ItemStatus.done, ActionItem.done_at >= start,
                                        ActionItem.done_at < end).order_by(ActionItem.done_at, ActionItem.id)))
    week.opened = list(s.exec(items.where(ActionItem.status != ItemStatus.cancelled,
                                          ActionItem.created_at >= start, ActionItem.created_at < end)
                              .order_by(ActionItem.created_at, ActionItem.id)))
    week.overdue = list(s.exec(items.where(ActionItem.status == ItemStatus.open, ActionItem.due_on < today)
                               .order_by(ActionItem.due_on, ActionItem.id)))
    # The post reads in the channel's client's language where it has one (else the workspace's).
    week.language = s.exec(select(Client.language).where(
        Client.team_id == team_id, Client.channel_id == channel_id, Client.language.is_not(None))).first()
    owners = {i.owner_id for i in week.done + week.opened + week.overdue}
    if owners:
        week.names = {p.user_id: p.name for p in s.exec(select(Person).where(
            Person.team_id == team_id, Person.user_id.in_(owners))) if p.name}
    return week


def _states(s: Session, team_id: str, minutes: list[Minutes]) -> dict[int, MinutesState]:
    out = {m.id: MinutesState(m, [], []) for m in minutes}
    if not minutes:
        return out
    ids = list(out)
    for minutes_id, user_id in s.exec(select(Attendee.minutes_id, Attendee.user_id).where(
            Attendee.team_id == team_id, Attendee.minutes_id.in_(ids), Attendee.user_id.is_not(None))
            .order_by(Attendee.id)):
        out[minutes_id].signers.append(user_id)
    approved: dict[int, set[str]] = {i: set() for i in ids}
    hashes = {m.id: m.content_hash for m in minutes}
    for so in s.exec(select(SignOff).where(SignOff.team_id == team_id, SignOff.subject_kind == SUBJECT,
                                           SignOff.subject_id.in_(ids), SignOff.decision == Decision.approve)):
        if so.content_hash == hashes[so.subject_id]:
            approved[so.subject_id].add(so.signer_id)
    for st in out.values():
        st.waiting = [u for u in st.signers if u not in approved[st.minutes.id]]
    return out
