"""Ack latency and throughput of ae-bot against the floor of its stack (issue 2, section 8).

    python bench/ack_latency.py [--seconds 10] [--connections 50] [--drain-cap 120] [--database-url URL]

What it does, all on 127.0.0.1:

1. starts the fake Slack Web API (tests/fake_slack.py, latency 0) in its own process, counting the
   calls the bot makes after each ack instead of keeping them;
2. seeds minutes with attendees for the sign-off clicks through the service layer, then starts OUR
   bot as `python -m bot.cli run` (HTTP mode: no SLACK_APP_TOKEN) against the fake and waits for
   GET /healthz; "ours" is that process and the worker process it starts (CPU is counted for both);
3. starts the FLOOR (bench/floor_app.py): a bare Bolt AsyncApp that only acks, under uvicorn through
   the same Starlette adapter and uvicorn settings;
4. for `/minutes` (a work route: the worker opens the modal), `/ae help` (an own_ack route answered
   in the front with the help message; its ack body is expected), a valid minutes-modal `view_submission` (a distinct view id per body, built from
   the view our bot renders) and a `minutes_sign_off` click by an attendee, runs
   `wrk --latency` for --seconds with --connections against the floor and then against ours, with
   bodies signed just before each run and cycled from a table in the Lua script;
5. prints a Markdown table (p50, p99, req/s, ratios, target p99 <= 1.5x floor and throughput >=
   0.7x floor), the command line, what the bot did behind the acks (Web API calls, how long it
   took to catch up after the load stopped — the next run waits, up to --drain-cap seconds, until no
   `inbound` and no `effect` row is left not done in the bot's database, and the rows still left are
   reported — ERROR lines in its log) and where the CPU went (per
   process, CPU ms per request, and CPU used by unrelated processes, which skews a shared machine).

By default wrk sends as fast as the servers answer (closed loop: 50 connections, each sends its next
request when the previous one is answered), which measures saturation. `--rate N` paces wrk to
about N requests/s in total instead, to compare ack latency at a load both can sustain.

Exit status: 0 all rows meet the target; 2 some row misses it; 1 requests failed (non-200 answers,
e.g. Bolt's 404 when an ack takes over 3 s; socket errors/timeouts; validation errors in an ack) or
a process died.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import multiprocessing
import os
import re
import resource
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
for p in (str(ROOT / "tests"), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

from harness import example, fill_state, sign  # noqa: E402  (tests/harness.py: real payload shapes)

PYTHON = sys.executable
SECRET = "bench-signing-secret-" + "0" * 12
TOKEN = "xoxb-bench"
TEAM = "T0ACME"
AUTHOR = "U0AE"
CHANNEL = "C0MEET"
SEQ = "BENCHSEQ0000000000"          # placeholder replaced in body templates (survives urlencode)
KINDS = ("minutes", "help", "submit", "signoff")
LABELS = {"minutes": "`/minutes` slash command", "help": "`/ae help` (own_ack, answered in the front)",
          "submit": "minutes modal `view_submission`", "signoff": "`minutes_sign_off` click"}
ANSWERED = {"help"}                 # kinds whose ack carries a body (the help message): not a failure
P99_MAX, RPS_MIN = 1.5, 0.7

LUA = r"""
-- Cycle pre-signed requests; thread k sends lines k, k+T, k+2T... so no body repeats before all are used.
local threads, nthreads = {}, 0
function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end
function init(args)
  local path, total = os.getenv("BENCH_DATA"), tonumber(os.getenv("BENCH_THREADS"))
  reqs, n, idx, non200, nonempty, sample = {}, 0, 0, 0, 0, ""
  local i = 0
  for line in io.lines(path) do
    if i % total == tid then
      local ts, sig, body = line:match("^(%S+) (%S+) (.*)$")
      n = n + 1
      reqs[n] = wrk.format("POST", "/slack/events", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = ts, ["X-Slack-Signature"] = sig}, body)
    end
    i = i + 1
  end
end
local pace = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if pace > 0 then
  function delay()   -- paced mode: each connection waits ~pace ms (randomised) between requests
    return math.random() * 2 * pace
  end
end
function request()
  idx = idx + 1
  if idx > n then idx = 1 end
  return reqs[idx]
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
  if body ~= nil and #body > 0 then
    nonempty = nonempty + 1
    if sample == "" then sample = string.sub(body, 1, 300) end
  end
end
function done(summary, latency, requests)
  local a, b, s = 0, 0, ""
  for _, t in ipairs(threads) do
    a = a + t:get("non200")
    b = b + t:get("nonempty")
    if s == "" then s = t:get("sample") end
  end
  io.write(string.format("BENCH non200=%d nonempty=%d\n", a, b))
  if s ~= "" then io.write("BENCH sample=" .. string.gsub(s, "\n", " ") .. "\n") end
end
"""


# --------------------------------------------------------------------------------------------
# The fake Slack Web API, counting instead of recording (a 20 s run makes tens of thousands of calls)

def _counting_fake():
    from http.server import ThreadingHTTPServer

    from fake_slack import FakeSlack, _Handler

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 1024     # the stdlib default (5) drops SYNs under a burst of new connections

        def handle_error(self, request, client_address):   # a bot stopped mid-call resets its connections
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    class CountingFake(FakeSlack):
        def __init__(self):
            super().__init__()
            self.counts: collections.Counter = collections.Counter()
            self.last_call = 0.0

        def start(self):
            fake = self

            class Handler(_Handler):
                slack = fake

            self._server = Server(("127.0.0.1", 0), Handler)
            self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self.api_url = self.url + "/api/"
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.02}, daemon=True)
            self._thread.start()
            return self

        def _record(self, call) -> None:
            with self._lock:
                self.counts[call.method] += 1
                self.last_call = time.time()

        def stats(self) -> tuple[dict, float]:
            with self._lock:
                return dict(self.counts), self.last_call

    return CountingFake()


def _fake_process(conn) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent stops us
    fake = _counting_fake().start()
    conn.send(fake.url)
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            break
        if msg == "stats":
            conn.send(fake.stats())
        else:
            break
    fake.stop()


class Fake:
    """The fake Slack, in its own process (default) or in threads of this (otherwise idle) process."""

    def __init__(self, mode: str):
        self.mode = mode
        if mode == "process":
            ctx = multiprocessing.get_context("spawn")
            self._conn, child = ctx.Pipe()
            self.proc = ctx.Process(target=_fake_process, args=(child,), daemon=True, name="fake-slack")
            self.proc.start()
            if not self._conn.poll(30):
                raise RuntimeError("the fake Slack did not start")
            self.url = self._conn.recv()
            self.pid = self.proc.pid
        else:
            self.proc = None
            self._fake = _counting_fake().start()
            self.url = self._fake.url
            self.pid = os.getpid()
        self.api_url = self.url + "/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/response/{key}"

    def stats(self) -> tuple[dict, float]:
        if self.proc is None:
            return self._fake.stats()
        self._conn.send("stats")
        return self._conn.recv()

    def stop(self) -> None:
        if self.proc is None:
            self._fake.stop()
            return
        with contextlib.suppress(Exception):
            self._conn.send("stop")
        self.proc.join(3)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(3)


# --------------------------------------------------------------------------------------------
# Processes

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a live process (all its threads)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and its children: `ae-bot run` is the front plus its worker process."""
    total = cpu_seconds(pid)
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in children.read_text().split():
                total += tree_cpu_seconds(int(child))
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (user, nice, system, irq, softirq, steal)."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / os.sysconf("SC_CLK_TCK")


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class Server:
    def __init__(self, name: str, argv: list[str], env: dict, port: int, log: Path, cwd: Path):
        self.name, self.port, self.log = name, port, log
        self.url = f"http://127.0.0.1:{port}"
        self._log_file = open(log, "wb")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; log {self.log}:\n"
                                   + self.log.read_text()[-3000:])
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer GET /healthz within {timeout:.0f}s; log {self.log}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(8)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log_file.close()


# --------------------------------------------------------------------------------------------
# Requests: real payload shapes (../shared/slack-payloads via tests/harness.py), ids varied per body

@dataclass
class Seeded:
    pairs: list[tuple[str, str, str, str]]        # (button value, clicker, message ts, message blocks json)
    minutes_ids: list[int]


def seed_signoffs(db, n_minutes: int, n_attendees: int) -> Seeded:
    """Minutes with attendees, posted (message ts set) as if the bot had posted their summaries."""
    from bot.models import MeetingKind
    from bot.render import minutes as render
    from bot.services import minutes as service

    attendees = [AUTHOR] + [f"U0S{i:03d}" for i in range(1, n_attendees)]
    today = date.today()
    per_minutes = []
    for n in range(n_minutes):
        draft = service.MinutesDraft(
            kind=MeetingKind.client_meeting, title=f"Bench meeting {n}", held_on=today, place="Acme HQ",
            attendee_ids=attendees, external_names=["Dana (Acme)"], notes="Budget is tight.",
            decisions="Go with concept B.",
            items=[service.ItemDraft(text="Send the media plan", owner_id=attendees[1 % len(attendees)],
                                     due_on=today + timedelta(days=10))])
        card, _ = service.create(db, TEAM, AUTHOR, CHANNEL, draft, today)
        ts = f"1700000000.{n + 1:06d}"
        service.set_message(db, TEAM, card.minutes.id, CHANNEL, ts,
                            f"https://acme.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}")
        blocks = render.summary(card)["blocks"]
        per_minutes.append((card.minutes.id, _button_value(blocks, "minutes_sign_off", card.minutes.id), ts,
                            json.dumps(blocks)))
    # Interleave: consecutive clicks land on different minutes, like many meetings being signed at once.
    pairs = [(value, user, ts, blocks) for user in attendees for (_, value, ts, blocks) in per_minutes]
    return Seeded(pairs=pairs, minutes_ids=[m[0] for m in per_minutes])


def _button_value(blocks: list, action_id: str, default) -> str:
    """The value the rendered button carries (e.g. "42:1", minutes id and version), as Slack sends it back."""
    for b in blocks:
        for el in (b.get("elements") or []) + ([b["accessory"]] if b.get("accessory") else []):
            if isinstance(el, dict) and el.get("action_id") == action_id:
                return el.get("value", str(default))
    return str(default)


class Bodies:
    """Builds the three request bodies; `signed(kind, n)` returns n (ts, signature, body) lines."""

    def __init__(self, fake: Fake, seeded: Seeded):
        from bot.render import minutes as render

        self.fake, self.seeded = fake, seeded
        self.run_id = secrets.token_hex(3).upper()   # view ids stay unique across runs on one database
        fields = example("slash_command.txt")
        fields.update(trigger_id=f"{SEQ}.trigger", response_url=fake.response_url(f"cmd{SEQ}"))
        self.minutes_tpl = urlencode(fields)
        fields = example("slash_command.txt")
        fields.update(command="/ae", text="help", trigger_id=f"{SEQ}.trigger",
                      response_url=fake.response_url(f"cmd{SEQ}"))
        self.help_tpl = urlencode(fields)

        today = date.today()
        view = render.minutes_modal({"channel": CHANNEL, "ru": fake.response_url("submit")},
                                    title="Spring campaign kick-off", today=today, author_id=AUTHOR)
        values = {"kind": "client_meeting", "title": "Spring campaign kick-off", "held_on": today,
                  "place": "Acme HQ", "attendees": [AUTHOR, "U0ALICE", "U0BOB"], "external": "Dana (Acme)",
                  "notes": "Budget is tight.", "decisions": "Go with concept B.",
                  "item_0_text": "Send the media plan", "item_0_owner": "U0ALICE",
                  "item_0_due": today + timedelta(days=10)}
        p = example("view_submission.json")
        p["view"] = {**p["view"], **view, "id": f"V{SEQ}", "root_view_id": f"V{SEQ}", "hash": f"1764000040.{SEQ}",
                     "state": {"values": fill_state(view, values)}}
        self.submit_tpl = urlencode({"payload": json.dumps(p)})
        self._signoff_cache: list[str] | None = None

    def _signoff_bodies(self) -> list[str]:
        if self._signoff_cache is None:
            out = []
            for i, (value, user, ts, blocks) in enumerate(self.seeded.pairs):
                p = example("block_actions.json")
                p["user"] = {**p["user"], "id": user, "username": user.lower(), "name": user.lower()}
                p["trigger_id"] = f"{i}.{self.run_id}.trigger"
                p["container"] = {**p["container"], "channel_id": CHANNEL, "message_ts": ts}
                p["channel"] = {"id": CHANNEL, "name": "spring-campaign"}
                p["message"] = {**p["message"], "ts": ts, "blocks": json.loads(blocks)}
                p["response_url"] = self.fake.response_url(f"act{i}")
                p["actions"][0].update(action_id="minutes_sign_off", block_id="minutes_actions", value=value)
                out.append(urlencode({"payload": json.dumps(p)}))
            self._signoff_cache = out
        return self._signoff_cache

    def distinct(self, kind: str, wanted: int) -> int:
        return min(wanted, len(self.seeded.pairs)) if kind == "signoff" else wanted

    def signed(self, kind: str, n: int, start: int = 0) -> list[str]:
        now = int(time.time())
        lines = []
        if kind == "signoff":
            pool = self._signoff_bodies()
            bodies = (pool[i % len(pool)] for i in range(min(n, len(pool))))
        else:
            tpl = {"minutes": self.minutes_tpl, "help": self.help_tpl, "submit": self.submit_tpl}[kind]
            bodies = (tpl.replace(SEQ, f"{self.run_id}{start + i:09d}") for i in range(n))
        for body in bodies:
            h = sign(body.encode(), now, SECRET)
            lines.append(f"{h['X-Slack-Request-Timestamp']} {h['X-Slack-Signature']} {body}\n")
        return lines


# --------------------------------------------------------------------------------------------
# wrk

@dataclass
class WrkResult:
    p50: float = float("nan")      # ms
    p99: float = float("nan")
    rps: float = float("nan")
    requests: int = 0
    non2xx: int = 0                # wrk's "Non-2xx or 3xx responses"
    non200: int = 0                # from the Lua response() hook: anything but 200
    nonempty: int = 0              # ack bodies that were not empty (e.g. response_action errors)
    socket_errors: dict = field(default_factory=dict)
    sample: str = ""
    raw: str = ""
    body_expected: bool = False    # own_ack answers (e.g. /ae help) carry a body on purpose

    @property
    def failures(self) -> list[str]:
        out = []
        if self.non2xx or self.non200:
            out.append(f"{max(self.non2xx, self.non200)} non-200 answers")
        errs = {k: v for k, v in self.socket_errors.items() if v}
        if errs:
            out.append("socket errors " + ", ".join(f"{k} {v}" for k, v in errs.items()))
        if self.nonempty and not self.body_expected:
            out.append(f"{self.nonempty} acks with a body (e.g. {self.sample[:120]!r})")
        if self.requests == 0:
            out.append("no requests completed")
        return out


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> WrkResult:
    r = WrkResult(raw=out)
    for pct, attr in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        if m:
            setattr(r, attr, _ms(m.group(1)))
    if m := re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M):
        r.rps = float(m.group(1))
    if m := re.search(r"^\s*(\d+) requests in", out, re.M):
        r.requests = int(m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        r.non2xx = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        r.socket_errors = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
    if m := re.search(r"^BENCH non200=(\d+) nonempty=(\d+)", out, re.M):
        r.non200, r.nonempty = int(m.group(1)), int(m.group(2))
    if m := re.search(r"^BENCH sample=(.*)$", out, re.M):
        r.sample = m.group(1)
    return r


_running_wrk: list[subprocess.Popen] = []


def run_wrk(url: str, data: Path, script: Path, args) -> tuple[WrkResult, float]:
    """Returns the parsed result and wrk's own CPU seconds."""
    argv = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
            f"--timeout={args.timeout}s", "-s", str(script), url + "/slack/events"]
    env = {**os.environ, "BENCH_DATA": str(data), "BENCH_THREADS": str(args.threads),
           "BENCH_DELAY_MS": str(args.connections * 1000 / args.rate if args.rate else 0)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    _running_wrk.append(proc)
    try:
        out, _ = proc.communicate(timeout=args.seconds + 120)
    finally:
        _running_wrk.remove(proc)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{out}")
    return parse_wrk(out), cpu


# --------------------------------------------------------------------------------------------
# One measurement

@dataclass
class Phase:
    kind: str
    target: str
    wrk: WrkResult
    distinct: int
    cpu: dict                       # process -> CPU % of one core during the run
    cpu_s: dict                     # process -> CPU seconds during the run
    calls_run: dict                 # fake Slack calls during the run
    calls_drain: dict = field(default_factory=dict)
    drain_s: float = 0.0
    drained: bool = True
    errors_run: int = 0
    errors_drain: int = 0
    warnings: int = 0               # WARNING lines, run + catch-up (e.g. Bolt's "didn't call ack()")
    drain_cpu_s: float = 0.0        # the bot's CPU seconds while it caught up
    backlog_end: tuple = (0, 0)     # (inbound rows not done, effect rows not done) when the load stopped
    backlog_left: tuple = (0, 0)    # the same when we stopped waiting

    def cpu_ms_per_request(self, proc: str) -> float:
        return 1000 * (self.cpu_s[proc] + self.drain_cpu_s) / max(self.wrk.requests, 1)


def scan_log(log: Path, offset: int = 0) -> tuple[int, int, int, collections.Counter]:
    """ERROR and WARNING lines in the bot's log since byte offset.

    Returns (errors, warnings, new offset, Counter of the distinct messages without their timestamps).
    """
    with open(log, "rb") as f:
        f.seek(offset)
        data = f.read()
    lines = data.decode("utf-8", "replace").splitlines()
    errors = [ln for ln in lines if "ERROR" in ln]
    warnings = [ln for ln in lines if "WARNING" in ln]
    distinct = collections.Counter(re.sub(r"^\S+ \S+ ", "", ln)[:200] for ln in errors + warnings)
    return len(errors), len(warnings), offset + len(data), distinct


def diff(a: dict, b: dict) -> dict:
    return {k: b.get(k, 0) - a.get(k, 0) for k in sorted(set(a) | set(b)) if b.get(k, 0) - a.get(k, 0)}


def backlog(db) -> tuple[int, int]:
    """(inbound rows not done, effect rows not done) in the bot's database: the worker's backlog.
    Rows in state 'failed' count too (they will never be done)."""
    import sqlalchemy as sa

    with db.transaction() as s:
        return tuple(s.execute(sa.text(
            "SELECT (SELECT count(*) FROM inbound WHERE state <> 'done'), "
            "(SELECT count(*) FROM effect WHERE state <> 'done')")).one())


def wait_drain(fake: Fake, bot: Server, db, cap: float) -> tuple[float, bool, tuple[int, int]]:
    """Wait until the worker's backlog (inbound and effect rows not done) is empty and the fake has seen
    no call for 0.5 s; returns (seconds from the end of the load to the last activity, whether that
    happened within cap, the backlog when we stopped waiting)."""
    start = last_activity = time.time()
    total = sum(fake.stats()[0].values())
    left = backlog(db)
    while time.time() - start < cap:
        time.sleep(0.25)
        now_total = sum(fake.stats()[0].values())
        left = backlog(db)
        if now_total != total or any(left):
            last_activity = time.time()
        elif time.time() - last_activity >= 0.5:
            return last_activity - start, True, left
        total = now_total
    return time.time() - start, False, left


# --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=10, help="length of each wrk run (default 10)")
    ap.add_argument("--connections", type=int, default=50, help="wrk connections (default 50)")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    ap.add_argument("--database-url", default="", help="default: a fresh SQLite file in a temp dir")
    ap.add_argument("--only", default=",".join(KINDS), help=f"comma-separated subset of {','.join(KINDS)}")
    ap.add_argument("--fake", choices=("process", "inline"), default="process",
                    help="fake Slack in its own process (default) or in threads of this process")
    ap.add_argument("--signoff-minutes", type=int, default=1500,
                    help="minutes seeded for the sign-off clicks (default 1500)")
    ap.add_argument("--attendees", type=int, default=8, help="attendees (signers) per seeded minutes")
    ap.add_argument("--bodies-per-second", type=int, default=2500,
                    help="distinct pre-signed bodies per second of run (default 2500; repeats beyond)")
    ap.add_argument("--rate", type=float, default=0,
                    help="pace wrk to about this many requests/s in total (default: as fast as it can)")
    ap.add_argument("--timeout", type=int, default=5, help="wrk request timeout in s (Slack gives 3 s)")
    ap.add_argument("--drain-cap", type=float, default=120,
                    help="max seconds to wait for the worker's backlog before the next run (default 120; "
                         "what is left is reported and still competes with the next rows)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, logs)")
    args = ap.parse_args(argv)
    kinds = [k for k in args.only.split(",") if k]
    if not set(kinds) <= set(KINDS):
        ap.error(f"--only takes {','.join(KINDS)}")
    if args.seconds > 240:
        ap.error("--seconds must be <= 240: signatures are valid for 5 minutes")
    if not shutil.which("wrk"):
        ap.error("wrk is not installed (Debian: apt-get install wrk)")
    command_line = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, ROOT)]
                                        + (sys.argv[1:] if argv is None else argv))

    def on_term(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="ae-bench-"))
    fake = bot = floor = None
    db = None
    try:
        t0 = time.time()
        fake = Fake(args.fake)
        db_url = args.database_url or f"sqlite:///{tmp}/bench.db"

        from bot.db import Database
        db = Database(db_url)
        db.upgrade()
        seeded = seed_signoffs(db, args.signoff_minutes if "signoff" in kinds else 1, args.attendees)
        print(f"seeded {len(seeded.minutes_ids)} minutes x {args.attendees} attendees "
              f"= {len(seeded.pairs)} distinct sign-off clicks in {time.time() - t0:.1f}s", file=sys.stderr)

        env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "PYTHONPATH")}
        env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake.api_url,
                   DATABASE_URL=db_url, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
        bot_port, floor_port = free_port(), free_port()
        # cwd is the temp dir so no stray .env (e.g. one with SLACK_APP_TOKEN) is read.
        bot = Server("ae-bot", [PYTHON, "-m", "bot.cli", "run"], {**env, "PORT": str(bot_port)},
                     bot_port, tmp / "bot.log", tmp)
        floor = Server("floor", [PYTHON, str(BENCH / "floor_app.py")], {**env, "PORT": str(floor_port)},
                       floor_port, tmp / "floor.log", tmp)
        bot.wait_healthy()
        floor.wait_healthy()
        bodies = Bodies(fake, seeded)
        sanity(bot, floor, fake, bodies, kinds)
        print(f"set-up done in {time.time() - t0:.1f}s; bot log {bot.log}", file=sys.stderr)

        script = tmp / "bench.lua"
        script.write_text(LUA)
        phases: dict[tuple[str, str], Phase] = {}
        offset = scan_log(bot.log)[2]
        used = {"minutes": 1000, "submit": 1000}     # sequence numbers already spent on sanity checks
        for kind in kinds:
            for target, server in (("floor", floor), ("ours", bot)):
                wanted = bodies.distinct(kind, args.seconds * args.bodies_per_second)
                data = tmp / f"{kind}-{target}.dat"
                data.write_text("".join(bodies.signed(kind, wanted, used.get(kind, 0))))
                used[kind] = used.get(kind, 0) + wanted
                pids = {"ours": bot.proc.pid, "floor": floor.proc.pid, "fake": fake.pid}
                cpu0 = {k: tree_cpu_seconds(p) for k, p in pids.items()}
                busy0, self0 = machine_busy_seconds(), self_cpu_seconds()
                calls0, _ = fake.stats()
                print(f"wrk: {kind} -> {target} ({args.seconds}s, {args.connections} connections, "
                      f"{wanted} distinct bodies)", file=sys.stderr)
                t_run = time.time()
                res, wrk_cpu = run_wrk(server.url, data, script, args)
                res.body_expected = kind in ANSWERED
                wall = time.time() - t_run
                calls1, _ = fake.stats()
                cpu_s = {k: tree_cpu_seconds(p) - cpu0[k] for k, p in pids.items()}
                cpu_s["wrk"] = wrk_cpu
                # Whatever else ran on the machine meanwhile (other test suites, ...) skews the comparison.
                cpu_s["others"] = max(0.0, machine_busy_seconds() - busy0 - sum(cpu_s.values())
                                      - (self_cpu_seconds() - self0))
                cpu = {k: 100 * v / wall for k, v in cpu_s.items()}
                data.unlink()
                ph = Phase(kind, target, res, wanted, cpu, cpu_s, diff(calls0, calls1))
                ph.errors_run, ph.warnings, offset, _ = scan_log(bot.log, offset)
                if target == "ours":
                    c0 = tree_cpu_seconds(bot.proc.pid)
                    ph.backlog_end = backlog(db)
                    ph.drain_s, ph.drained, ph.backlog_left = wait_drain(fake, bot, db, args.drain_cap)
                    ph.drain_cpu_s = max(0.0, tree_cpu_seconds(bot.proc.pid) - c0)
                    calls2, _ = fake.stats()
                    ph.calls_drain = diff(calls1, calls2)
                    ph.errors_drain, warnings, offset, _ = scan_log(bot.log, offset)
                    ph.warnings += warnings
                for s in (bot, floor):
                    if not s.alive():
                        raise RuntimeError(f"{s.name} died during the {kind} run; log {s.log}")
                phases[kind, target] = ph
                print(f"     p50 {res.p50:.2f} ms  p99 {res.p99:.2f} ms  {res.rps:.0f} req/s  "
                      f"{'; '.join(res.failures) or 'all 200'}", file=sys.stderr)

        signed_off = count_signoffs(db, seeded) if "signoff" in kinds else None
        return report(phases, kinds, args, command_line, scan_log(bot.log), signed_off,
                      db_url, fake, tmp, time.time() - t0)
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        for proc in list(_running_wrk):
            with contextlib.suppress(Exception):
                proc.kill()
        for s in (bot, floor):
            if s is not None:
                with contextlib.suppress(Exception):
                    s.stop()
        if fake is not None:
            with contextlib.suppress(Exception):
                fake.stop()
        if db is not None:
            db.dispose()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def sanity(bot: Server, floor: Server, fake: Fake, bodies: Bodies, kinds: list[str]) -> None:
    """One request of each kind to each server; the bot must ack with 200 and do its work behind it.

    This also warms both processes up (imports, auth.test, users.info for the author).
    """
    checks = {"minutes": "views.open", "help": None, "submit": "chat.getPermalink", "signoff": "chat.update"}
    for kind in kinds:
        for server in (floor, bot):
            before, _ = fake.stats()
            line = bodies.signed(kind, 1, start=999 if server is floor else 998)[0]
            ts, sig, body = line.rstrip("\n").split(" ", 2)
            req = urllib.request.Request(server.url + "/slack/events", data=body.encode(), method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
            with urllib.request.urlopen(req, timeout=10) as r:
                answer = r.read()
                if r.status != 200 or (answer not in (b"", b"{}")) != (kind in ANSWERED and server is bot):
                    raise RuntimeError(f"{server.name} answered {kind} with {r.status} {answer[:300]!r}")
            if server is bot and checks[kind]:
                want = checks[kind]
                deadline = time.time() + 10
                while fake.stats()[0].get(want, 0) <= before.get(want, 0):
                    if time.time() > deadline:
                        raise RuntimeError(f"after a {kind} request the bot never called {want}; "
                                           f"calls {diff(before, fake.stats()[0])}; log {bot.log}")
                    time.sleep(0.02)
    time.sleep(0.5)


def count_signoffs(db, seeded: Seeded) -> int:
    from sqlmodel import func, select

    from bot.models import SignOff

    with db.transaction() as s:
        return s.exec(select(func.count()).select_from(SignOff).where(
            SignOff.team_id == TEAM, SignOff.subject_id.in_(seeded.minutes_ids))).one()


def _fmt_ms(v: float) -> str:
    return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"


def report(phases, kinds, args, command_line, log_scan, signed_off, db_url, fake, tmp,
           elapsed) -> int:
    out = []
    w = out.append
    w("")
    pace = f", paced to about {args.rate:g} req/s" if args.rate else ""
    w(f"### Ack latency: ae-bot vs a bare Bolt AsyncApp (the floor), {args.connections} connections, "
      f"{args.seconds} s each{pace}")
    w("")
    w("| request | ours p50 | ours p99 | ours req/s | floor p50 | floor p99 | floor req/s | p99 ratio "
      "| throughput ratio | target (p99 ≤ 1.5×, req/s ≥ 0.7×) |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    invalid, missed = [], False
    for kind in kinds:
        o, f = phases[kind, "ours"].wrk, phases[kind, "floor"].wrk
        p99r, rpsr = o.p99 / f.p99, o.rps / f.rps
        ok_p, ok_r = p99r <= P99_MAX, rpsr >= RPS_MIN
        verdict = "pass" if ok_p and ok_r else "**FAIL** (" + ", ".join(
            x for x, ok in (("p99", ok_p), ("throughput", ok_r)) if not ok) + ")"
        missed |= not (ok_p and ok_r)
        w(f"| {LABELS[kind]} | {_fmt_ms(o.p50)} | {_fmt_ms(o.p99)} | {o.rps:,.0f} | {_fmt_ms(f.p50)} | "
          f"{_fmt_ms(f.p99)} | {f.rps:,.0f} | {p99r:.2f}× | {rpsr:.2f}× | {verdict} |")
        for target in ("ours", "floor"):
            for problem in phases[kind, target].wrk.failures:
                invalid.append(f"{LABELS[kind]} → {target}: {problem}")
    w("")
    w(f"Command: `{command_line}`  ")
    db_label = "SQLite (fresh file in a temp dir)" if not args.database_url else re.sub(r"//[^@/]*@", "//…@", db_url)
    w(f"Database: {db_label}; fake Slack Web API: latency 0, {'own process' if args.fake == 'process' else 'in the bench process'}; "
      f"wrk {args.threads} threads; {os.cpu_count()} CPU cores shared by wrk, the bot, the floor and the fake"
      + (" (and the PostgreSQL server, counted under other processes)" if "postgres" in db_url else "")
      + f"; total {elapsed:.0f} s.")
    w("")
    n_err, n_warn, _, distinct = log_scan
    w(f"Bot log (whole run, from start-up): **{n_err} ERROR line(s)**, {n_warn} WARNING line(s)"
      + (" — most frequent:" if distinct else "."))
    for msg, n in distinct.most_common(6):
        w(f"    {n:>6} x {msg}")
    w("")
    w("What happened behind the acks (our bot; Web API calls counted at the fake):")
    w("")
    w("| request | requests acked | distinct bodies | Slack calls during run | caught up after load stopped "
      "| calls after load stopped | ERROR lines run/after, WARNING lines | CPU % of a core (ours / floor / fake / wrk / other processes) "
      "| CPU ms per request: ours (run + catch-up) / floor |")
    w("|---|---:|---:|---|---:|---|---:|---|---|")
    for kind in kinds:
        ph = phases[kind, "ours"]
        fl = phases[kind, "floor"]
        calls = ", ".join(f"{k} {v:,}" for k, v in ph.calls_run.items()) or "none"
        after = ", ".join(f"{k} {v:,}" for k, v in ph.calls_drain.items()) or "none"
        drain = (f"{ph.drain_s:.1f} s" if ph.drained else f"not within {ph.drain_s:.0f} s") + (
            f" (backlog at load end: inbound {ph.backlog_end[0]:,}, effect {ph.backlog_end[1]:,}; "
            f"left: inbound {ph.backlog_left[0]:,}, effect {ph.backlog_left[1]:,})")
        c = ph.cpu
        w(f"| {LABELS[kind]} | {ph.wrk.requests:,} | {ph.distinct:,} | {calls} | {drain} | {after} | "
          f"{ph.errors_run}/{ph.errors_drain}, {ph.warnings} | ours run: {c['ours']:.0f} / {c['floor']:.0f} / {c['fake']:.0f} / "
          f"{c['wrk']:.0f} / {c['others']:.0f}; floor run: {fl.cpu['ours']:.0f} / {fl.cpu['floor']:.0f} / "
          f"{fl.cpu['fake']:.0f} / {fl.cpu['wrk']:.0f} / {fl.cpu['others']:.0f} | {'' if ph.drained else '≥ '}{ph.cpu_ms_per_request('ours'):.2f} / {fl.cpu_ms_per_request('floor'):.2f} |")
    busy = [f"{LABELS[k]} → {t} ({phases[k, t].cpu['others']:.0f}%)" for k in kinds for t in ("ours", "floor")
            if phases[k, t].cpu["others"] > 15]
    if busy:
        w("")
        w("**Warning: other processes used more than 15% of a core during** " + "; ".join(busy)
          + " — those figures are skewed; rerun on a quiet machine.")
    if signed_off is not None:
        ph = phases["signoff", "ours"]
        w("")
        w(f"Sign-off clicks: {ph.wrk.requests:,} acked (cycling {ph.distinct:,} "
          f"distinct attendee x minutes pairs; a repeat gets an ephemeral \"already signed\"); "
          f"{signed_off:,} sign-offs were in the database when the bench stopped"
          + ("" if ph.drained else " — the worker had not caught up, so some acked clicks were still waiting in the inbox") + ".")
    w("")
    if invalid:
        # Ours failing (e.g. Bolt's 404 "unhandled request" when ack() comes after 3 s) is a product failure
        # Slack would show the person; the floor failing or socket errors mean the measurement itself is off.
        w("**FAILED REQUESTS** — " + "; ".join(invalid))
    print("\n".join(out))
    if invalid:
        print("\nFAIL: requests failed: " + "; ".join(invalid), file=sys.stderr)
        return 1
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
