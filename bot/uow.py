"""One request, one transaction: the unit of work an acked request runs in.

Inside a `RequestScope`, every `db.transaction()` a service opens is part of one database
transaction (a SAVEPOINT on PostgreSQL), and every Slack call a listener makes is recorded as an
effect instead of being sent. `commit()` writes the effects and marks the inbox row done — fenced
by the lease, so a worker that lost its lease commits nothing — in that same transaction. A process
killed at any instant before it leaves nothing; after it, everything; a retry starts from scratch.
"""
from __future__ import annotations

import contextvars
import itertools
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

from .models.base import utcnow

log = logging.getLogger("ae_bot.uow")

_current: contextvars.ContextVar["RequestScope | None"] = contextvars.ContextVar("ae_bot_scope", default=None)


class LeaseLost(Exception):
    """Another worker took the request over (our lease expired): our work must not count."""


@dataclass
class Pending:
    """An effect waiting for the scope's commit."""

    kind: str
    key: str
    payload: dict
    team_id: str = ""
    priority: int = 1
    coalesce: bool = False


def current() -> "RequestScope | None":
    return _current.get()


@dataclass
class RequestScope:
    db: object                                  # bot.db.Database (not imported: no cycle)
    inbound_id: int | None = None
    lease_token: str | None = None
    name: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    effects: list[Pending] = field(default_factory=list)
    poisoned: bool = False

    def __post_init__(self):
        self.session = Session(self.db.engine, expire_on_commit=False)
        self.session.info["writes"] = 0
        event.listen(self.session, "after_flush", _count_flush)
        event.listen(self.session, "do_orm_execute", _count_dml)
        self._seq = itertools.count(1)

    # --- inside the request ------------------------------------------------------------------------
    @contextmanager
    def active(self) -> Iterator["RequestScope"]:
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    def next_key(self, what: str) -> str:
        """A key for an effect that is this request's own (a reply, a modal): unique per request."""
        return f"req:{self.inbound_id or self.name}:{next(self._seq)}:{what}"

    def add(self, kind: str, key: str | None, payload: dict, *, team_id: str = "", priority: int = 1,
            coalesce: bool = False) -> None:
        self.effects.append(Pending(kind, key or self.next_key(kind), payload, team_id, priority, coalesce))

    @contextmanager
    def nested(self) -> Iterator[Session]:
        """What `db.transaction()` yields inside the scope. A service that fails undoes only its own
        part (a SAVEPOINT on PostgreSQL; on SQLite, whose driver cannot nest, a failure after a write
        dooms the whole request, which then reports the error and writes nothing)."""
        s = self.session
        if s.get_bind().dialect.name == "postgresql":
            with s.begin_nested():
                yield s
            return
        before = s.info["writes"]
        try:
            yield s
            s.flush()
        except BaseException:
            if s.info["writes"] != before or s.new or s.dirty or s.deleted:
                self.poisoned = True
            raise

    # --- the end -----------------------------------------------------------------------------------
    def commit(self) -> None:
        """Effects and the done mark join the request's writes; one COMMIT (runs in a thread)."""
        from . import effects

        s = self.session
        if not self.effects and self.inbound_id is None and not s.info["writes"] and not (s.new or s.dirty or s.deleted):
            s.close()   # read only, nothing to record (a help text): no round trip at all
            return
        try:
            if self.poisoned:
                raise RuntimeError("a service failed after writing; the request is undone")
            for e in self.effects:
                effects.insert(s, e)
            if self.inbound_id is not None:
                done = s.execute(sa.text(
                    "UPDATE inbound SET state = 'done', done_at = :now, lease_token = NULL "
                    "WHERE id = :id AND state = 'claimed' AND lease_token = :token"),
                    {"now": _db_now(s), "id": self.inbound_id, "token": self.lease_token})
                if done.rowcount != 1:
                    raise LeaseLost(f"inbound {self.inbound_id}")
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def rollback(self) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()


def _count_flush(session: Session, _flush_context) -> None:
    session.info["writes"] = session.info.get("writes", 0) + 1


def _count_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete or (
            not state.is_select and str(state.statement).lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")):
        state.session.info["writes"] = state.session.info.get("writes", 0) + 1


def _db_now(s: Session):
    from .models.base import UTCDateTime

    return UTCDateTime().process_bind_param(utcnow(), s.get_bind().dialect)
