"""Effect latency: from the HTTP 200 of an ack to the Slack call it causes arriving at the Web API.

    python bench/effect_latency.py [--database-url URL] [--rate 20] [--paced-seconds 20]
                                   [--sat-seconds 15] [--clients 8] [--workers 1] [--only task,minutes]

Starts `ae-bot run` (HTTP mode, its worker process beside it; SQLite in a temp dir by default; with
--database-url postgresql://… a fresh schema `aebot_bench` is made and used through
`?options=-csearch_path%3Daebot_bench`) against bench/timed_fake_slack.py (own process, zero latency,
records arrival times), plus --workers − 1 extra `ae-bot worker` processes on the same database.
Then, for each kind:

  task:    signed `/task <@U0BOBk> bench item bx<run>n<N>` slash commands. The front answers these
           itself (own_ack: item written, `item_dm` effect recorded, committed, acked); the worker
           posts the DM. Latency = DM's chat.postMessage arriving at the fake − HTTP 200 at the client.
  minutes: signed `/minutes` slash commands with a distinct trigger id each (a work route: the worker
           opens the modal). Latency = views.open for that trigger arriving − HTTP 200.

first each paced at --rate requests/s for --paced-seconds (open loop: a request is sent every 1/rate s
whatever the answers), then each at saturation (--clients closed-loop clients for --sat-seconds). After each
phase it waits (up to --drain-cap s) until no `inbound`/`effect` row is left not done, and reports
p50/p99 of the latency over the requests whose call arrived, how many never arrived, the backlog when
the load stopped and when it stopped waiting, and the effects delivered per second (arrivals during
the load / load seconds, and all arrivals / time from the first request to the last arrival).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(BENCH)]

import aiohttp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from harness import example, sign  # noqa: E402

import timed_fake_slack  # noqa: E402

PYTHON = sys.executable
SECRET = "bench-signing-secret-" + "0" * 12
TOKEN = "xoxb-bench"
SCHEMA = "aebot_bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))]


def fresh_url(url: str) -> str:
    if not url:
        return ""
    from bot.settings import sqlalchemy_url

    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.begin() as c:
        c.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        c.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{SCHEMA}"


def backlog(db) -> tuple[int, int]:
    with db.transaction() as s:
        return tuple(s.execute(sa.text(
            "SELECT (SELECT count(*) FROM inbound WHERE state <> 'done'), "
            "(SELECT count(*) FROM effect WHERE state <> 'done')")).one())


class Proc:
    def __init__(self, name, argv, env, log: Path, cwd):
        self.name, self.log = name, log
        self._f = open(log, "wb")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=self._f,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._f.close()


def wait_healthy(url: str, proc: Proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.proc.poll() is not None:
            raise RuntimeError(f"{proc.name} exited: {proc.log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"{proc.name} not healthy")


class Driver:
    def __init__(self, bot_url: str, fake_url: str, run: str):
        self.bot_url, self.fake_url, self.run = bot_url, fake_url, run
        self.seq = 0
        base = example("slash_command.txt")
        self.base = base

    def body(self, kind: str) -> tuple[str, bytes]:
        self.seq += 1
        n = self.seq
        f = dict(self.base)
        key = f"bx{self.run}n{n}"
        f.update(trigger_id=f"{key}.trigger", response_url=f"{self.fake_url}/response/{key}")
        if kind == "task":
            f.update(command="/task", text=f"<@U0BOB{n % 50}> bench item {key}")
        else:
            f.update(command="/minutes", text="Spring campaign kick-off")
            key = f"{key}.trigger"
        return key, urlencode(f).encode()

    async def one(self, session: aiohttp.ClientSession, kind: str, out: list) -> None:
        key, body = self.body(kind)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, None, SECRET)}
        t0 = time.time()
        try:
            async with session.post(self.bot_url + "/slack/events", data=body, headers=headers) as r:
                await r.read()
                status = r.status
        except Exception as e:  # noqa: BLE001
            status = type(e).__name__
        out.append((key, t0, time.time(), status))

    async def paced(self, kind: str, rate: float, seconds: float) -> list:
        out: list = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200),
                                         timeout=aiohttp.ClientTimeout(total=10)) as session:
            start = time.monotonic()
            tasks = []
            i = 0
            while (t := start + i / rate) < start + seconds:
                await asyncio.sleep(max(0.0, t - time.monotonic()))
                tasks.append(asyncio.ensure_future(self.one(session, kind, out)))
                i += 1
            await asyncio.gather(*tasks)
        return out

    async def saturate(self, kind: str, clients: int, seconds: float) -> list:
        out: list = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                         timeout=aiohttp.ClientTimeout(total=10)) as session:
            end = time.monotonic() + seconds

            async def client():
                while time.monotonic() < end:
                    await self.one(session, kind, out)

            await asyncio.gather(*(client() for _ in range(clients)))
        return out


def worker_pids(pid: int) -> list[int]:
    """`ae-bot run`'s worker child(ren)."""
    out = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in children.read_text().split()]
    return out


def fake_stats(conn):
    conn.send("stats")
    return conn.recv()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", default="")
    ap.add_argument("--rate", type=float, default=20)
    ap.add_argument("--paced-seconds", type=float, default=20)
    ap.add_argument("--sat-seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1, help="worker processes in all (run's own + extra)")
    ap.add_argument("--only", default="task,minutes")
    ap.add_argument("--phases", default="paced,sat")
    ap.add_argument("--drain-cap", type=float, default=90)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--pause-workers", action="store_true",
                    help="saturation phases: SIGSTOP every worker process during the load, SIGCONT after, and "
                         "report the rate at which the workers deliver the backlog built up (the front alone "
                         "can't outrun them on PostgreSQL)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ae-effect-"))
    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=timed_fake_slack.serve, args=(child,), daemon=True)
    fake.start()
    fake_url = parent.recv()
    procs: list[Proc] = []
    db = None
    rows = []
    try:
        db_url = fresh_url(args.database_url) or f"sqlite:///{tmp}/bench.db"
        from bot.db import Database

        db = Database(db_url)
        db.upgrade()
        env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "PYTHONPATH")}
        port = free_port()
        env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=fake_url + "/api/",
                   DATABASE_URL=db_url, LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT), PORT=str(port))
        bot = Proc("ae-bot run", [PYTHON, "-m", "bot.cli", "run"], env, tmp / "bot.log", tmp)
        procs.append(bot)
        for w in range(args.workers - 1):
            procs.append(Proc(f"worker{w + 2}", [PYTHON, "-m", "bot.cli", "worker"], env, tmp / f"worker{w + 2}.log", tmp))
        bot_url = f"http://127.0.0.1:{port}"
        wait_healthy(bot_url, bot)
        driver = Driver(bot_url, fake_url, secrets.token_hex(3).upper())
        # warm-up: one of each, waited for
        for kind in args.only.split(","):
            asyncio.run(driver.paced(kind, 5, 1))
        time.sleep(2)
        db_label = "PostgreSQL" if args.database_url else "SQLite"
        print(f"effect latency on {db_label}, {args.workers} worker process(es), {os.cpu_count()} cores; "
              f"bot log {bot.log}", file=sys.stderr)
        # All paced phases first, so each starts on an empty backlog; saturation leaves one behind.
        for phase in args.phases.split(","):
            for kind in args.only.split(","):
                if phase == "paced":
                    label = f"{args.rate:g}/s for {args.paced_seconds:g} s"
                    t_start = time.time()
                    res = asyncio.run(driver.paced(kind, args.rate, args.paced_seconds))
                else:
                    label = f"saturation, {args.clients} clients, {args.sat_seconds:g} s"
                    workers = worker_pids(bot.proc.pid) + [p.proc.pid for p in procs[1:]]
                    if args.pause_workers:
                        label += f", {len(workers)} worker(s) paused during the load"
                        for pid in workers:
                            os.kill(pid, signal.SIGSTOP)
                    t_start = time.time()
                    try:
                        res = asyncio.run(driver.saturate(kind, args.clients, args.sat_seconds))
                    finally:
                        if args.pause_workers:
                            for pid in workers:
                                os.kill(pid, signal.SIGCONT)
                t_end = time.time()
                left_end = backlog(db)
                deadline = t_end + args.drain_cap
                while time.time() < deadline:
                    left = backlog(db)
                    if not any(left):
                        break
                    time.sleep(0.25)
                drained_after = time.time() - t_end
                left = backlog(db)
                time.sleep(0.3)
                _, posts, views = fake_stats(parent)
                arrivals = posts if kind == "task" else views
                lat, ack, missing, dup, failed = [], [], 0, 0, 0
                arr_all = []
                for key, t0, t1, status in res:
                    if status != 200:
                        failed += 1
                        continue
                    ack.append((t1 - t0) * 1000)
                    got = arrivals.get(key)
                    if not got:
                        missing += 1
                        continue
                    dup += len(got) > 1
                    lat.append((got[0] - t1) * 1000)
                    arr_all.append(got[0])
                n = len(res)
                during = sum(1 for a in arr_all if a <= t_end)
                t_from = t_end if (args.pause_workers and phase != "paced") else t_start
                total_rate = len(arr_all) / (max(arr_all) - t_from) if arr_all else 0
                row = dict(kind=kind, phase=label, n=n, rps=n / (t_end - t_start), failed=failed,
                           ack50=pct(ack, 50), ack99=pct(ack, 99), p50=pct(lat, 50), p99=pct(lat, 99),
                           mx=max(lat) if lat else float("nan"), missing=missing, dup=dup,
                           during=during / (t_end - t_start), overall=total_rate,
                           left_end=left_end, left=left, drained=drained_after)
                rows.append(row)
                print(f"  {kind} {label}: {row['rps']:.0f} req/s sent, ack p50 {row['ack50']:.1f} p99 {row['ack99']:.1f} ms; "
                      f"effect p50 {row['p50']:.1f} p99 {row['p99']:.1f} ms; missing {missing}, failed {failed}, "
                      f"backlog end {left_end} left {left} after {drained_after:.1f}s", file=sys.stderr)
        errors = [ln for ln in bot.log.read_text(errors="replace").splitlines() if "ERROR" in ln or "Traceback" in ln]
        for p in procs[1:]:
            errors += [ln for ln in p.log.read_text(errors="replace").splitlines() if "ERROR" in ln or "Traceback" in ln]
        what = {"task": "`/task` → DM chat.postMessage", "minutes": "`/minutes` → views.open"}
        print(f"\n### Effect latency on {db_label}, {args.workers} worker process(es)\n")
        print("| request → call | load | requests | req/s sent | failed | ack p50 | ack p99 | effect p50 | effect p99 "
              "| effect max | never arrived | effects/s during load | effects/s overall | backlog at load end (inbound, effect) "
              "| backlog left | waited |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
        for r in rows:
            print(f"| {what[r['kind']]} | {r['phase']} | {r['n']:,} | {r['rps']:.0f} | {r['failed']} | {r['ack50']:.1f} ms | "
                  f"{r['ack99']:.1f} ms | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['mx']:.0f} ms | {r['missing']} | "
                  f"{r['during']:.0f} | {r['overall']:.0f} | {r['left_end']} | {r['left']} | {r['drained']:.1f} s |")
        print(f"\nERROR/Traceback lines in the bot's logs: {len(errors)}")
        for ln in errors[:8]:
            print("    " + ln[:200])
        return 0
    finally:
        for p in reversed(procs):
            with contextlib.suppress(Exception):
                p.stop()
        with contextlib.suppress(Exception):
            parent.send("stop")
        fake.join(5)
        if fake.is_alive():
            fake.terminate()
        if db is not None:
            db.dispose()
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
