"""The worker process `ae-bot run` starts: the work behind the front's acks, and the reminder scheduler.

The front (the process serving Slack) verifies, routes and acks; everything slow — writes, Block Kit,
Web API calls — happens here, in a second process at a lower CPU priority, so a burst of work never
delays an ack past Slack's 3 seconds (one Python process shares one GIL between both).

Hand-over is a pipe: the front's sender thread writes each request (kind, raw body, content type) to
it; the worker reads one whenever it has room (at most MAX_IN_FLIGHT at once), so a backlog waits in
the front's queue and the pipe, in arrival order. If the worker dies, the front logs it and starts a
new one on a new pipe; requests already written to the dead one are lost with it (logged), as they
would be if a single process died. The worker exits when the front's end of the pipe closes.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .settings import Settings

log = logging.getLogger("ae_bot.worker")

MAX_IN_FLIGHT = 32
NICE = 10          # the front's acks come first when both want the CPU
_STOP = None


class Worker:
    """The front's side: starts, feeds, watches and stops the worker process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._ctx = multiprocessing.get_context("spawn")
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._conn = None
        self.process = None
        self.restarts = 0
        self._stopping = False
        self._lock = threading.Lock()
        self._sender = threading.Thread(target=self._send_forever, name="ae-bot-worker-feed", daemon=True)

    # --- the Offload protocol (handlers/routing.py) ---------------------------------------------
    def submit(self, kind: str, body: dict, raw: str | None, content_type: str | None) -> None:
        self._jobs.put((kind, raw, content_type) if raw else (kind, body, None))

    # --- life cycle ------------------------------------------------------------------------------
    def start(self) -> "Worker":
        self._spawn()
        self._sender.start()
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def _spawn(self) -> None:
        read, write = self._ctx.Pipe(duplex=False)
        process = self._ctx.Process(target=main, args=(self.settings.model_dump(), read),
                                    name="ae-bot-worker", daemon=True)
        process.start()
        read.close()   # only the worker reads; when we close `write`, it sees EOF and exits
        with self._lock:
            old, self._conn, self.process = self._conn, write, process
        if old is not None:
            old.close()
        log.info("worker process %s started", process.pid)

    def check(self) -> bool:
        """Restart the worker if it died; True when it is (again) running."""
        if self.alive or self.process is None or self._stopping:
            return self.alive
        log.error("worker process %s exited (code %s); requests it had taken are lost; restarting",
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
                process.terminate()
                process.join(5)

    def _send_forever(self) -> None:
        while True:
            job = self._jobs.get()
            while True:
                with self._lock:
                    conn = self._conn
                try:
                    if job is _STOP:
                        conn.close()   # EOF: the worker drains and exits
                        return
                    conn.send(job)
                    break
                except (OSError, ValueError):   # the worker died under us: watch() starts a new one
                    if job is _STOP:
                        return
                    time.sleep(0.2)


# --- the worker's side ---------------------------------------------------------------------------

def main(settings: dict, conn) -> None:
    from . import logs
    from .db import Database

    settings = Settings(**settings, _env_file=None)
    logs.configure(settings.log_level)
    try:
        os.nice(NICE)
    except OSError:
        pass
    db = Database(settings.database_url)   # the front brought the schema up to date before starting us
    try:
        asyncio.run(_serve(settings, db, conn))
    finally:
        db.dispose()


async def _serve(settings: Settings, db, conn) -> None:
    from slack_bolt.request.internals import parse_body

    from handlers import routes
    from handlers.routing import WorkRunner
    from scheduler import runner as reminders

    from .slack_app import web_client
    from .web import keep_alive

    client = web_client(settings)
    work = WorkRunner(routes(db), client)
    room = asyncio.Semaphore(MAX_IN_FLIGHT)
    busy: set[asyncio.Task] = set()
    loop = asyncio.get_running_loop()
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ae-bot-worker-read")

    async def one(kind: str, body: dict) -> None:
        try:
            await work.run(kind, body)
        except Exception:   # guarded listeners report their own errors; this is the last net
            log.exception("work for %s failed", kind)
        finally:
            room.release()

    async with keep_alive(client):
        scheduler = reminders.start(db, settings)
        try:
            while True:
                await room.acquire()
                try:
                    kind, payload, content_type = await loop.run_in_executor(reader, conn.recv)
                except (EOFError, OSError):
                    break   # the front closed its end: finish what we have, then go
                body = parse_body(payload, content_type) if isinstance(payload, str) else payload
                task = asyncio.ensure_future(one(kind, body))
                busy.add(task)
                task.add_done_callback(busy.discard)
            if busy:
                await asyncio.wait(busy, timeout=30)
        finally:
            scheduler.shutdown(wait=False)
            reader.shutdown(wait=False)
    log.info("worker done")
