"""Two `ae-bot run` instances (each with its own worker process) on one PostgreSQL, 20 attendees signing
off at once through both: every sign-off is kept, Slack ends up naming all 20, and no chat.update
applied later shows fewer signers than one applied before it — the coalescing `refresh:minutes:<id>`
effect has one holder at a time across all processes, so updates of the summary never overlap."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa
from harness import SECRET, eventually, example, sign
from slack_sdk import WebClient
from sqlmodel import select

from bot.db import Database
from bot.models import MeetingKind, SignOff
from bot.render import minutes as render
from bot.services import minutes as svc

TEAM = "T0ACME"
CHANNEL = "C0MEET"
ATTENDEES = [f"U0SIGN{n:02d}" for n in range(1, 21)]
TOKENS = ("xoxb-test-token-instance-a", "xoxb-test-token-instance-b")   # tells the instances' calls apart
KEY = "refresh:minutes:{}"

SIGNED_LINE = re.compile(r"^✔︎ <@(\w+)> ", re.M)
HEADER = re.compile(r"\*Sign-off: (\d+) of (\d+) signed\*")
TEXT_COUNT = re.compile(r"\((\d+) of (\d+) signed\)$")


def shown(text: str | None, blocks: list | None) -> tuple[int, set[str]]:
    """What a summary shows the way bot/render/minutes.py writes it: (the count it states, the signers
    it lists). The fallback text, the Sign-off header and the ✔︎ lines must agree."""
    body = "\n".join(b["text"]["text"] for b in blocks or [] if b.get("type") == "section")
    [(count, total)] = HEADER.findall(body)
    signers = SIGNED_LINE.findall(body)
    text_count = TEXT_COUNT.search(text or "")
    assert text_count and text_count.groups() == (count, total), (text, count, total)
    assert int(total) == len(ATTENDEES) and len(signers) == len(set(signers)) == int(count), body
    return int(count), set(signers)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One `ae-bot run` process in HTTP mode; it starts its own `ae-bot worker` child."""

    def __init__(self, tmp_path, name: str, db_url: str, slack, token: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tmp_path / name
        self.dir.mkdir()
        self.log_path = self.dir / "out.log"
        self.log = open(self.log_path, "w")
        env = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_APP_TOKEN": "", "SLACK_API_URL": slack.api_url, "DATABASE_URL": db_url,
               "PORT": str(self.port), "LOG_LEVEL": "INFO"}
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=self.dir, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.children: list[int] = []
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def wait_ready(self, deadline: float) -> None:
        """/healthz answers with its worker alive, and that worker has started serving."""
        while True:
            assert self.proc.poll() is None and time.time() < deadline, \
                f"ae-bot run did not come up:\n{self.output()[-3000:]}"
            try:
                r = httpx.get(f"{self.url}/healthz", timeout=1)
                if r.status_code == 200 and r.json().get("worker") == "ok" and \
                        re.search(r"ae_bot\.work: worker \S+: requests \d+ at once", self.output()):
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        self.children = [int(p) for p in out.split()]

    def sign_off_payload(self, user: str, minutes_id: int, message_ts: str, response_url: str) -> dict:
        """Slack's block_actions for a click on the summary's Sign off button."""
        p = example("block_actions.json")
        p["user"] = {**p["user"], "id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
        p["team"] = {"id": TEAM, "domain": "acme"}
        p["trigger_id"] = f"{user}.{random.getrandbits(32)}.trigger"
        p["channel"] = {"id": CHANNEL, "name": "spring-campaign"}
        p["container"] = {**p["container"], "channel_id": CHANNEL, "message_ts": message_ts}
        p["message"] = {**p["message"], "ts": message_ts}
        p["response_url"] = response_url
        p["actions"][0].update(action_id="minutes_sign_off", block_id="minutes_actions",
                               value=f"{minutes_id}:1")
        return p

    def post_payload(self, payload: dict) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.http.post("/slack/events", content=body,
                              headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)})

    def stop(self) -> str:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.terminate()       # uvicorn shuts down; its lifespan stops the worker (SIGTERM, drain)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for pid in self.children:       # the worker runs in its own session: make sure it is gone too
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    ours = b"bot.cli" in f.read()
            except OSError:
                ours = False
            if ours:
                os.kill(pid, signal.SIGKILL)
        self.log.close()
        return self.log_path.read_text()


def test_two_instances_twenty_simultaneous_sign_offs_end_in_order(db_kind, db_url, slack, tmp_path):
    if db_kind != "postgres":
        pytest.skip("two instances share one PostgreSQL (FOR UPDATE SKIP LOCKED); set TEST_DATABASE_URL")
    slack.delay["chat.update"] = lambda: random.uniform(0, 0.4)

    # The minutes, written and posted: the summary is a real message at the fake, with its ts in the row.
    db = Database(db_url)
    draft = svc.MinutesDraft(kind=MeetingKind.client_meeting, title="Spring campaign kick-off",
                             held_on=date.today(), attendee_ids=ATTENDEES, decisions="Go with concept B.")
    card, _ = svc.create(db, TEAM, "U0AE", CHANNEL, draft, today=date.today())
    mid = card.minutes.id
    posted = WebClient(base_url=slack.api_url, token=TOKENS[0]).chat_postMessage(channel=CHANNEL,
                                                                                 **render.summary(card))
    ts = posted["ts"]
    svc.set_message(db, TEAM, mid, CHANNEL, ts, f"https://acme.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}")
    assert shown(slack.messages_in(CHANNEL)[0]["text"], slack.messages_in(CHANNEL)[0]["blocks"]) == (0, set())

    # Every chat.update as the fake applies it, in the order it applies them (serialised here, so the
    # list order is the order Slack's copy changed), with when the call had arrived.
    applied: list[dict] = []
    order = threading.Lock()
    update_stored = slack._update_stored

    def recording(channel, p, metadata):
        with order:
            update_stored(channel, p, metadata)
            arrived = next(c for c in slack.calls_to("chat.update") if c.params is p)
            applied.append({"ts": str(p.get("ts")), "arrived": arrived.at, "applied": time.time(),
                            "token": (arrived.headers.get("Authorization") or "").removeprefix("Bearer "),
                            "text": p.get("text"), "blocks": p.get("blocks")})

    slack._update_stored = recording

    instances = []
    try:
        for name, token in zip("ab", TOKENS):
            instances.append(Instance(tmp_path, name, db_url, slack, token))
        deadline = time.time() + 30
        for inst in instances:
            inst.wait_ready(deadline)

        # 20 simultaneous clicks, one per attendee, alternating between the two instances.
        payloads = []
        for n, user in enumerate(ATTENDEES):
            inst = instances[n % 2]
            payloads.append((inst, inst.sign_off_payload(user, mid, ts, slack.response_url(f"sign{n}"))))
        gate = threading.Barrier(len(payloads))

        def click(job):
            inst, p = job
            gate.wait()
            return inst.post_payload(p)

        with ThreadPoolExecutor(len(payloads)) as pool:
            answers = list(pool.map(click, payloads))
        assert [r.status_code for r in answers] == [200] * len(ATTENDEES), [r.text for r in answers]

        def settled():
            with db.transaction() as s:
                rows = s.exec(select(SignOff).where(SignOff.subject_id == mid)).all()
                assert sorted(r.signer_id for r in rows) == ATTENDEES                      # (a)
                waiting = s.execute(sa.text("SELECT count(*) FROM inbound WHERE state IN ('new', 'claimed')")
                                    ).scalar_one()
                assert waiting == 0
                state = s.execute(sa.text("SELECT state, again FROM effect WHERE key = :k"),
                                  {"k": KEY.format(mid)}).one()
                assert tuple(state) == ("done", False), tuple(state)
                busy = s.execute(sa.text("SELECT key, state FROM effect WHERE state IN ('pending', 'sending')")
                                 ).all()
                assert not busy, busy
        eventually(settled, timeout=25)
        with db.transaction() as s:
            failed = s.execute(sa.text("SELECT key, state, error FROM effect WHERE state <> 'done'")).all()
            inbound = s.execute(sa.text("SELECT state, count(*) FROM inbound GROUP BY state")).all()
    finally:
        outputs = [inst.stop() for inst in instances]
        slack._update_stored = update_stored
        db.dispose()

    updates = [u for u in applied if u["ts"] == ts]
    for u in updates:
        u["shown"] = shown(u["text"], u["blocks"])
    arrived = [c for c in slack.calls_to("chat.update") if str(c.params.get("ts")) == ts]
    by_instance = {t[-1]: sum(1 for u in updates if u["token"] == t) for t in TOKENS}
    print(f"\n{len(updates)} chat.update calls applied to the summary ({len(arrived)} arrived), "
          f"by instance {by_instance}; counts shown in applied order: {[u['shown'][0] for u in updates]}")
    assert not failed, failed
    assert dict(inbound) == {"done": len(ATTENDEES)}, inbound
    assert len(updates) == len(arrived) >= 1

    # (b) the last state Slack shows names all 20 signers.
    [final] = slack.messages_in(CHANNEL)
    assert final["ts"] == ts
    assert shown(final["text"], final["blocks"]) == (len(ATTENDEES), set(ATTENDEES))
    assert updates[-1]["shown"] == (len(ATTENDEES), set(ATTENDEES))

    # (c) no update applied later shows fewer signers than one applied before it.
    for before, after in zip(updates, updates[1:]):
        assert after["shown"][0] >= before["shown"][0], [u["shown"][0] for u in updates]
        assert after["shown"][1] >= before["shown"][1], (sorted(before["shown"][1] - after["shown"][1]))

    # One holder at a time across both processes: each update of the summary arrived at Slack only
    # after the one before it had been applied (the next round starts after the holder's chat.update).
    for before, after in zip(updates, updates[1:]):
        assert after["arrived"] >= before["applied"], \
            f"two chat.updates of the summary in flight at once: {before} / {after}"

    for inst, out in zip("ab", outputs):
        assert "Traceback" not in out, f"instance {inst} logged a traceback:\n{out[-4000:]}"
