"""The inbox: every acked request is a row before Slack hears "200".

The front queues its requests to one writer thread, which inserts whatever has queued in one
transaction (a group commit: one COMMIT for many acks under load, one for one when quiet) and then
lets those acks go. Workers claim rows under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and mark
them done in the transaction of the work itself (bot/uow.py). `dedup_key` — Slack's event id, or the
trigger id of a command or click — makes a delivery Slack retries a no-op.
"""
from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import leases
from .models import Inbound
from .models.base import UTCDateTime, utcnow

log = logging.getLogger("ae_bot.inbox")

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 4           # a request that kills its worker this often is given up (and the person told)
BATCH = 500


@dataclass
class Request:
    id: int
    kind: str
    route: str
    team_id: str
    body: dict
    token: str
    attempts: int
    received_at: datetime


class InboxWriter:
    """Group commit for the front. `put` returns True when the request is new, False for a repeat."""

    def __init__(self, db):
        self.db = db
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write_forever, name="ae-bot-inbox", daemon=True)
        self._thread.start()
        self.on_written: list = []          # callbacks after each commit (wake a worker in this process)

    async def put(self, dedup_key: str, team_id: str, kind: str, route: str, body: dict,
                  priority: int = 1) -> bool:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        row = dict(dedup_key=dedup_key[:160], team_id=(team_id or "")[:32], kind=kind, route=(route or "")[:120],
                   priority=priority, body=json.dumps(body, separators=(",", ":")))
        self._queue.put((row, loop, future))
        return await future

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                fresh = self._write([row for row, _, _ in batch])
                outcome = [(True, f) for f in fresh]
            except Exception as error:   # the database is down: those requests are not acked
                log.error("could not write %d requests to the inbox: %s", len(batch), error)
                outcome = [(False, error)] * len(batch)
            for (_, loop, future), (ok, value) in zip(batch, outcome):
                loop.call_soon_threadsafe(_settle, future, ok, value)
            for hook in self.on_written:
                hook()

    def _write(self, rows: list[dict]) -> list[bool]:
        with self.db.transaction() as s:
            dialect = s.get_bind().dialect
            now = utcnow()
            insert = pg_insert if dialect.name == "postgresql" else sqlite_insert
            fresh = []
            for row in rows:
                stmt = (insert(Inbound).values(**row, state="new", attempts=0, received_at=now, error="")
                        .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(Inbound.id))
                fresh.append(s.execute(stmt).first() is not None)
            return fresh


def _settle(future: asyncio.Future, ok: bool, value) -> None:
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def claim(db, holder: str, limit: int = 8, now: datetime | None = None) -> list[Request]:
    """Take up to `limit` requests that are new or whose holder's lease ran out, modals first."""
    now = now or utcnow()
    with db.transaction() as s:
        dialect = s.get_bind().dialect
        t = Inbound.__table__
        ready = sa.or_(t.c.state == "new", sa.and_(t.c.state == "claimed", t.c.lease_until < now))
        token, rows = leases.take(s, t, ready, (t.c.priority, t.c.id), limit, holder, now, LEASE, {"state": "claimed"},
                                  (t.c.id, t.c.kind, t.c.route, t.c.team_id, t.c.body, t.c.attempts, t.c.received_at))
    reqs = [Request(r.id, r.kind, r.route, r.team_id, json.loads(r.body), token, r.attempts,
                    UTCDateTime().process_result_value(r.received_at, dialect)) for r in rows]
    return sorted(reqs, key=lambda r: r.id)


def give_up(db, req: Request, error: str) -> bool:
    with db.transaction() as s:
        r = s.execute(sa.text("UPDATE inbound SET state = 'failed', error = :e, lease_token = NULL "
                              "WHERE id = :id AND lease_token = :token"),
                      {"e": error[:300], "id": req.id, "token": req.token})
        return r.rowcount == 1


def backlog(db) -> int:
    with db.transaction() as s:
        return s.execute(sa.text("SELECT count(*) FROM inbound WHERE state IN ('new', 'claimed')")).scalar_one()
