"""Who can see a channel: client-facing or internal, as last worked out (issue 11)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import _ts, utcnow


class ChannelAudience(SQLModel, table=True):
    """Shared by every process (a cache in the database): dropped when Slack says the channel was
    shared, unshared or its members changed, and worked out again after ten minutes anyway."""

    __tablename__ = "channel_audience"
    __table_args__ = (sa.UniqueConstraint("team_id", "channel_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    channel_id: str = Field(max_length=32)
    client_facing: bool
    reason: str = Field(default="", max_length=40)
    checked_at: datetime = _ts(default_factory=utcnow)
