"""Effects are data: recorded in the transaction that causes them, delivered by whichever process
claims them — the way the reminder ledger claims deliveries.

Claims are leases: a claimed effect is `sending` until `lease_until`; if its holder dies, another
process takes it over after the lease (and, for a post, first looks in the channel for the message
the dead one may have sent — bot/messaging.py). Failures back off; a 429 waits its Retry-After;
permanent errors fail at once. A coalescing effect recorded again while it is being sent goes round
once more afterwards, so the last delivery renders the newest rows; one holder at a time per key is
the per-subject lock that keeps an older state from replacing a newer one.
"""
from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from . import leases
from .models import Effect
from .models.base import UTCDateTime, utcnow
from .uow import Pending, current

log = logging.getLogger("ae_bot.effects")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 6
BACKOFF = (2, 10, 30, 60, 300)           # seconds after attempt 1, 2, …
PERMANENT = {"channel_not_found", "user_not_found", "not_in_channel", "is_archived", "account_inactive",
             "invalid_blocks", "msg_too_long", "no_text", "cannot_dm_bot", "invalid_auth", "not_authed",
             "token_revoked", "missing_scope", "expired_trigger_id", "invalid_trigger_id", "view_too_large",
             "message_not_found", "cant_update_message", "invalid_arguments", "team_access_not_granted"}


def record(kind: str, payload: dict, *, key: str | None = None, team_id: str = "", priority: int = 1,
           coalesce: bool = False, session: Session | None = None) -> None:
    """Record an effect: in the running request's scope, or straight into `session`'s transaction."""
    pending = Pending(kind, key or "", payload, team_id, priority, coalesce)
    scope = current()
    if session is None and scope is not None:
        scope.add(kind, key, payload, team_id=team_id, priority=priority, coalesce=coalesce)
        return
    if session is None:
        raise RuntimeError("effects.record outside a request needs the session it belongs to")
    if not pending.key:
        pending.key = f"fx:{secrets.token_hex(8)}:{kind}"
    insert(session, pending)


def insert(s: Session, e: Pending) -> None:
    dialect = s.get_bind().dialect.name
    now = utcnow()   # typed columns: the UTC column type converts it
    ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(Effect).values(
        key=e.key, kind=e.kind, team_id=e.team_id, payload=json.dumps(e.payload, default=str),
        priority=e.priority, state="pending", again=False, attempts=0, next_at=now, created_at=now, error="")
    if not e.coalesce:
        s.execute(ins.on_conflict_do_nothing(index_elements=["key"]))
        return
    t = Effect.__table__.c
    running = t.state == "sending"
    finished = t.state.in_(("done", "failed"))
    s.execute(ins.on_conflict_do_update(index_elements=["key"], set_={
        "payload": ins.excluded.payload,
        "again": sa.case((running, True), else_=t.again),
        "state": sa.case((finished, "pending"), else_=t.state),
        "attempts": sa.case((finished, 0), else_=t.attempts),
        "next_at": sa.case((finished, ins.excluded.next_at), else_=t.next_at),
        "error": sa.case((finished, ""), else_=t.error),
    }))


# --- delivery --------------------------------------------------------------------------------------

@dataclass
class Claimed:
    id: int
    key: str
    kind: str
    team_id: str
    payload: dict
    attempts: int
    token: str
    created_at: datetime
    recovering: bool          # tried before (a holder died, or a call failed): it may have gone through


class Failure(Exception):
    """A delivery failed; `retry_after` set for a 429, `permanent` when trying again cannot help."""

    def __init__(self, error: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(error)
        self.error, self.permanent, self.retry_after = error, permanent, retry_after


Deliverer = Callable[[Claimed], Awaitable[None]]


def claim(db, holder: str, limit: int = 20, now: datetime | None = None) -> list[Claimed]:
    """Take up to `limit` due effects (priority first), each under a fresh lease."""
    now = now or utcnow()
    with db.transaction() as s:
        dialect = s.get_bind().dialect
        t = Effect.__table__
        due = sa.or_(sa.and_(t.c.state == "pending", t.c.next_at <= now),
                     sa.and_(t.c.state == "sending", t.c.lease_until < now))
        token, rows = leases.take(s, t, due, (t.c.priority, t.c.next_at, t.c.id), limit, holder, now, LEASE,
                                  {"state": "sending", "again": False},
                                  (t.c.id, t.c.key, t.c.kind, t.c.team_id, t.c.payload, t.c.attempts, t.c.created_at))
    out = []
    for r in rows:
        out.append(Claimed(r.id, r.key, r.kind, r.team_id, json.loads(r.payload), r.attempts, token,
                           UTCDateTime().process_result_value(r.created_at, dialect), r.attempts > 1))
    return out


def finish(db, c: Claimed) -> bool:
    """Delivered: done, or pending once more if it was recorded again meanwhile. False if we had lost
    the lease (someone else holds it now and will record the outcome)."""
    with db.transaction() as s:
        now = UTCDateTime().process_bind_param(utcnow(), s.get_bind().dialect)
        r = s.execute(sa.text(
            "UPDATE effect SET state = CASE WHEN again THEN 'pending' ELSE 'done' END, "
            "attempts = CASE WHEN again THEN 0 ELSE attempts END, again = :f, next_at = :now, "
            "done_at = :now, lease_token = NULL, error = '' WHERE id = :id AND lease_token = :token"),
            {"now": now, "id": c.id, "token": c.token, "f": False})
        return r.rowcount == 1


def failed(db, c: Claimed, f: Failure) -> str:
    """Record a failed attempt; returns the new state."""
    give_up = f.permanent or (f.retry_after is None and c.attempts >= MAX_ATTEMPTS)
    if f.retry_after is not None:
        delay, attempts = f.retry_after, c.attempts - 1     # a rate limit does not use up the budget
    else:
        delay, attempts = BACKOFF[min(c.attempts - 1, len(BACKOFF) - 1)], c.attempts
    state = "failed" if give_up else "pending"
    with db.transaction() as s:
        dialect = s.get_bind().dialect
        bind = UTCDateTime().process_bind_param
        s.execute(sa.text(
            "UPDATE effect SET state = :state, attempts = :attempts, next_at = :next, lease_token = NULL, "
            "error = :error WHERE id = :id AND lease_token = :token"),
            {"state": state, "attempts": attempts, "next": bind(utcnow() + timedelta(seconds=delay), dialect),
             "error": f.error[:300], "id": c.id, "token": c.token})
    return state


def counts(db) -> dict[str, int]:
    with db.transaction() as s:
        return dict(s.execute(sa.text("SELECT state, count(*) FROM effect GROUP BY state")).all())
