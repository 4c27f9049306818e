"""Finance and lead roles. Admins set them in /ae settings; until someone is named for a role,
workspace admins hold it (so a new workspace can close jobs and issue invoices on day one)."""
from __future__ import annotations

from sqlmodel import Session, select

from ..db import Database
from ..errors import NotAllowed
from ..models import Role
from . import audit

FINANCE, LEAD = "finance", "lead"
ROLES = (FINANCE, LEAD)


def holders(s: Session, team_id: str, role: str) -> list[str]:
    return list(s.exec(select(Role.user_id).where(Role.team_id == team_id, Role.role == role).order_by(Role.id)))


def has_role(s: Session, team_id: str, user_id: str, role: str, is_admin: bool) -> bool:
    named = holders(s, team_id, role)
    return user_id in named if named else is_admin


def set_holders(db: Database, team_id: str, actor_id: str, actor_is_admin: bool,
                wanted: dict[str, list[str]]) -> None:
    """Replace who holds each role given (admins only), in one transaction with an audit event."""
    if not actor_is_admin:
        raise NotAllowed("roles_admin_only")
    with db.transaction() as s:
        for role, users in wanted.items():
            if role not in ROLES:
                continue
            for r in s.exec(select(Role).where(Role.team_id == team_id, Role.role == role)):
                s.delete(r)
            s.flush()
            for u in dict.fromkeys(users):
                s.add(Role(team_id=team_id, user_id=u, role=role))
        audit.record(s, team_id, actor_id, "roles.set", "workspace", None, **wanted)


def of_team(db: Database, team_id: str) -> dict[str, list[str]]:
    with db.transaction() as s:
        return {role: holders(s, team_id, role) for role in ROLES}
