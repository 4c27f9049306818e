"""Tables of the rhythm: deliveries (the exactly-once ledger), workspace settings, call logs, goals."""
from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import _ts, utcnow


class DeliveryStatus(str, Enum):
    pending = "pending"      # claimed as due, not yet sent
    sending = "sending"      # one process is sending it now
    retry = "retry"          # failed; tried again at next_attempt_at
    sent = "sent"
    failed = "failed"        # gave up after MAX_ATTEMPTS
    skipped = "skipped"      # too late (past the grace window), away, or no longer relevant
    unknown = "unknown"      # a process died between sending and recording: never re-sent


class Delivery(SQLModel, table=True):
    """One occurrence of a rule for one recipient. The UNIQUE key is what makes a reminder go out once."""

    __table_args__ = (
        sa.UniqueConstraint("team_id", "rule", "subject", "recipient", "period", name="uq_delivery_occurrence"),
        sa.Index("ix_delivery_due", "status", "next_attempt_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    rule: str = Field(max_length=32)
    subject: str = Field(max_length=64)      # what it is about: an item id, a channel, "-" for none
    recipient: str = Field(max_length=32)    # a user id (DM) or a channel id
    period: str = Field(max_length=48)       # the local period: 2026-11-30, 2026-W48, 2026-Q4, nudge-3
    due_at: datetime = _ts()
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    claimed_at: Optional[datetime] = _ts(default=None)
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    sent_at: Optional[datetime] = _ts(default=None)
    error: str = Field(default="", max_length=500)
    channel: Optional[str] = Field(default=None, max_length=32)
    ts: Optional[str] = Field(default=None, max_length=32)


class SchedulerState(SQLModel, table=True):
    """Where the last tick got to, so the next one knows what it missed."""

    __tablename__ = "scheduler_state"
    key: str = Field(primary_key=True, max_length=32)
    last_tick_at: datetime = _ts()


class Workspace(SQLModel, table=True):
    """Per-workspace settings: the time zone of channel digests, the language of channel posts."""

    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, unique=True)
    tz: str = Field(default="UTC", max_length=64)
    language: Optional[str] = Field(default=None, max_length=8)


class CallLog(SQLModel, table=True):
    """A progress call or site visit with a client."""

    __tablename__ = "call_log"
    __table_args__ = (sa.UniqueConstraint("team_id", "source_view_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    channel_id: Optional[str] = Field(default=None, max_length=32)
    client_id: Optional[int] = Field(default=None, foreign_key="client.id", index=True)
    # The modal a call came from: a repeated submission logs nothing twice.
    source_view_id: Optional[str] = Field(default=None, max_length=64)
    kind: str = Field(default="phone_call", max_length=16,
                      sa_column_kwargs={"server_default": "phone_call"})   # phone_call | site_visit
    who: str = Field(max_length=200)
    minutes: int
    outcome: str = Field(default="", sa_type=sa.Text)
    follow_up_item_id: Optional[int] = Field(default=None, foreign_key="actionitem.id")
    called_on: date
    created_at: datetime = _ts(default_factory=utcnow)


class GoalStatus(str, Enum):
    open = "open"
    done = "done"
    not_done = "not_done"


class Goal(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    period: str = Field(max_length=8)        # 2026-Q4
    text: str = Field(max_length=500)
    status: GoalStatus = Field(default=GoalStatus.open, sa_type=sa.String(16))
    created_at: datetime = _ts(default_factory=utcnow)
    reviewed_at: Optional[datetime] = _ts(default=None)
