"""Real `ae-bot run` processes for crash tests: start, find the worker child, SIGKILL, stop; signed
bursts of requests from a thread pool; the leases of a dead holder run out on demand.

Logs go to a file (never a pipe: a worker that outlives its front would hold a pipe open forever).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from harness import SECRET, TOKEN, sign

from bot.models import Effect, Inbound
from bot.models.base import utcnow



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _is_worker(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"bot.cli\x00worker" in f.read()
    except FileNotFoundError:
        return False


class Front:
    """One `ae-bot run` in HTTP mode, in a session of its own (so killpg never reaches pytest)."""

    def __init__(self, tmp_path: Path, db_url: str, slack, name: str = "run"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"{name}.log"
        self._log = open(self.log_path, "w")
        env = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_APP_TOKEN": "", "SLACK_API_URL": slack.api_url, "DATABASE_URL": db_url,
               "PORT": str(self.port), "LOG_LEVEL": "INFO"}
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.seen_workers: set[int] = set()

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def wait_healthy(self, timeout: float = 40) -> None:
        deadline = time.time() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.proc.poll() is None, f"ae-bot run exited:\n{self.log()[-3000:]}"
            assert time.time() < deadline, f"ae-bot run did not come up:\n{self.log()[-3000:]}"
            time.sleep(0.05)

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout.split()
        pids = [int(p) for p in out if _is_worker(p) and _alive(int(p))]
        self.seen_workers.update(pids)
        return pids

    def worker(self, timeout: float = 20, other_than: int | None = None) -> int:
        deadline = time.time() + timeout
        while True:
            found = [p for p in self.workers() if p != other_than]
            if len(found) == 1:
                return found[0]
            assert time.time() < deadline, f"worker processes: {found} (not exactly one new one)"
            time.sleep(0.05)

    def serving(self, pid: int) -> bool:
        """Worker `pid` has started claiming (its start-up line is in the log)."""
        return re.search(rf"worker \w+:{pid}:\d+: requests", self.log()) is not None

    def wait_serving(self, pid: int, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while not self.serving(pid):
            assert _alive(pid) and time.time() < deadline, f"worker {pid} did not start:\n{self.log()[-3000:]}"
            time.sleep(0.05)

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)

    def kill_everything(self) -> list[int]:
        """SIGKILL the front's group and every worker it started (each in a session of its own)."""
        workers = set(self.workers()) | self.seen_workers
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for w in workers:
            try:
                os.killpg(w, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(10)
        for w in workers:
            _wait_gone(w)
        return sorted(workers)

    def stop(self) -> str:
        """SIGTERM (the front stops its worker); anything left after that is killed. Returns the log."""
        if self.proc.poll() is None:
            self.workers()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                pass
        left = [w for w in self.seen_workers if _alive(w)]
        if self.proc.poll() is None or left:
            self.kill_everything()
        out = self.log()
        self._log.close()
        return out


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.time() + timeout
    while _alive(pid):
        assert time.time() < deadline, f"process {pid} did not die"
        time.sleep(0.01)


class Burst:
    """POST signed bodies to /slack/events from a pool of threads, in the background."""

    def __init__(self, url: str, bodies: list[tuple[str, bytes, str]], threads: int = 8, timeout: float = 20,
                 pause: float = 0.0, hold_at: int | None = None):
        """`pause`: seconds each thread waits after each request (people type; Slack is not a flood).
        `hold_at`: the requests from that one on wait for `release()` — a kill then lands inside the
        burst however slow the machine is, rather than by a race against it."""
        self.url, self.bodies, self.timeout, self.pause = url, bodies, timeout, pause
        self.hold_at, self._go = hold_at, threading.Event()
        self.status: dict[str, int | str] = {}
        self.started = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(threads)
        self._futures = [self._pool.submit(self._one, key, body, ctype) for key, body, ctype in bodies]

    def _one(self, key: str, body: bytes, ctype: str) -> None:
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(timeout=self.timeout)
        with self._lock:
            n = self.started
            self.started += 1
        if self.hold_at is not None and n >= self.hold_at:
            self._go.wait(self.timeout * 6)
        try:
            r = client.post(f"{self.url}/slack/events", content=body,
                            headers={"Content-Type": ctype, **sign(body)})
            result: int | str = r.status_code
        except httpx.HTTPError as e:
            result = type(e).__name__
        with self._lock:
            self.status[key] = result
        time.sleep(self.pause)

    def release(self) -> None:
        self._go.set()

    @property
    def answered(self) -> list[str]:
        with self._lock:
            return [k for k, v in self.status.items() if v == 200]

    def snapshot(self) -> dict:
        with self._lock:
            return {"sent": self.started, "finished": len(self.status),
                    "acked": sum(1 for v in self.status.values() if v == 200)}

    def wait_answered(self, n: int, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while len(self.answered) < n:
            assert time.time() < deadline, f"only {len(self.answered)} answered: {Counter(self.status.values())}"
            time.sleep(0.002)

    def join(self, timeout: float = 120) -> Counter:
        self.release()
        for f in self._futures:
            f.result(timeout)
        self._pool.shutdown()
        return Counter(self.status.values())


# --- the database, seen from the test -----------------------------------------------------------------

def held(db) -> dict:
    """What is held under a lease right now: the kinds of the effects being sent, the number of
    requests claimed, and their lease tokens. Taken just after a worker is killed and before its
    replacement has started, it is exactly what the dead worker held."""
    with db.transaction() as s:
        fx = s.execute(sa.select(Effect.kind, Effect.lease_token).where(Effect.state == "sending")).all()
        req = s.execute(sa.select(Inbound.lease_token).where(Inbound.state == "claimed")).scalars().all()
    return {"effects": dict(Counter(k for k, _ in fx)), "requests": len(req),
            "tokens": {t for _, t in fx} | set(req)}


def expire_leases(db, tokens: set[str] | None = None) -> tuple[int, int]:
    """These leases (all, when None) run out now, as a dead holder's do after 60 s. Returns how many
    (requests, effects) that was."""
    past = utcnow() - timedelta(minutes=5)

    def mine(col):
        return sa.true() if tokens is None else col.in_(sorted(tokens) or [""])

    with db.transaction() as s:
        r = s.execute(sa.update(Inbound).where(Inbound.state == "claimed", mine(Inbound.lease_token))
                      .values(lease_until=past).execution_options(synchronize_session=False)).rowcount
        e = s.execute(sa.update(Effect).where(Effect.state == "sending", mine(Effect.lease_token))
                      .values(lease_until=past).execution_options(synchronize_session=False)).rowcount
    return r, e


def states(db) -> tuple[dict, dict]:
    with db.transaction() as s:
        inbound = dict(s.execute(sa.select(Inbound.state, sa.func.count()).group_by(Inbound.state)).all())
        effect = dict(s.execute(sa.select(Effect.state, sa.func.count()).group_by(Effect.state)).all())
    return inbound, effect


def wait_settled(db, timeout: float = 60) -> tuple[dict, dict]:
    """Until no request waits and no effect is pending or being sent."""
    deadline = time.time() + timeout
    while True:
        inbound, effect = states(db)
        if not (inbound.get("new") or inbound.get("claimed") or effect.get("pending") or effect.get("sending")):
            return inbound, effect
        assert time.time() < deadline, f"not settled: inbound {inbound}, effects {effect}"
        time.sleep(0.1)
