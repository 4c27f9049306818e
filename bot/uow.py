"""One request, one transaction: the unit of work an acked request runs in.

Inside a `RequestScope`, every `db.transaction()` a service opens is part of one database
transaction (each a SAVEPOINT; on SQLite the whole begins IMMEDIATE), and every Slack call a
listener makes is recorded as an effect instead of being sent. `commit()` writes the effects and marks the inbox row done — fenced
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

    def __post_init__(self):
        self._session: Session | None = None   # opened on first use: a help text needs none
        self._seq = itertools.count(1)

    @property
    def session(self) -> Session:
        if self._session is None:
            s = Session(self.db.scope_engine, expire_on_commit=False)
            s.info["writes"] = 0
            event.listen(s, "after_flush", _count_flush)
            event.listen(s, "do_orm_execute", _count_dml)
            self._session = s
        return self._session

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
        """What `db.transaction()` yields inside the scope: a SAVEPOINT, so a service that fails (an
        insert that meets a unique key it then reads instead, say) undoes only its own part."""
        s = self.session
        with s.begin_nested():
            yield s

    # --- the end -----------------------------------------------------------------------------------
    @property
    def idle(self) -> bool:
        """Nothing to commit: read only, no effects, no inbox row (a help text)."""
        return not self.effects and self.inbound_id is None and (
            self._session is None or not (self._session.info["writes"] or self._session.new
                                          or self._session.dirty or self._session.deleted))

    def commit(self) -> None:
        """Effects and the done mark join the request's writes; one COMMIT (runs in a thread)."""
        from . import effects

        if self.idle:
            if self._session is not None:
                self._session.close()
            return   # no round trip at all
        s = self.session
        try:
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
        if self._session is None:
            return
        try:
            self._session.rollback()
        finally:
            self._session.close()


def _count_flush(session: Session, _flush_context) -> None:
    session.info["writes"] = session.info.get("writes", 0) + 1


def _count_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete or (
            not state.is_select and str(state.statement).lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")):
        state.session.info["writes"] = state.session.info.get("writes", 0) + 1


def _db_now(s: Session):
    from .models.base import UTCDateTime

    return UTCDateTime().process_bind_param(utcnow(), s.get_bind().dialect)
