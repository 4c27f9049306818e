"""`ae-bot run`'s worker process: an `ae-bot worker` beside the front, restarted if it dies.

Nothing passes between them but the database: the front keeps each request in the inbox before it
acks, the worker claims it from there. A worker that dies mid-request leaves its lease to run out;
the new one (or any other worker on the same database) takes the request over.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger("ae_bot.supervise")


class Supervisor:
    def __init__(self, argv: list[str] | None = None):
        self.argv = argv or [sys.executable, "-m", "bot.cli", "worker"]
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._started_at = 0.0
        self._next_try = 0.0
        self._stopping = False
        self._lock = threading.Lock()

    def start(self) -> "Supervisor":
        with self._lock:
            self._spawn()
        return self

    def _spawn(self) -> None:
        # Its own process group: a Ctrl-C to the front's group does not cut the worker's work short;
        # the front stops it with SIGTERM, and it finishes what it holds.
        self.process = subprocess.Popen(self.argv, env={**os.environ, "AE_BOT_CHILD": "1"}, start_new_session=True)
        self._started_at = time.monotonic()
        log.info("worker process %s started", self.process.pid)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and not self._stopping

    def check(self) -> bool:
        """Restart the worker if it died (backing off if it keeps dying); True when it runs."""
        with self._lock:
            if self._stopping or self.process is None or self.process.poll() is None:
                return self.alive
            now = time.monotonic()
            if now < self._next_try:
                return False
            quick = now - self._started_at < 10
            self._next_try = now + (min(30.0, 2.0 ** min(self.restarts, 5)) if quick else 0.0)
            log.error("worker process %s exited (code %s); restarting (its requests wait in the database)",
                      self.process.pid, self.process.returncode)
            self.restarts += 1
            self._spawn()
            return True

    async def watch(self, every: float = 0.5) -> None:
        while True:
            await asyncio.sleep(every)
            await asyncio.to_thread(self.check)

    def stop(self, drain: float = 15.0) -> None:
        with self._lock:
            self._stopping = True
            p = self.process
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(drain)
        except subprocess.TimeoutExpired:
            log.warning("worker still busy after %.0f s; killing it (its leases run out for the next one)", drain)
            p.kill()
            p.wait(5)
