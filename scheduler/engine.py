"""The tick: find what is due, claim it once in the delivery ledger, render, send, record.

Exactly once: an occurrence's key (rule, subject, recipient, local period) is UNIQUE in `delivery`;
rows are inserted with ON CONFLICT DO NOTHING, then claimed with a conditional UPDATE (FOR UPDATE
SKIP LOCKED on PostgreSQL), so concurrent ticks never send the same occurrence twice.

A crash between sending and recording leaves a row in `sending`. Such a row is never sent again:
after STALE_CLAIM it is marked `unknown` with a log line. We choose "at most once" for that narrow
window (one HTTP call per row; at most two batches of BATCH are claimed and unsent) because a
duplicate reminder is what makes people mute a bot; rows not yet claimed are still `pending` and go
out at the next tick.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import select

from bot.db import Database
from bot.models import Delivery, DeliveryStatus as St, SchedulerState

from .clock import local_date
from .rules import Context, Rule, all_rules
from .sender import SendResult

log = logging.getLogger("ae_bot.scheduler")

GRACE = timedelta(hours=12)        # later than this, an occurrence is skipped, not sent late
LOOKBACK = timedelta(days=8)       # the furthest back a tick looks after downtime
OVERLAP = timedelta(0)            # windows are (last tick, now]: every instant belongs to one window
STALE_CLAIM = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BATCH = 50           # claimed at a time; at most two batches are in flight if the process dies
CONCURRENCY = 50
PERMANENT = {"channel_not_found", "user_not_found", "not_in_channel", "is_archived", "account_inactive",
             "invalid_blocks", "msg_too_long", "no_text", "cannot_dm_bot", "user_disabled", "invalid_auth",
             "not_authed", "token_revoked"}
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class TickReport:
    planned: int = 0
    skipped: int = 0
    sent: int = 0
    retry: int = 0
    failed: int = 0
    obsolete: int = 0
    unknown: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"planned {self.planned}, sent {self.sent}, skipped {self.skipped}, retry {self.retry}, "
                f"failed {self.failed}, no longer relevant {self.obsolete}, unknown {self.unknown}")


async def tick(db: Database, sender, now: datetime, rules: list[Rule] | None = None) -> TickReport:
    """One tick at `now` (any aware instant: the CLI and tests pass explicit ones)."""
    if now.tzinfo is None:
        raise ValueError("tick needs an aware datetime")
    now = now.astimezone(timezone.utc)
    rules = rules if rules is not None else all_rules()
    by_name = {r.name: r for r in rules}
    report = TickReport()
    report.unknown = await asyncio.to_thread(_expire_stale_claims, db, now)
    report.planned, report.skipped = await asyncio.to_thread(_plan, db, now, rules)
    limit = asyncio.Semaphore(CONCURRENCY)
    # A pipeline: while one batch is being sent, the next is claimed and the last one recorded.
    claiming = asyncio.ensure_future(asyncio.to_thread(_claim_and_render, db, now, by_name, report))
    recording = None
    while batch := await claiming:
        claiming = asyncio.ensure_future(asyncio.to_thread(_claim_and_render, db, now, by_name, report))
        results = await asyncio.gather(*(_send(sender, limit, d, msg) for d, msg in batch))
        if recording:
            await recording
        recording = asyncio.ensure_future(asyncio.to_thread(_record, db, now, results, report))
    if recording:
        await recording
    await asyncio.to_thread(_advance_window, db, now)
    log.info("tick %s: %s", now.isoformat(), report.line())
    return report


# --- planning ----------------------------------------------------------------------------------

def _window_start(s, now: datetime) -> datetime:
    state = s.get(SchedulerState, "tick")
    if state is None or state.last_tick_at > now:
        return now - GRACE
    return max(state.last_tick_at - OVERLAP, now - LOOKBACK)


def _plan(db: Database, now: datetime, rules: list[Rule]) -> tuple[int, int]:
    with db.transaction() as s:
        start = _window_start(s, now)
        ctx = Context(s, start, now)
        rows = []
        for rule in rules:
            for o in rule.occurrences(ctx):
                if not start < o.due_at <= now:
                    continue
                status, why = St.pending, ""
                if o.due_at < now - GRACE:
                    status, why = St.skipped, f"missed by more than {GRACE}"
                elif rule.to_person:
                    p = ctx.person(o.team_id, o.recipient)
                    if p and rule.name in p.opted_out:
                        status, why = St.skipped, "opted out"
                    elif p and p.away_on(local_date(o.due_at, ctx.tz(o.team_id, o.recipient))):
                        status, why = St.skipped, "away"
                rows.append(dict(team_id=o.team_id, rule=o.rule, subject=o.subject, recipient=o.recipient,
                                 period=o.period, due_at=o.due_at, next_attempt_at=o.due_at, status=status,
                                 error=why, attempts=0))
        inserted = _insert_new(s, rows)
    skipped = [r for r in inserted if r.status == St.skipped]
    for r in skipped:
        log.info("skipped %s/%s for %s (%s, due %s): %s", r.rule, r.subject, r.recipient, r.period,
                 r.due_at.isoformat(), r.error)
    return len(inserted) - len(skipped), len(skipped)


def _insert_new(s, rows: list[dict]) -> list:
    """INSERT … ON CONFLICT DO NOTHING: returns only the rows this process created."""
    if not rows:
        return []
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One statement, executed for many rows: SQLAlchemy batches it ("insertmanyvalues") with a cached
    # compile, where a VALUES clause of 500 literal rows was compiled afresh for every batch.
    stmt = (insert(Delivery)
            .on_conflict_do_nothing(index_elements=["team_id", "rule", "subject", "recipient", "period"])
            .returning(Delivery.id, Delivery.rule, Delivery.subject, Delivery.recipient, Delivery.period,
                       Delivery.status, Delivery.due_at, Delivery.error))
    return list(s.execute(stmt, rows))


# --- claiming, rendering, sending, recording -------------------------------------------------------

def _claim_and_render(db: Database, now: datetime, rules: dict, report: TickReport):
    with db.transaction() as s:
        due = (select(Delivery.id)
               .where(Delivery.status.in_([St.pending, St.retry]), Delivery.next_attempt_at <= now)
               .order_by(Delivery.next_attempt_at, Delivery.id).limit(BATCH)
               .with_for_update(skip_locked=True))
        claimed = list(s.execute(
            update(Delivery)
            .where(Delivery.id.in_(due.scalar_subquery()), Delivery.status.in_([St.pending, St.retry]))
            .values(status=St.sending, claimed_at=now, claimed_by=WORKER, attempts=Delivery.attempts + 1)
            .returning(Delivery)
            .execution_options(synchronize_session=False)).scalars())
    if not claimed:
        return []
    out = []
    with db.transaction() as s:
        ctx = Context(s, now, now)
        ctx.preload(claimed)
        groups: dict[str, list[Delivery]] = {}
        for d in claimed:
            groups.setdefault(d.rule, []).append(d)
        dropped = []
        for name, ds in groups.items():
            rule = rules.get(name)
            try:
                messages = rule.render(ctx, ds) if rule else {}
            except Exception:
                log.exception("rendering %s failed for %d deliveries", name, len(ds))
                messages = {}
            for d in ds:
                msg = messages.get(d.id)
                if msg is None:
                    dropped.append(d.id)
                else:
                    out.append((d, msg))
        if dropped:   # nothing to say any more (the item was done, the minutes signed)
            s.execute(update(Delivery).where(Delivery.id.in_(dropped))
                      .values(status=St.skipped, error="no longer relevant")
                      .execution_options(synchronize_session=False))
            report.obsolete += len(dropped)
    return out


async def _send(sender, limit: asyncio.Semaphore, d: Delivery, message: dict) -> tuple[Delivery, SendResult]:
    async with limit:
        try:
            return d, await sender.send(message)
        except Exception as e:   # a bug or an unexpected network failure: retried with backoff
            log.exception("sending delivery %s failed", d.id)
            return d, SendResult(ok=False, error=type(e).__name__)


def _record(db: Database, now: datetime, results, report: TickReport) -> None:
    updates = []
    for d, r in results:
        row = {"id": d.id, "status": St.sent, "sent_at": None, "channel": None, "ts": None, "error": "",
               "next_attempt_at": d.next_attempt_at, "attempts": d.attempts}
        if r.ok:
            row.update(sent_at=now, channel=r.channel, ts=r.ts)
            report.sent += 1
        elif r.retry_after is not None and now - d.due_at < GRACE:
            # Slack asked us to wait: that is not a failed attempt, so it doesn't use up the budget.
            row.update(status=St.retry, error=r.error[:500], attempts=d.attempts - 1,
                       next_attempt_at=now + timedelta(seconds=max(r.retry_after, 1)))
            report.retry += 1
        elif r.error in PERMANENT or d.attempts >= MAX_ATTEMPTS or r.retry_after is not None:
            row.update(status=St.failed, error=r.error[:500])
            report.failed += 1
            log.warning("gave up on %s/%s for %s (%s): %s", d.rule, d.subject, d.recipient, d.period, r.error)
        else:
            backoff = timedelta(minutes=2 ** (d.attempts - 1))    # 1, 2, 4, 8 minutes
            row.update(status=St.retry, error=r.error[:500], next_attempt_at=now + backoff)
            report.retry += 1
        updates.append(row)
    with db.transaction() as s:
        s.execute(update(Delivery), updates)


def _expire_stale_claims(db: Database, now: datetime) -> int:
    with db.transaction() as s:
        stale = list(s.execute(
            update(Delivery).where(Delivery.status == St.sending, Delivery.claimed_at < now - STALE_CLAIM)
            .values(status=St.unknown, error="the sending process stopped before recording the outcome")
            .returning(Delivery.rule, Delivery.subject, Delivery.recipient, Delivery.period, Delivery.claimed_by)
            .execution_options(synchronize_session=False)))
    for r in stale:
        log.warning("delivery %s/%s for %s (%s) was claimed by %s, which stopped mid-send; not re-sending",
                    r.rule, r.subject, r.recipient, r.period, r.claimed_by)
    return len(stale)


def _advance_window(db: Database, now: datetime) -> None:
    """Move the window's end forward, never back: one upsert, so two first ticks at once can't both
    insert the row."""
    with db.transaction() as s:
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(SchedulerState).values(key="tick", last_tick_at=now)
        current = SchedulerState.__table__.c.last_tick_at
        s.execute(stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"last_tick_at": sa.case((current < stmt.excluded.last_tick_at, stmt.excluded.last_tick_at),
                                          else_=current)}))
