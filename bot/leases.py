"""Taking rows under a lease: the one claim the inbox and the effect ledger share."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session


def take(s: Session, table: sa.Table, ready, order_by: tuple, limit: int, holder: str, now: datetime,
         lease: timedelta, values: dict, returning: tuple) -> tuple[str, list]:
    """Mark up to `limit` `ready` rows as held by a fresh token until now + lease; return it and the rows.
    PostgreSQL skips rows another claim has locked; SQLite (one writer) looks first, so a claim with
    nothing to take writes nothing and takes no write lock from anyone."""
    pick = sa.select(table.c.id).where(ready).order_by(*order_by).limit(limit)
    postgres = s.get_bind().dialect.name == "postgresql"
    if postgres:
        pick = pick.with_for_update(skip_locked=True)
    token = f"{holder}:{secrets.token_hex(6)}"
    if not postgres and not s.execute(pick).first():
        return token, []
    rows = s.execute(
        sa.update(table).where(table.c.id.in_(pick.scalar_subquery()))
        .values(lease_token=token, lease_until=now + lease, attempts=table.c.attempts + 1, **values)
        .returning(*returning)).all()
    return token, rows
