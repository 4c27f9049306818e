"""Reminder fan-out: 10,000 people with a reminder due in the same minute (issue 3's benchmark).

    python bench/tick_fanout.py [--people 10000] [--database-url URL]

For each of two runs — no errors, then every 5th chat.postMessage answered 429 with Retry-After: 1
(20 %) — it builds a fresh schema with N people (UTC) who each own an action item due the next day,
runs a tick one hour before (nothing due), then times the tick at 09:00 that claims, renders and sends
them all, followed by the ticks that retry the rate-limited ones (each at the instant their
Retry-After allows), until every reminder is delivered. It then checks that the fake Slack received
exactly one message per person.

In the same run, the FLOOR of each: the same N chat.postMessage calls (the message the tick rendered for
the first person, addressed to each of the N people) sent by a bare asyncio loop with no database —
the same AsyncWebClient (scheduler/sender.py's open_sender: one keep-alive aiohttp session,
TCPConnector(limit=100)), the same concurrency (scheduler.engine.CONCURRENCY in flight), against a
fresh fake with the same 429 pattern; the rate-limited ones are sent again, round after round, until all
are delivered (the Retry-After waits are not counted, as for the ticks). The table gives the tick's
reminders/s as a ratio of the floor's (target >= 0.5x). The fake Web API (bench/fast_fake_slack.py, zero latency) runs in its
own process so it doesn't share the bot's GIL; tests/fake_slack.py validates every payload and tops
out near 1,100 requests/s here, which would measure the fake rather than the tick.
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import sqlalchemy as sa  # noqa: E402

from bot.db import Database  # noqa: E402
from bot.models import ActionItem, Delivery, DeliveryStatus, Person  # noqa: E402
from bot.settings import Settings, sqlalchemy_url  # noqa: E402
from scheduler import engine  # noqa: E402
from scheduler.engine import tick  # noqa: E402
from scheduler.sender import open_sender  # noqa: E402

import fast_fake_slack  # noqa: E402

AT = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def fresh_database(url: str | None, tmp: str) -> Database:
    if url is None:
        return Database(f"sqlite:///{tmp}/fanout.db")
    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.begin() as c:
        c.execute(sa.text("DROP SCHEMA IF EXISTS bench_fanout CASCADE"))
        c.execute(sa.text("CREATE SCHEMA bench_fanout"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return Database(f"{url}{sep}options=-csearch_path%3Dbench_fanout")


def seed(db: Database, n: int) -> None:
    with db.transaction() as s:
        s.execute(sa.insert(Person), [dict(team_id="T0ACME", user_id=f"U{i:07d}", tz="UTC", name="", opt_out=None,
                                           reminder_times="{}", weekly_planning=False) for i in range(n)])
        s.execute(sa.insert(ActionItem), [dict(team_id="T0ACME", text=f"Send brief {i}", owner_id=f"U{i:07d}",
                                               due_on=date(2026, 12, 2), status="open", creator_id="U0AE",
                                               created_at=AT - timedelta(days=3)) for i in range(n)])


SAMPLE: dict = {}     # the first message a tick sent (the floor sends the same one)


class _Sampling:
    def __init__(self, sender):
        self._sender = sender

    def __getattr__(self, name):
        return getattr(self._sender, name)

    async def send(self, message: dict):
        if not SAMPLE:
            SAMPLE.update(message)
        return await self._sender.send(message)


async def run_ticks(db: Database, settings: Settings, n: int) -> tuple[float, int, float]:
    async with open_sender(settings) as real:
        sender = _Sampling(real)
        await tick(db, sender, AT - timedelta(hours=1))
        started = time.perf_counter()
        report = await tick(db, sender, AT)
        first = time.perf_counter() - started
        now, ticks = AT, 1
        while True:
            with db.transaction() as s:
                waiting = s.execute(sa.select(sa.func.count()).select_from(Delivery)
                                    .where(Delivery.status != DeliveryStatus.sent)).scalar_one()
            if not waiting or ticks > 100:
                break
            now += timedelta(seconds=1)     # the Retry-After the fake asks for
            t0 = time.perf_counter()
            r = await tick(db, sender, now)
            print(f"    retry tick {ticks}: {time.perf_counter() - t0:.2f} s, {r.line()}")
            ticks += 1
        total = time.perf_counter() - started
    print(f"    first tick: {report.line()}")
    return total, ticks, first


def one_run(label: str, n: int, url: str | None, ratelimit_every: int) -> dict:
    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=fast_fake_slack.serve, args=(child, ratelimit_every), daemon=True)
    fake.start()
    api_url = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(url, tmp)
        db.upgrade()
        seed(db, n)
        settings = Settings(slack_bot_token="xoxb-bench", slack_api_url=api_url, _env_file=None)
        total, ticks, first = asyncio.run(run_ticks(db, settings, n))
        with db.transaction() as s:
            statuses = Counter(s.execute(sa.select(Delivery.status)).scalars())
        db.dispose()
    parent.send("count")
    posts, per_channel = parent.recv()
    people = len(per_channel)
    parent.send("stop")
    assert all(v == 1 for v in per_channel.values()), "someone got a reminder twice"
    fake.join(10)
    exactly_once = statuses.get(DeliveryStatus.sent, 0) == n and people == n
    print(f"  {label}: {n} reminders in {total:.2f} s over {ticks} tick(s) (first tick {first:.2f} s); "
          f"{posts} postMessage calls, {people} people reached, ledger {dict(statuses)}; "
          f"exactly once: {exactly_once}")
    return {"label": label, "seconds": total, "rate": n / total, "ticks": ticks, "posts": posts,
            "exactly_once": exactly_once}


async def run_floor(settings: Settings, n: int) -> tuple[float, int]:
    """The N sends alone: same client and session setup, same concurrency, no database."""
    from slack_sdk.errors import SlackApiError

    assert SAMPLE, "the tick sent nothing to copy"
    limit = asyncio.Semaphore(engine.CONCURRENCY)
    async with open_sender(settings) as sender:
        client = sender.client

        async def one(channel: str) -> bool:
            async with limit:
                try:
                    await client.chat_postMessage(**{**SAMPLE, "channel": channel})
                    return True
                except SlackApiError as e:
                    if e.response.status_code == 429:
                        return False
                    raise

        todo = [f"U{i:07d}" for i in range(n)]
        rounds, spent = 0, 0.0
        while todo and rounds < 100:
            t0 = time.perf_counter()
            ok = await asyncio.gather(*(one(c) for c in todo))
            spent += time.perf_counter() - t0
            todo = [c for c, good in zip(todo, ok) if not good]
            rounds += 1
    return spent, rounds


def one_floor(label: str, n: int, ratelimit_every: int) -> dict:
    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=fast_fake_slack.serve, args=(child, ratelimit_every), daemon=True)
    fake.start()
    api_url = parent.recv()
    settings = Settings(slack_bot_token="xoxb-bench", slack_api_url=api_url, _env_file=None)
    spent, rounds = asyncio.run(run_floor(settings, n))
    parent.send("count")
    posts, per_channel = parent.recv()
    parent.send("stop")
    fake.join(10)
    once = len(per_channel) == n and all(v == 1 for v in per_channel.values())
    print(f"  floor, {label}: {n} messages in {spent:.2f} s over {rounds} round(s); {posts} postMessage calls; "
          f"exactly once: {once}")
    return {"seconds": spent, "rate": n / spent, "rounds": rounds, "posts": posts, "exactly_once": once}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = ap.parse_args()
    db_name = "PostgreSQL" if args.database_url else "SQLite"
    print(f"tick fan-out: {args.people} reminders due at {AT.isoformat()} on {db_name}, {os.cpu_count()} cores")
    rows = []
    for label, every in (("no errors", 0), ("20 % answered 429", 5)):
        r = one_run(label, args.people, args.database_url, every)
        r["floor"] = one_floor(label, args.people, every)
        rows.append(r)
    print(f"\n| database | run | reminders | tick seconds | tick reminders/s | ticks | postMessage calls | exactly once "
          f"| floor seconds | floor messages/s | floor rounds | floor calls | ratio (target ≥ 0.5×) |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        f = r["floor"]
        ratio = r["rate"] / f["rate"]
        print(f"| {db_name} | {r['label']} | {args.people:,} | {r['seconds']:.2f} | {r['rate']:,.0f} | {r['ticks']} | "
              f"{r['posts']:,} | {'yes' if r['exactly_once'] else 'NO'} | {f['seconds']:.2f} | {f['rate']:,.0f} | "
              f"{f['rounds']} | {f['posts']:,} | {ratio:.2f}× {'pass' if ratio >= 0.5 else '**FAIL**'} |")
    return 0 if all(r["exactly_once"] and r["floor"]["exactly_once"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
