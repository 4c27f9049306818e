"""The worker process `ae-bot run` starts: every listener's work, and the reminder scheduler.

The front (the process serving Slack) verifies, routes and acks; the listeners themselves — writes,
Block Kit, Web API calls — run here, in a second process at a lower CPU priority, so a burst of work
never delays the acks of work routes (one Python process shares one GIL between both). All of it in
one process also keeps what must be ordered in one event loop: coalesced summary refreshes, the
per-card locks, the zone cache.

Two pipes per worker. Jobs go front → worker: `("work", kind, payload, content_type)` for a work
route the front has acked, `("ack", id, kind, payload, content_type)` for an own_ack route, whose
answer comes back worker → front as `("acked", id, ack_kwargs)` and which jumps the queue of work.
The worker also sends `("forget", team, user)` when a person's zone changes, so the front's zone
cache (used before acking modals) follows. If the worker dies, the front logs it and starts a new one
on new pipes; what the dead one had read is lost with it (logged), as with a single process dying.
The worker ignores SIGINT/SIGTERM (a signal to the process group must not cut its work short); it
drains and exits when the front closes the job pipe, and is killed if that takes too long.
"""
from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time

from handlers.routing import ACK_WAIT

from .settings import Settings

log = logging.getLogger("ae_bot.worker")

MAX_IN_FLIGHT = 32      # work routes at once; own_ack routes are not counted (their ack is waited for)
NICE = 10               # the front's acks come first when both want the CPU
_STOP = None


class Worker:
    """The front's side: starts, feeds, watches and stops the worker process (an Offload)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._ctx = multiprocessing.get_context("spawn")
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._conn = None                       # jobs pipe, our end
        self.process = None
        self.restarts = 0
        self._started_at = 0.0
        self._next_try = 0.0
        self._stopping = False
        self._swap = threading.Lock()           # guards _conn/process against the sender thread
        self._life = threading.Lock()           # one start/restart/stop at a time
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Future]] = {}
        self._sender = threading.Thread(target=self._send_forever, name="ae-bot-worker-feed", daemon=True)

    # --- the Offload protocol (handlers/routing.py) ---------------------------------------------
    def submit(self, kind: str, body: dict, raw: str | None, content_type: str | None) -> None:
        self._jobs.put(("work", kind, raw or body, content_type))

    async def answer(self, kind, body, raw, content_type, *, ack, client, respond) -> None:
        job_id, loop = next(self._ids), asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting[job_id] = (loop, future)
        self._jobs.put(("ack", job_id, kind, raw or body, content_type))
        try:
            kwargs = await asyncio.wait_for(future, ACK_WAIT)
        except asyncio.TimeoutError:
            log.warning("the worker did not answer %s within %.1f s; acked empty", kind, ACK_WAIT)
            kwargs = {}
        finally:
            self._waiting.pop(job_id, None)
        await ack(**kwargs)

    # --- life cycle ------------------------------------------------------------------------------
    def start(self) -> "Worker":
        with self._life:
            self._spawn()
        self._sender.start()
        return self

    @property
    def alive(self) -> bool:
        return (self.process is not None and self.process.is_alive() and self._sender.is_alive()
                and not self._stopping)

    def _spawn(self) -> None:
        jobs_in, jobs_out = self._ctx.Pipe(duplex=False)
        replies_in, replies_out = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=main, args=(self.settings.model_dump(), jobs_in, replies_out),
                                    name="ae-bot-worker", daemon=True)
        process.start()
        jobs_in.close()       # only the worker reads jobs; when we close jobs_out, it drains and exits
        replies_out.close()   # only the worker writes replies; we see EOF when it dies
        threading.Thread(target=self._read_replies, args=(replies_in,), name="ae-bot-worker-replies",
                         daemon=True).start()
        with self._swap:
            old, self._conn, self.process = self._conn, jobs_out, process
        if old is not None:
            old.close()
        self._started_at = time.monotonic()
        log.info("worker process %s started", process.pid)

    def check(self) -> bool:
        """Restart the worker if it died (backing off if it keeps dying); True when it runs."""
        with self._life:
            if self._stopping or self.process is None or self.process.is_alive():
                return self.alive
            now = time.monotonic()
            if now < self._next_try:
                return False
            quick = now - self._started_at < 10
            self._next_try = now + (min(30.0, 2.0 ** min(self.restarts, 5)) if quick else 0.0)
            log.error("worker process %s exited (code %s); the requests it had taken are lost; restarting",
                      self.process.pid, self.process.exitcode)
            self.restarts += 1
            self._spawn()
            return self.alive

    async def watch(self, every: float = 1.0) -> None:
        while True:
            await asyncio.sleep(every)
            await asyncio.to_thread(self.check)

    def stop(self, drain: float = 10.0) -> None:
        """Let the worker finish what it has (up to `drain` seconds), then end it."""
        with self._life:
            self._stopping = True
        if self._jobs.qsize():
            log.warning("stopping with %d acked requests not yet handed to the worker", self._jobs.qsize())
        self._jobs.put(_STOP)
        self._sender.join(drain)
        process = self.process
        if process is not None:
            process.join(max(0.1, drain))
            if process.is_alive():
                log.warning("worker still busy after %.0f s; stopping it", drain)
                process.kill()
                process.join(5)

    def _send_forever(self) -> None:
        while True:
            job = self._jobs.get()
            while True:
                with self._swap:
                    conn = self._conn
                try:
                    if job is _STOP:
                        conn.close()   # EOF: the worker drains and exits
                        return
                    conn.send(job)
                    break
                except Exception:   # the worker died under us (closed or broken pipe): wait for the new one
                    if job is _STOP:
                        return
                    time.sleep(0.2)

    def _read_replies(self, conn) -> None:
        from .services import people

        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                conn.close()
                return
            if msg[0] == "acked":
                waiting = self._waiting.get(msg[1])
                if waiting:
                    loop, future = waiting
                    loop.call_soon_threadsafe(_resolve, future, msg[2])
            elif msg[0] == "forget":
                people._zones.pop((msg[1], msg[2]), None)


def _resolve(future: asyncio.Future, value) -> None:
    if not future.done():
        future.set_result(value)


# --- the worker's side ---------------------------------------------------------------------------

def main(settings: dict, jobs, replies) -> None:
    from . import logs
    from .db import Database

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    settings = Settings(**settings, _env_file=None)
    logs.configure(settings.log_level)
    try:
        os.nice(NICE)
    except OSError:
        pass
    db = Database(settings.database_url)   # the front brought the schema up to date before starting us
    try:
        asyncio.run(_serve(settings, db, jobs, _Replies(replies)))
    finally:
        db.dispose()


class _Replies:
    """Worker → front messages, from the event loop and from service threads alike."""

    def __init__(self, conn):
        self.conn, self.lock = conn, threading.Lock()

    def send(self, msg) -> None:
        with self.lock:
            try:
                self.conn.send(msg)
            except (OSError, ValueError):
                pass   # the front is gone; we are about to see EOF on the jobs pipe


class _RemoteAck:
    """Stands in for Bolt's ack() in the worker: the answer goes back to the front, which acks."""

    def __init__(self, replies: _Replies, job_id: int):
        self.replies, self.job_id, self.response = replies, job_id, None

    async def __call__(self, text="", **kwargs):
        if self.response is None:
            self.response = {**({"text": text} if text else {}), **kwargs}
            self.replies.send(("acked", self.job_id, self.response))
        return self.response


async def _serve(settings: Settings, db, jobs, replies: _Replies) -> None:
    from slack_bolt.context.respond.async_respond import AsyncRespond
    from slack_bolt.request.internals import parse_body

    from handlers import routes
    from handlers.common import response_url_of
    from handlers.routing import WorkRunner, until_acked
    from scheduler import runner as reminders

    from .services import people
    from .slack_app import web_client
    from .web import keep_alive

    people.on_forget.append(lambda team, user: replies.send(("forget", team, user)))
    client = web_client(settings)
    work = WorkRunner(routes(db), client)
    loop = asyncio.get_running_loop()
    waiting: collections.deque = collections.deque()
    busy: set[asyncio.Task] = set()
    running = 0
    closed = asyncio.Event()

    def body_of(payload, content_type) -> dict:
        return parse_body(payload, content_type) if isinstance(payload, str) else payload

    async def one_work(kind: str, body: dict) -> None:
        nonlocal running
        try:
            await work.run(kind, body)
        except Exception:   # listeners are guarded and report their own errors; this is the last net
            log.exception("work for %s failed", kind)
        finally:
            running -= 1
            pump()

    async def one_answer(job_id: int, kind: str, body: dict) -> None:
        ack = _RemoteAck(replies, job_id)
        url = response_url_of(body)
        # Our deadline comes before the front's, so an answer the front would miss is told instead.
        await until_acked(work.router.find(kind, body), ack, busy, deadline=ACK_WAIT - 0.3, body=body,
                          client=client, respond=AsyncRespond(response_url=url) if url else None,
                          event=body.get("event"))

    def start(coro) -> None:
        task = asyncio.ensure_future(coro)
        busy.add(task)
        task.add_done_callback(busy.discard)

    def pump() -> None:
        nonlocal running
        while waiting and running < MAX_IN_FLIGHT:
            running += 1
            kind, payload, content_type = waiting.popleft()   # parsed only now: a backlog stays compact
            start(one_work(kind, body_of(payload, content_type)))

    def arrived(msg) -> None:
        if msg is _STOP:
            closed.set()
        elif msg[0] == "ack":
            _, job_id, kind, payload, content_type = msg
            start(one_answer(job_id, kind, body_of(payload, content_type)))
        else:
            waiting.append(msg[1:])
            pump()

    def read_forever() -> None:
        # Reads ahead of the work, so an own_ack request is never stuck behind a backlog in the pipe.
        while True:
            try:
                msg = jobs.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(arrived, _STOP)
                return
            loop.call_soon_threadsafe(arrived, msg)

    async with keep_alive(client):
        scheduler = reminders.start(db, settings)
        threading.Thread(target=read_forever, name="ae-bot-worker-read", daemon=True).start()
        try:
            await closed.wait()   # the front closed its end: finish what we have, then go
            while waiting or busy:
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown(wait=False)
    log.info("worker done")
