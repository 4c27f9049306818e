"""Ack latency and throughput of ae-bot against the floor of its stack (issue 2, section 8).

    python bench/ack_latency.py [--seconds 20] [--connections 50] [--database-url URL]

What it does, all on 127.0.0.1:

1. starts the fake Slack Web API (tests/fake_slack.py, latency 0) in its own process, counting the
   calls the bot makes after each ack instead of keeping them;
2. seeds minutes with attendees for the sign-off clicks through the service layer, then starts OUR
   bot as `python -m bot.cli run` (HTTP mode: no SLACK_APP_TOKEN) against the fake and waits for
   GET /healthz;
3. starts the FLOOR (bench/floor_app.py): a bare Bolt AsyncApp that only acks, under uvicorn through
   the same Starlette adapter and uvicorn settings;
4. for `/minutes`, a valid minutes-modal `view_submission` (a distinct view id per body, built from
   the view our bot renders) and a `minutes_sign_off` click by an attendee, runs
   `wrk --latency` for --seconds with --connections against the floor and then against ours, with
   bodies signed just before each run and cycled from a table in the Lua script;
5. prints a Markdown table (p50, p99, req/s, ratios, target p99 <= 1.5x floor and throughput >=
   0.7x floor), the command line, what the bot did behind the acks (Web API calls, how long it
   took to catch up after the load stopped, ERROR lines in its log) and where the CPU went.

Exit status: 0 all rows meet the target; 2 some row misses it; 1 the run itself is not valid
(non-200 answers, socket errors/timeouts, validation errors in an ack, a process died).
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
KINDS = ("minutes", "submit", "signoff")
LABELS = {"minutes": "`/minutes` slash command", "submit": "minutes modal `view_submission`",
          "signoff": "`minutes_sign_off` click"}
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
    pairs: list[tuple[int, str, str, str]]        # (minutes id, clicker, message ts, message blocks json)
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
        per_minutes.append((card.minutes.id, ts, json.dumps(render.summary(card)["blocks"])))
    # Interleave: consecutive clicks land on different minutes, like many meetings being signed at once.
    pairs = [(mid, user, ts, blocks) for user in attendees for (mid, ts, blocks) in per_minutes]
    return Seeded(pairs=pairs, minutes_ids=[m[0] for m in per_minutes])


class Bodies:
    """Builds the three request bodies; `signed(kind, n)` returns n (ts, signature, body) lines."""

    def __init__(self, fake: Fake, seeded: Seeded):
        from bot.render import minutes as render

        self.fake, self.seeded = fake, seeded
        self.run_id = secrets.token_hex(3).upper()   # view ids stay unique across runs on one database
        fields = example("slash_command.txt")
        fields.update(trigger_id=f"{SEQ}.trigger", response_url=fake.response_url(f"cmd{SEQ}"))
        self.minutes_tpl = urlencode(fields)

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
            for i, (mid, user, ts, blocks) in enumerate(self.seeded.pairs):
                p = example("block_actions.json")
                p["user"] = {**p["user"], "id": user, "username": user.lower(), "name": user.lower()}
                p["trigger_id"] = f"{i}.{self.run_id}.trigger"
                p["container"] = {**p["container"], "channel_id": CHANNEL, "message_ts": ts}
                p["channel"] = {"id": CHANNEL, "name": "spring-campaign"}
                p["message"] = {**p["message"], "ts": ts, "blocks": json.loads(blocks)}
                p["response_url"] = self.fake.response_url(f"act{i}")
                p["actions"][0].update(action_id="minutes_sign_off", block_id="minutes_actions", value=str(mid))
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
            tpl = self.minutes_tpl if kind == "minutes" else self.submit_tpl
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

    @property
    def failures(self) -> list[str]:
        out = []
        if self.non2xx or self.non200:
            out.append(f"{max(self.non2xx, self.non200)} non-200 answers")
        errs = {k: v for k, v in self.socket_errors.items() if v}
        if errs:
            out.append("socket errors " + ", ".join(f"{k} {v}" for k, v in errs.items()))
        if self.nonempty:
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
    env = {**os.environ, "BENCH_DATA": str(data), "BENCH_THREADS": str(args.threads)}
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
    calls_run: dict                 # fake Slack calls during the run
    calls_drain: dict = field(default_factory=dict)
    drain_s: float = 0.0
    drained: bool = True
    errors_run: int = 0
    errors_drain: int = 0


def count_errors(log: Path, offset: int) -> tuple[int, int, list[str]]:
    """ERROR lines in the bot's log since byte offset; returns (count, new offset, first messages)."""
    with open(log, "rb") as f:
        f.seek(offset)
        data = f.read()
    lines = data.decode("utf-8", "replace").splitlines()
    errors = [ln for ln in lines if "ERROR" in ln]
    return len(errors), offset + len(data), errors[:5]


def diff(a: dict, b: dict) -> dict:
    return {k: b.get(k, 0) - a.get(k, 0) for k in sorted(set(a) | set(b)) if b.get(k, 0) - a.get(k, 0)}


def wait_drain(fake: Fake, bot: Server, cap: float) -> tuple[float, bool]:
    """Wait until the bot stops calling Slack and goes idle; returns (seconds from the end of the load
    to its last activity, whether it went idle within cap)."""
    start = last_activity = time.time()
    total, cpu = sum(fake.stats()[0].values()), cpu_seconds(bot.proc.pid)
    while time.time() - start < cap:
        time.sleep(0.25)
        now_total, now_cpu = sum(fake.stats()[0].values()), cpu_seconds(bot.proc.pid)
        if now_total != total or now_cpu - cpu > 0.025:       # a call, or more than 10% of a core
            last_activity = time.time()
        elif time.time() - last_activity >= 1.5:
            return last_activity - start, True
        total, cpu = now_total, now_cpu
    return time.time() - start, False


# --------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=int, default=20, help="length of each wrk run (default 20)")
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
    ap.add_argument("--timeout", type=int, default=5, help="wrk request timeout in s (Slack gives 3 s)")
    ap.add_argument("--drain-cap", type=float, default=90, help="max seconds to wait for the bot to catch up")
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
        offset = count_errors(bot.log, 0)[1]
        first_errors: list[str] = []
        used = {"minutes": 1000, "submit": 1000}     # sequence numbers already spent on sanity checks
        for kind in kinds:
            for target, server in (("floor", floor), ("ours", bot)):
                wanted = bodies.distinct(kind, args.seconds * args.bodies_per_second)
                data = tmp / f"{kind}-{target}.dat"
                data.write_text("".join(bodies.signed(kind, wanted, used.get(kind, 0))))
                used[kind] = used.get(kind, 0) + wanted
                pids = {"ours": bot.proc.pid, "floor": floor.proc.pid, "fake": fake.pid}
                cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
                calls0, _ = fake.stats()
                print(f"wrk: {kind} -> {target} ({args.seconds}s, {args.connections} connections, "
                      f"{wanted} distinct bodies)", file=sys.stderr)
                t_run = time.time()
                res, wrk_cpu = run_wrk(server.url, data, script, args)
                wall = time.time() - t_run
                calls1, _ = fake.stats()
                cpu = {k: 100 * (cpu_seconds(p) - cpu0[k]) / wall for k, p in pids.items()}
                cpu["wrk"] = 100 * wrk_cpu / wall
                data.unlink()
                ph = Phase(kind, target, res, wanted, cpu, diff(calls0, calls1))
                n, offset, errs = count_errors(bot.log, offset)
                ph.errors_run = n
                first_errors += errs
                if target == "ours":
                    ph.drain_s, ph.drained = wait_drain(fake, bot, args.drain_cap)
                    calls2, _ = fake.stats()
                    ph.calls_drain = diff(calls1, calls2)
                    n, offset, errs = count_errors(bot.log, offset)
                    ph.errors_drain = n
                    first_errors += errs
                for s in (bot, floor):
                    if not s.alive():
                        raise RuntimeError(f"{s.name} died during the {kind} run; log {s.log}")
                phases[kind, target] = ph
                print(f"     p50 {res.p50:.2f} ms  p99 {res.p99:.2f} ms  {res.rps:.0f} req/s  "
                      f"{'; '.join(res.failures) or 'all 200'}", file=sys.stderr)

        signed_off = count_signoffs(db, seeded) if "signoff" in kinds else None
        total_errors = count_errors(bot.log, 0)[0]
        return report(phases, kinds, args, command_line, total_errors, first_errors, signed_off,
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
    checks = {"minutes": "views.open", "submit": "chat.getPermalink", "signoff": "chat.update"}
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
                if r.status != 200 or answer not in (b"", b"{}"):
                    raise RuntimeError(f"{server.name} answered {kind} with {r.status} {answer[:300]!r}")
            if server is bot:
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


def report(phases, kinds, args, command_line, total_errors, first_errors, signed_off, db_url, fake, tmp,
           elapsed) -> int:
    out = []
    w = out.append
    w("")
    w(f"### Ack latency: ae-bot vs a bare Bolt AsyncApp (the floor), {args.connections} connections, "
      f"{args.seconds} s each")
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
      f"wrk {args.threads} threads; {os.cpu_count()} CPU cores shared by wrk, the bot, the floor and the fake; "
      f"total {elapsed:.0f} s.")
    w("")
    w(f"Bot log: **{total_errors} ERROR line(s)**" + (" — first ones:" if first_errors else "."))
    for e in first_errors[:5]:
        w(f"    {e[:300]}")
    w("")
    w("What happened behind the acks (our bot; Web API calls counted at the fake):")
    w("")
    w("| request | requests acked | distinct bodies | Slack calls during run | caught up after load stopped "
      "| calls after load stopped | ERROR lines run/after | CPU % (ours / floor / fake / wrk) |")
    w("|---|---:|---:|---|---:|---|---:|---|")
    for kind in kinds:
        ph = phases[kind, "ours"]
        fl = phases[kind, "floor"]
        calls = ", ".join(f"{k} {v:,}" for k, v in ph.calls_run.items()) or "none"
        after = ", ".join(f"{k} {v:,}" for k, v in ph.calls_drain.items()) or "none"
        drain = f"{ph.drain_s:.1f} s" if ph.drained else f"not within {ph.drain_s:.0f} s"
        c = ph.cpu
        w(f"| {LABELS[kind]} | {ph.wrk.requests:,} | {ph.distinct:,} | {calls} | {drain} | {after} | "
          f"{ph.errors_run}/{ph.errors_drain} | ours run: {c['ours']:.0f} / {c['floor']:.0f} / {c['fake']:.0f} / "
          f"{c['wrk']:.0f}; floor run: {fl.cpu['ours']:.0f} / {fl.cpu['floor']:.0f} / {fl.cpu['fake']:.0f} / "
          f"{fl.cpu['wrk']:.0f} |")
    if signed_off is not None:
        ph = phases["signoff", "ours"]
        w("")
        w(f"Sign-off clicks: {ph.wrk.requests:,} acked, {signed_off:,} counted as new sign-offs "
          f"(the rest were repeat clicks, answered with an ephemeral \"already signed\").")
    w("")
    if invalid:
        w("**INVALID RUN** — " + "; ".join(invalid))
    print("\n".join(out))
    if invalid:
        print("\nFAIL: the run is not valid: " + "; ".join(invalid), file=sys.stderr)
        return 1
    return 2 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
