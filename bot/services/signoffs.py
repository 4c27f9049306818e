"""Versioned sign-off, shared by minutes and work-order deliverables.

A decision binds to one content hash: when the thing changes, earlier decisions stay on record but stop
counting. The unique key on SignOff makes a double click count once (callers catch the IntegrityError of a
click that raced them, outside the transaction).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from ..models import Decision, SignOff
from . import audit


@dataclass
class Tally:
    approvals: list[SignOff]          # on the current content, oldest first
    change_requests: list[SignOff]    # on the current content
    earlier: set[str]                 # approved some earlier content

    @property
    def signed_ids(self) -> set[str]:
        return {x.signer_id for x in self.approvals}

    def must_resign(self, signer_ids: list[str]) -> list[str]:
        signed = self.signed_ids
        return [u for u in signer_ids if u in self.earlier and u not in signed]


def decide(s: Session, team_id: str, subject_kind: str, subject_id: int, version: int, content_hash: str,
           signer_id: str, decision: Decision, comment: str = "", role: str | None = None) -> bool:
    """Record one person's decision on this content; False when they had already made it (it counts once)."""
    q = select(SignOff.id).where(SignOff.team_id == team_id, SignOff.subject_kind == subject_kind,
                                 SignOff.subject_id == subject_id, SignOff.content_hash == content_hash,
                                 SignOff.signer_id == signer_id, SignOff.decision == decision)
    if s.exec(q).first() is not None:
        return False
    extra = {"role": role} if role else {}
    s.add(SignOff(team_id=team_id, subject_kind=subject_kind, subject_id=subject_id, version=version,
                  content_hash=content_hash, signer_id=signer_id, decision=decision, comment=comment, **extra))
    audit.record(s, team_id, signer_id, f"{subject_kind}.{decision.value}", subject_kind, subject_id,
                 version=version, hash=content_hash, comment=comment, **extra)
    s.flush()
    return True


def tally(s: Session, team_id: str, subject_kind: str, subject_id: int, content_hash: str) -> Tally:
    rows = list(s.exec(select(SignOff).where(
        SignOff.team_id == team_id, SignOff.subject_kind == subject_kind,
        SignOff.subject_id == subject_id).order_by(SignOff.signed_at, SignOff.id)))
    current = [x for x in rows if x.content_hash == content_hash]
    return Tally(
        approvals=[x for x in current if x.decision == Decision.approve],
        change_requests=[x for x in current if x.decision == Decision.changes_requested],
        earlier={x.signer_id for x in rows if x.content_hash != content_hash and x.decision == Decision.approve},
    )
