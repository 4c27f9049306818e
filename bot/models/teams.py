"""Teams people and conversations, mapped onto our workspace and person keys.

A tenant is a workspace keyed "MT…", a Teams user a person keyed "MU…" (hashes of the tenant and the
user's AAD object id): they fit our 32-character keys and cannot meet a Slack id (T…, U…, W…).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import _ts, utcnow


class TeamsAccount(SQLModel, table=True):
    __tablename__ = "teams_account"
    __table_args__ = (sa.UniqueConstraint("team_id", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    tenant_id: str = Field(max_length=64)
    teams_id: str = Field(max_length=200)             # "29:…", what the connector addresses
    aad_object_id: Optional[str] = Field(default=None, max_length=64)
    name: str = Field(default="", max_length=200)
    seen_at: datetime = _ts(default_factory=utcnow)


class TeamsConversation(SQLModel, table=True):
    """A conversation reference: where and how to reach a chat or channel the bot is in."""

    __tablename__ = "teams_conversation"
    __table_args__ = (sa.UniqueConstraint("team_id", "conversation_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    conversation_id: str = Field(max_length=300)
    service_url: str = Field(max_length=300)
    tenant_id: str = Field(max_length=64)
    kind: str = Field(default="personal", max_length=16)       # personal | groupChat | channel
    user_id: Optional[str] = Field(default=None, max_length=32)  # the person of a personal chat
    bot_id: str = Field(default="", max_length=200)
    installed_at: datetime = _ts(default_factory=utcnow)
    retired_at: Optional[datetime] = _ts(default=None)
