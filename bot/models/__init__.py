"""The tables. Every row carries its workspace (`team_id`); every query filters on it."""
from .base import UTCDateTime, utcnow
from .core import (ActionItem, Attendee, AuditEvent, Decision, ItemStatus, MeetingKind, Minutes, MinutesVersion,
                   Person, SignOff)
from .reminders import CallLog, Delivery, DeliveryStatus, Goal, GoalStatus, SchedulerState, Workspace

__all__ = [
    "UTCDateTime", "utcnow", "ActionItem", "Attendee", "AuditEvent", "Decision", "ItemStatus", "MeetingKind",
    "Minutes", "MinutesVersion", "Person", "SignOff", "CallLog", "Delivery", "DeliveryStatus", "Goal",
    "GoalStatus", "SchedulerState", "Workspace",
]
