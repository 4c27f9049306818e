"""The worker: claims acked requests and effects from the database and carries them out; ticks the
reminders. `ae-bot worker` is one; `ae-bot run` starts one beside its front; tests run one inside
the test's server. Any number share one PostgreSQL: what each holds is leased in the database, so
none needs another's memory, and one that dies leaves its leases to run out for the others.
"""
from __future__ import annotations

import asyncio
import collections
import hashlib
import logging
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor

from slack_sdk.web.async_client import AsyncWebClient

from . import effects, inbox
from .db import Database
from .effects import Claimed, Failure
from .messaging import SlackPort
from .settings import Settings

log = logging.getLogger("ae_bot.work")

NICE = 10
IDLE_POLL = (0.01, 0.1)   # seconds between looks at the tables when there is nothing to do: from, up to


def effect_client(settings: Settings) -> AsyncWebClient:
    # No sleeping rate-limit retry: a 429 is recorded with its Retry-After and the effect waits.
    return AsyncWebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url, timeout=10)


class Worker:
    def __init__(self, settings: Settings, db: Database, *, client: AsyncWebClient | None = None,
                 requests_at_once: int | None = None, effects_at_once: int = 16, reminders: bool = True):
        from handlers import routes

        self.settings, self.db = settings, db
        self.router = routes(db)
        self.client = client or effect_client(settings)
        self.port = SlackPort(self.client)
        # The messaging port per platform; Teams' is built when the worker starts (its SDK app needs
        # the event loop), and only when Teams is configured.
        self.ports: dict[str, object] = {"slack": self.port}
        sqlite = db.url.startswith("sqlite")
        # SQLite has one writer: requests one at a time per process (each is one transaction).
        self.requests_at_once = requests_at_once or (1 if sqlite else 8)
        self.claim_batch = 16 if sqlite else 1
        self._claimed: collections.deque = collections.deque()
        self.effects_at_once = effects_at_once
        self.reminders = reminders
        # Short: a lease token is holder + 12 hex and must fit 40 characters, whatever the host's name.
        host = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]
        self.holder = f"{host}:{os.getpid()}:{id(self) % 1000}"
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy: set[asyncio.Task] = set()
        self._requests = 0
        self._effects = 0
        self.handled = 0

    def wake(self) -> None:
        """Something new was written (called from any thread)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def serve(self, stop: asyncio.Event) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        self._loop.set_default_executor(ThreadPoolExecutor(max_workers=32, thread_name_prefix="ae-bot-work"))
        scheduler = None
        if self.reminders:
            from scheduler import runner

            scheduler = runner.start(self.db, self.settings, port=self.port)
        if self.settings.teams and "teams" not in self.ports:
            from .teams.front import teams_port

            self.ports["teams"] = await teams_port(self.settings)
        log.info("worker %s: requests %d at once, effects %d at once", self.holder, self.requests_at_once,
                 self.effects_at_once)
        idle = IDLE_POLL[0]
        parent = os.getppid() if os.environ.get("AE_BOT_CHILD") else None
        try:
            while not stop.is_set():
                if parent is not None and os.getppid() != parent:
                    log.warning("the front (pid %s) is gone; this worker stops", parent)
                    break
                found = await self._pump()
                if found:
                    idle = IDLE_POLL[0]
                    continue
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), idle)
                    idle = IDLE_POLL[0]
                except asyncio.TimeoutError:
                    idle = min(idle * 2, IDLE_POLL[1])   # quiet: look less often
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            if self._busy:   # finish what we hold rather than leave it to a lease (up to 10 s)
                await asyncio.wait(set(self._busy), timeout=10)

    async def _pump(self) -> bool:
        found = False
        free = self.requests_at_once - self._requests
        if free > 0 and not self._claimed:
            # On SQLite, one claim for a batch that then runs one at a time: a claim is a write, and
            # writes are what SQLite does one at a time. (The leases are long enough for the batch.)
            self._claimed.extend(await asyncio.to_thread(inbox.claim, self.db, self.holder,
                                                         max(free, self.claim_batch)))
        while free > 0 and self._claimed:
            req = self._claimed.popleft()
            found = True
            if req.attempts > inbox.MAX_ATTEMPTS:
                await self._give_up(req)
                continue
            self._requests += 1
            free -= 1
            self._start(self._one_request(req))
        free = self.effects_at_once - self._effects
        if free > 0:
            for fx in await asyncio.to_thread(effects.claim, self.db, self.holder, free):
                found = True
                self._effects += 1
                self._start(self._one_effect(fx))
        return found

    def _start(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._busy.add(task)
        task.add_done_callback(self._busy.discard)

    async def _one_request(self, req: inbox.Request) -> None:
        from handlers.routing import run_request

        try:
            await run_request(self.router, self.db, self.client, req)
            self.handled += 1
        except Exception:
            log.exception("request %s failed outside its listener", req.id)
        finally:
            self._requests -= 1
            self.wake()

    async def _give_up(self, req: inbox.Request) -> None:
        from handlers.routing import _report

        log.error("request %s (%s %s) failed %d times; giving up", req.id, req.kind, req.route, req.attempts - 1)
        await _report(self.db, self.client, req.body, RuntimeError("gave up after repeated crashes"), req)

    async def _one_effect(self, fx: Claimed) -> None:
        try:
            deliver = self.router.deliverers.get(fx.kind)
            if deliver is None:
                raise Failure(f"no deliverer for {fx.kind}", permanent=True)
            platform = self.router.platform_of.get(fx.kind, "slack")
            port = self.ports.get(platform)
            if port is None:
                raise Failure(f"{platform} is not configured", permanent=True)
            await deliver(fx, port)
            if not await asyncio.to_thread(effects.finish, self.db, fx):
                log.warning("effect %s finished after its lease ran out", fx.key)
        except Failure as f:
            state = await asyncio.to_thread(effects.failed, self.db, fx, f)
            (log.error if state == "failed" else log.info)("effect %s (%s) %s: %s", fx.key, fx.kind,
                                                            "failed for good" if state == "failed" else "will retry",
                                                            f.error)
        except Exception as error:   # a bug in a deliverer: retried with backoff, then failed
            log.exception("effect %s (%s) raised", fx.key, fx.kind)
            await asyncio.to_thread(effects.failed, self.db, fx, Failure(type(error).__name__))
        finally:
            self._effects -= 1
            self.wake()

    async def idle(self, timeout: float = 10.0) -> bool:
        """Tests and benchmarks: wait until nothing is claimable or held (True) or the timeout passes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._busy and await asyncio.to_thread(_nothing_due, self.db):
                return True
            await asyncio.sleep(0.02)
        return False


def _nothing_due(db: Database) -> bool:
    import sqlalchemy as sa

    from .models.base import UTCDateTime, utcnow

    with db.transaction() as s:
        now = UTCDateTime().process_bind_param(utcnow(), s.get_bind().dialect)
        n = s.execute(sa.text("SELECT (SELECT count(*) FROM inbound WHERE state IN ('new', 'claimed')) + "
                              "(SELECT count(*) FROM effect WHERE state = 'sending' OR "
                              "(state = 'pending' AND next_at <= :now))"), {"now": now}).scalar_one()
    return n == 0


def main(settings: Settings) -> int:
    """`ae-bot worker`: work and reminders only, no HTTP. SIGTERM/SIGINT finish what is held, then exit."""
    import signal

    from .web import keep_alive

    if os.environ.get("AE_BOT_CHILD"):
        try:
            os.nice(NICE)   # beside a front: its acks come first when both want the CPU
        except OSError:
            pass
    db = Database(settings.database_url)
    db.upgrade()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        worker = Worker(settings, db)
        async with keep_alive(worker.client):
            await worker.serve(stop)

    try:
        asyncio.run(serve())
    finally:
        db.dispose()
    log.info("worker done")
    return 0
