"""The money side: clients, work orders (with their finance job numbers), invoices, roles."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Optional

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import Money, _ts, utcnow


class Tier(str, Enum):
    A = "A"   # key account
    B = "B"   # secondary
    C = "C"   # mid-size


# The progress-call cadence a tier starts with (changeable per client).
TIER_CALL_DAYS = {Tier.A: "mon,tue,wed,thu,fri", Tier.B: "mon,thu", Tier.C: "mon"}


class Client(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("team_id", "name_key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)          # lower-cased name: "Acme" and "ACME" are one client
    tier: Tier = Field(default=Tier.B, sa_type=sa.String(1))
    ae_id: str = Field(max_length=32)
    channel_id: Optional[str] = Field(default=None, max_length=32)
    report_day: str = Field(default="mon", max_length=3)
    report_time: str = Field(default="12:00", max_length=5)
    call_days: str = Field(default="mon,thu", max_length=40)
    payment_terms_days: int = 45
    language: Optional[str] = Field(default=None, max_length=8)   # what its channel posts are written in
    # Who sees its channel: the AE may say the client's people are in it (Slack doesn't always know),
    # and name an internal channel for what only the team may see (issue 11).
    channel_client_facing: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    internal_channel_id: Optional[str] = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)


class ClientContact(SQLModel, table=True):
    """A person at the client (often a Slack Connect guest) who confirms deliverables."""

    __tablename__ = "client_contact"
    __table_args__ = (sa.UniqueConstraint("client_id", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    user_id: str = Field(max_length=32)


class WorkOrderKind(str, Enum):
    creative = "creative"
    research = "research"
    media_placement = "media_placement"
    press_release = "press_release"


class WorkOrderStatus(str, Enum):
    open = "open"
    delivered = "delivered"
    closed = "closed"
    invoiced = "invoiced"


class WorkOrder(SQLModel, table=True):
    __tablename__ = "work_order"
    __table_args__ = (sa.UniqueConstraint("team_id", "number"), sa.UniqueConstraint("team_id", "year", "seq"),
                      sa.UniqueConstraint("team_id", "source_view_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    number: str = Field(max_length=16)             # WO-2026-0001: the finance job number
    year: int
    seq: int
    kind: WorkOrderKind = Field(sa_type=sa.String(24))
    title: str = Field(max_length=200)
    brief: str = Field(default="", sa_type=sa.Text)
    estimated_cost: Decimal = Field(sa_type=Money)
    currency: str = Field(max_length=3)
    vendor: str = Field(default="", max_length=200)
    due_on: Optional[date] = None
    status: WorkOrderStatus = Field(default=WorkOrderStatus.open, sa_type=sa.String(16))
    actual_cost: Optional[Decimal] = Field(default=None, sa_type=Money)
    deliverable: str = Field(default="", sa_type=sa.Text)   # what was delivered: the signed thing
    version: int = 1
    content_hash: str = Field(default="", max_length=64)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)
    delivered_at: Optional[datetime] = _ts(default=None)
    closed_at: Optional[datetime] = _ts(default=None)
    closed_by: Optional[str] = Field(default=None, max_length=32)
    message_channel: Optional[str] = Field(default=None, max_length=32)
    message_ts: Optional[str] = Field(default=None, max_length=32)
    signoff_channel: Optional[str] = Field(default=None, max_length=32)
    signoff_ts: Optional[str] = Field(default=None, max_length=32)
    source_view_id: Optional[str] = Field(default=None, max_length=64)


class WorkOrderSigner(SQLModel, table=True):
    """Who signs a deliverable: colleagues who worked on it, and the client's contacts (role "client")."""

    __tablename__ = "work_order_signer"
    __table_args__ = (sa.UniqueConstraint("work_order_id", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    work_order_id: int = Field(foreign_key="work_order.id", index=True)
    user_id: str = Field(max_length=32)
    role: str = Field(default="colleague", max_length=16)


class JobCounter(SQLModel, table=True):
    """The last job number given per workspace and year; its row lock keeps numbers gapless."""

    __tablename__ = "job_counter"
    team_id: str = Field(primary_key=True, max_length=32)
    year: int = Field(primary_key=True)
    last: int = 0


class InvoiceStatus(str, Enum):
    open = "open"
    paid = "paid"


class Invoice(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("team_id", "number"), sa.UniqueConstraint("team_id", "work_order_id"),
                      sa.UniqueConstraint("team_id", "source_view_id"))
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    work_order_id: int = Field(foreign_key="work_order.id")
    client_id: int = Field(foreign_key="client.id", index=True)
    number: str = Field(max_length=40)
    amount: Decimal = Field(sa_type=Money)
    currency: str = Field(max_length=3)
    issued_on: date
    due_on: date
    status: InvoiceStatus = Field(default=InvoiceStatus.open, sa_type=sa.String(8))
    paid_on: Optional[date] = None
    paid_by: Optional[str] = Field(default=None, max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = _ts(default_factory=utcnow)
    source_view_id: Optional[str] = Field(default=None, max_length=64)


class Role(SQLModel, table=True):
    """Finance and lead, set by admins in /ae settings. With none set, workspace admins act as both."""

    __table_args__ = (sa.UniqueConstraint("team_id", "user_id", "role"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    role: str = Field(max_length=16)   # "finance" | "lead"
