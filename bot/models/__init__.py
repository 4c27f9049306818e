"""The tables. Every row carries its workspace (`team_id`); every query filters on it."""
from .audience import ChannelAudience
from .base import Money, UTCDateTime, utcnow
from .core import (ActionItem, Attendee, AuditEvent, Decision, ItemStatus, MeetingKind, Minutes, MinutesVersion,
                   Person, SignOff)
from .money import (TIER_CALL_DAYS, Client, ClientContact, Invoice, InvoiceStatus, JobCounter, Role, Tier, WorkOrder,
                    WorkOrderKind, WorkOrderSigner, WorkOrderStatus)
from .reminders import CallLog, Delivery, DeliveryStatus, Goal, GoalStatus, SchedulerState, Workspace
from .teams import TeamsAccount, TeamsConversation
from .work import Effect, Inbound

__all__ = [
    "UTCDateTime", "utcnow", "ActionItem", "Attendee", "AuditEvent", "Decision", "ItemStatus", "MeetingKind",
    "Minutes", "MinutesVersion", "Person", "SignOff", "CallLog", "Delivery", "DeliveryStatus", "Goal",
    "GoalStatus", "SchedulerState", "Workspace", "Money", "TIER_CALL_DAYS", "Client", "ClientContact", "Invoice",
    "InvoiceStatus", "JobCounter", "Role", "Tier", "WorkOrder", "WorkOrderKind", "WorkOrderSigner", "WorkOrderStatus",
    "Effect", "Inbound", "TeamsAccount", "TeamsConversation", "ChannelAudience",
]
