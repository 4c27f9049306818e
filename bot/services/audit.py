"""The append-only audit log."""
from __future__ import annotations

import json

from sqlmodel import Session, select

from ..models import AuditEvent


def record(s: Session, team_id: str, actor_id: str, action: str, subject_kind: str,
           subject_id: int | None, **detail) -> None:
    s.add(AuditEvent(team_id=team_id, actor_id=actor_id, action=action, subject_kind=subject_kind,
                     subject_id=subject_id, detail=json.dumps(detail, default=str, sort_keys=True)))


def history(s: Session, team_id: str, subject_kind: str, subject_id: int) -> list[AuditEvent]:
    q = (select(AuditEvent)
         .where(AuditEvent.team_id == team_id, AuditEvent.subject_kind == subject_kind,
                AuditEvent.subject_id == subject_id)
         .order_by(AuditEvent.id))
    return list(s.exec(q))
