"""Work behind the ack: the inbox of acked requests and the effects they cause (both claimed with leases)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import _ts, utcnow


class Inbound(SQLModel, table=True):
    """A request Slack was told "200" for. Written before the ack; done in the same transaction as
    everything it caused. `dedup_key` (an event id, a trigger id) makes a retried delivery a no-op."""

    __table_args__ = (sa.Index("ix_inbound_ready", "state", "priority", "id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=160, sa_column_kwargs={"unique": True})
    team_id: str = Field(default="", max_length=32)
    kind: str = Field(max_length=16)            # command, action, view, event
    route: str = Field(max_length=120)          # the id it is routed by
    priority: int = 1                           # 0: opens a modal (its trigger lasts 3 s)
    body: str = Field(sa_type=sa.Text)          # the parsed payload, as JSON
    state: str = Field(default="new", max_length=8)      # new, claimed, done, failed
    attempts: int = 0
    lease_token: Optional[str] = Field(default=None, max_length=40)
    lease_until: Optional[datetime] = _ts(default=None, nullable=True)
    received_at: datetime = _ts(default_factory=utcnow)
    done_at: Optional[datetime] = _ts(default=None, nullable=True)
    error: str = Field(default="", max_length=300)


class Effect(SQLModel, table=True):
    """Something a request or a reminder causes outside the database: a post, an update, a DM, a modal.

    `key` is its idempotency key: recording the same key twice is one effect (`dm:item:42`), and a
    coalescing effect (`refresh:minutes:42`) recorded while it is pending or being sent runs once more
    afterwards (`again`), rendering from the newest rows — its lease is the per-subject lock."""

    __table_args__ = (sa.Index("ix_effect_ready", "state", "priority", "next_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    kind: str = Field(max_length=40)
    team_id: str = Field(default="", max_length=32)
    payload: str = Field(default="{}", sa_type=sa.Text)
    priority: int = 1                           # 0: a modal to open before its trigger expires
    state: str = Field(default="pending", max_length=8)  # pending, sending, done, failed
    again: bool = False
    attempts: int = 0
    next_at: datetime = _ts(default_factory=utcnow)
    lease_token: Optional[str] = Field(default=None, max_length=40)
    lease_until: Optional[datetime] = _ts(default=None, nullable=True)
    created_at: datetime = _ts(default_factory=utcnow)
    done_at: Optional[datetime] = _ts(default=None, nullable=True)
    error: str = Field(default="", max_length=300)
