"""The core tables: people, minutes, action items, sign-offs, the audit log.

Every row carries its workspace (`team_id`); every query filters on it.

Times are UTC and timezone-aware (`UTCDateTime`), dates are plain calendar dates.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import _ts, utcnow


class MeetingKind(str, Enum):
    client_meeting = "client_meeting"
    internal_meeting = "internal_meeting"
    phone_call = "phone_call"
    site_visit = "site_visit"
    proposal = "proposal"


class ItemStatus(str, Enum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class Decision(str, Enum):
    approve = "approve"
    changes_requested = "changes_requested"


class Person(SQLModel, table=True):
    """A Slack user as we know them: name, time zone and locale cached from users.info."""

    __table_args__ = (sa.UniqueConstraint("team_id", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    name: str = Field(default="", max_length=200)
    tz: Optional[str] = Field(default=None, max_length=64)
    locale: Optional[str] = Field(default=None, max_length=32)
    language: Optional[str] = Field(default=None, max_length=8)   # chosen in /ae settings; else from locale
    # From outside the agency (a Slack Connect member of another organisation, or a guest): users.info.
    external: Optional[bool] = None
    tz_override: Optional[str] = Field(default=None, max_length=64)
    refreshed_at: Optional[datetime] = _ts(default=None)
    # Reminder preferences (/ae settings, /ae away): rules opted out of, "HH:MM" per rule, a holiday.
    opt_out: Optional[str] = Field(default=None, max_length=500)   # comma-separated rule names
    reminder_times: str = Field(default="{}", max_length=1000,
                                sa_column_kwargs={"server_default": "{}"})  # JSON {rule: "HH:MM"}
    away_from: Optional[date] = None
    away_until: Optional[date] = None
    weekly_planning: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})

    @property
    def time_zone(self) -> str:
        return self.tz_override or self.tz or "UTC"

    @property
    def opted_out(self) -> set[str]:
        return {r for r in (self.opt_out or "").split(",") if r}

    def away_on(self, day: date) -> bool:
        return bool(self.away_from and self.away_until and self.away_from <= day <= self.away_until)


class Minutes(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("team_id", "source_view_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    kind: MeetingKind = Field(sa_type=sa.String(32))
    title: str = Field(max_length=200)
    held_on: date
    place: str = Field(default="", max_length=200)
    channel_id: str = Field(max_length=32)
    notes: str = Field(default="", sa_type=sa.Text)
    decisions: str = Field(default="", sa_type=sa.Text)
    author_id: str = Field(max_length=32)
    version: int = 1
    content_hash: str = Field(max_length=64)
    message_channel: Optional[str] = Field(default=None, max_length=32)
    message_ts: Optional[str] = Field(default=None, max_length=32)
    permalink: Optional[str] = Field(default=None, max_length=500)
    # The modal a set of minutes came from: a repeated submission of one view writes nothing twice.
    source_view_id: Optional[str] = Field(default=None, max_length=64)
    created_at: datetime = _ts(default_factory=utcnow)
    updated_at: datetime = _ts(default_factory=utcnow)


class MinutesVersion(SQLModel, table=True):
    """What each version said, so an old sign-off can be read against what was signed."""

    __table_args__ = (sa.UniqueConstraint("minutes_id", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    version: int
    content_hash: str = Field(max_length=64)
    snapshot: str = Field(sa_type=sa.Text)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)


class Attendee(SQLModel, table=True):
    """A Slack user (who may sign) or a free-text external name (who may not)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    minutes_id: int = Field(foreign_key="minutes.id", index=True)
    user_id: Optional[str] = Field(default=None, max_length=32)
    external_name: Optional[str] = Field(default=None, max_length=200)


class ActionItem(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    text: str = Field(max_length=2000)
    owner_id: str = Field(max_length=32, index=True)
    due_on: Optional[date] = None
    status: ItemStatus = Field(default=ItemStatus.open, sa_type=sa.String(16))
    minutes_id: Optional[int] = Field(default=None, foreign_key="minutes.id", index=True)
    creator_id: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)
    done_at: Optional[datetime] = _ts(default=None)
    done_by: Optional[str] = Field(default=None, max_length=32)
    dm_channel: Optional[str] = Field(default=None, max_length=32)
    dm_ts: Optional[str] = Field(default=None, max_length=32)


class SignOff(SQLModel, table=True):
    """One person's decision on one version (content hash) of a thing."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "subject_kind", "subject_id", "content_hash", "signer_id", "decision"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    subject_kind: str = Field(max_length=32)
    subject_id: int = Field(index=True)
    version: int
    content_hash: str = Field(max_length=64)
    signer_id: str = Field(max_length=32)
    role: str = Field(default="attendee", max_length=32)
    decision: Decision = Field(sa_type=sa.String(32))
    comment: str = Field(default="", sa_type=sa.Text)
    signed_at: datetime = _ts(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only (database triggers refuse UPDATE and DELETE): who did what, when."""

    __tablename__ = "audit_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    at: datetime = _ts(default_factory=utcnow)
    actor_id: str = Field(max_length=32)
    action: str = Field(max_length=64)
    subject_kind: str = Field(max_length=32)
    subject_id: Optional[int] = None
    detail: str = Field(default="{}", sa_type=sa.Text)
