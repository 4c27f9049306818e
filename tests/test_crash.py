"""Crashes, for real: `ae-bot run` processes SIGKILLed in the middle of a burst of signed requests.

What Slack was told "200" for happens exactly once — one ActionItem per /task, one DM per item (a
post whose outcome died with its worker is found in the channel, not sent again), one SignOff per
signer and a summary that names them all — once the dead holder's leases have run out (60 s in
production; here the test lets them run out in the database).
"""
from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from datetime import date
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from harness import example
from procs import Burst, Front, expire_leases, held, states, wait_settled

from bot.db import Database
from bot.models import ActionItem, MeetingKind, SignOff
from bot.services import minutes as minutes_service

TEAM = "T0ACME"
FORM = "application/x-www-form-urlencoded"
# /task requests at once (more than the front's default thread pool of cpu_count + 4 once deadlocked
# it: test_a_burst_of_concurrent_tasks_is_answered).
TASK_THREADS = 8


@pytest.fixture
def db(db_url):
    d = Database(db_url)
    yield d
    d.dispose()


@pytest.fixture
def fronts():
    started: list[Front] = []
    yield started
    for f in started:
        f.stop()


def _report(label: str, **facts) -> None:
    print(f"\n[{label}] " + ", ".join(f"{k}={v}" for k, v in facts.items()))


# --- /task --------------------------------------------------------------------------------------------

def _owner(n: int) -> str:
    return f"U0B{n:03d}"


def _task_text(n: int) -> str:
    return f"item {n:03d}"


def _task(slack, n: int) -> tuple[str, bytes, str]:
    fields = example("slash_command.txt")
    fields.update(command="/task", text=f"<@{_owner(n)}> {_task_text(n)}", user_id="U0AE", channel_id="C0MEET",
                  team_id=TEAM, trigger_id=f"{n}.crash.trigger", response_url=slack.response_url(f"task{n}"))
    return _task_text(n), urlencode(fields).encode(), FORM


def _metadata(call) -> dict:
    meta = call.params.get("metadata") or {}
    return json.loads(meta) if isinstance(meta, str) else meta


def _items(db) -> list[ActionItem]:
    with db.transaction() as s:
        return list(s.execute(sa.select(ActionItem).order_by(ActionItem.id)).scalars())


def _assert_tasks_exactly_once(db, slack, answered: list[str], sent: list[str]) -> dict:
    items = _items(db)
    per_text = Counter(i.text for i in items)
    missing = [t for t in answered if per_text[t] != 1]
    assert not missing, f"answered 200 but not exactly one ActionItem: {[(t, per_text[t]) for t in missing]}"
    assert set(per_text) <= set(sent) and max(per_text.values()) == 1, \
        f"an item twice, or one nobody asked for: {[t for t, c in per_text.items() if c != 1 or t not in sent]}"
    posts = Counter(c.params.get("channel") for c in slack.calls_to("chat.postMessage"))
    dup, lost, wrong = [], [], []
    for item in items:
        owner_posts = [c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == item.owner_id]
        keys = [(_metadata(c).get("event_payload") or {}).get("key") for c in owner_posts]
        if len(owner_posts) > 1:
            dup.append((item.id, item.owner_id, keys))
        stored = slack.messages_in(item.owner_id)
        if not item.dm_ts or len(stored) != 1:
            lost.append((item.id, item.owner_id, item.dm_ts, len(stored)))
        elif (stored[0]["ts"] != item.dm_ts or item.dm_channel != "D" + item.owner_id[1:]
              or keys != [f"dm:item:{item.id}"]):
            wrong.append((item.id, item.dm_channel, item.dm_ts, stored[0]["ts"], keys))
    assert not dup, f"items DMed more than once (item, owner, effect keys): {dup}"
    assert not lost, f"items without their one DM or without dm_ts (item, owner, dm_ts, messages): {lost}"
    assert not wrong, f"DM and item disagree: {wrong}"
    replies = Counter(c.params.get("_key") for c in slack.calls_to("response_url"))
    no_reply = [t for t in answered if replies[f"task{int(t.split()[-1])}"] < 1]
    assert not no_reply, f"no reply to the response_url for {no_reply}"
    return {"items": len(items), "dms": sum(posts[i.owner_id] for i in items),
            "replies_sent_twice": sum(1 for v in replies.values() if v > 1)}


def _settle(db, front: Front, dead: set[str] | None, timeout: float = 60) -> dict:
    """The dead holder's leases (`dead`: their tokens; None: every lease) run out; all is then done."""
    time.sleep(0.6)   # what the dead worker had sent reaches the fake (its longest delay is 0.3 s)
    expired = expire_leases(db, dead)
    inbound, effect = wait_settled(db, timeout)
    assert not inbound.get("failed") and not effect.get("failed"), \
        f"given up: inbound {inbound}, effects {effect}\n{front.log()[-4000:]}"
    return {"expired (requests, effects)": expired, "inbound": inbound, "effects": effect}


def test_worker_killed_mid_burst_of_tasks(db, db_url, slack, tmp_path, fronts):
    slack.delay["chat.postMessage"] = lambda: random.uniform(0.05, 0.3)   # DMs in flight at the kill
    front = Front(tmp_path, db_url, slack)
    fronts.append(front)
    front.wait_healthy()
    worker = front.worker()
    front.wait_serving(worker)
    requests = [_task(slack, n) for n in range(200)]
    burst = Burst(front.url, requests, threads=TASK_THREADS, pause=0.03, hold_at=60)

    burst.wait_answered(50)
    slack.wait_for("chat.postMessage", 5, timeout=30)    # the worker is delivering
    front.kill_worker(worker)
    at_kill = burst.snapshot()
    burst.release()
    assert at_kill["acked"] < len(requests), f"the kill came after the burst: {at_kill}"
    dead = held(db)
    assert not any(front.serving(p) for p in front.workers()), "the replacement claimed before the snapshot"
    posted_at_kill = len(slack.calls_to("chat.postMessage"))

    outcome = burst.join()
    assert outcome == Counter({200: len(requests)}), f"the front did not answer every request: {outcome}"
    replacement = front.worker(other_than=worker)
    front.wait_healthy()
    settled = _settle(db, front, dead.pop("tokens"))
    sent = [k for k, _, _ in requests]
    checked = _assert_tasks_exactly_once(db, slack, burst.answered, sent)
    log = front.log()
    assert f"worker process {worker} exited" in log and "restarting" in log
    _report("worker killed mid-/task", requests_in_flight_at_front=at_kill["sent"] - at_kill["finished"],
            acked_at_kill=at_kill["acked"], held_by_dead_worker=dead, dms_posted_before_kill=posted_at_kill,
            found_in_history=log.count("had been posted before its holder died"),
            replacement=replacement, **settled, **checked)


def test_whole_process_group_killed_mid_burst_of_tasks(db, db_url, slack, tmp_path, fronts):
    slack.delay["chat.postMessage"] = lambda: random.uniform(0.05, 0.3)
    front = Front(tmp_path, db_url, slack, "run-1")
    fronts.append(front)
    front.wait_healthy()
    worker = front.worker()
    front.wait_serving(worker)
    requests = [_task(slack, n) for n in range(100)]
    burst = Burst(front.url, requests, threads=TASK_THREADS, pause=0.03, hold_at=50)

    burst.wait_answered(40)
    slack.wait_for("chat.postMessage", 1, timeout=30)   # work has begun (owners are looked up first)
    killed = front.kill_everything()
    at_kill = burst.snapshot()
    burst.release()   # the rest meet a dead front
    dead = held(db)
    dead.pop("tokens")
    outcome = burst.join()
    answered = burst.answered
    assert 40 <= len(answered) < len(requests), f"the kill was not mid-burst: {outcome}"
    items_before_restart = len(_items(db))
    inbound, effect = states(db)
    time.sleep(0.6)   # what the dead worker had sent reaches the fake
    expired = expire_leases(db)   # nothing of the first run lives: every lease is a dead one

    again = Front(tmp_path, db_url, slack, "run-2")
    fronts.append(again)
    again.wait_healthy()
    settled = _settle(db, again, set())
    settled["expired (requests, effects)"] = expired
    checked = _assert_tasks_exactly_once(db, slack, answered, [k for k, _, _ in requests])
    _report("process group killed mid-/task", killed=killed, outcome=dict(outcome),
            requests_in_flight_at_front=at_kill["sent"] - at_kill["finished"],
            items_committed_at_kill=items_before_restart,
            committed_but_not_acked=items_before_restart - len(answered),
            held_by_dead_worker=dead, effects_at_kill=effect,
            found_in_history=again.log().count("had been posted before its holder died"), **settled, **checked)


def test_a_burst_of_concurrent_tasks_is_answered(db_url, slack, tmp_path, fronts):
    """No crash, only concurrency: more /task at once than the front has threads in its default pool
    (cpu_count + 4) are all answered, promptly."""
    front = Front(tmp_path, db_url, slack)
    fronts.append(front)
    front.wait_healthy()
    at_once = min(32, (os.cpu_count() or 1) + 4) + 2
    requests = [_task(slack, n) for n in range(at_once)]
    started = time.time()
    outcome = Burst(front.url, requests, threads=at_once, timeout=10).join()
    elapsed = time.time() - started
    front.kill_everything()   # a stuck front would take its busy timeout (30 s) to stop
    log = front.log()
    assert outcome == Counter({200: len(requests)}) and elapsed < 10, \
        (f"{at_once} /task at once: {dict(outcome)} in {elapsed:.1f} s; "
         f"'database is locked' logged {log.count('database is locked')} times")
    assert "database is locked" not in log


# --- sign-off clicks --------------------------------------------------------------------------------------

ATTENDEES = [f"U0S{i:02d}" for i in range(20)]


def _minutes_posted(db) -> tuple[int, str]:
    """Minutes with 20 attendees whose summary is in #C0MEET (posted now: no nudge is due for a day)."""
    today = date.today()
    draft = minutes_service.MinutesDraft(kind=MeetingKind.client_meeting, title="Crash-proof kick-off",
                                         held_on=today, attendee_ids=ATTENDEES, decisions="Go with concept B.")
    card, _ = minutes_service.create(db, TEAM, "U0AE", "C0MEET", draft, today=today)
    ts = f"{int(time.time())}.000200"
    minutes_service.set_message(db, TEAM, card.minutes.id, "C0MEET", ts,
                                f"https://acme.slack.com/archives/C0MEET/p{ts.replace('.', '')}")
    return card.minutes.id, ts


def _click(slack, n: int, user: str, minutes_id: int, ts: str) -> tuple[str, bytes, str]:
    p = example("block_actions.json")
    p["user"] = {**p["user"], "id": user, "team_id": TEAM}
    p["trigger_id"] = f"{n}.click.trigger"
    p["container"] = {**p["container"], "channel_id": "C0MEET", "message_ts": ts}
    p["message"] = {**p["message"], "ts": ts}
    p["response_url"] = slack.response_url(f"click{n}")
    p["actions"][0].update(action_id="minutes_sign_off", value=f"{minutes_id}:1")
    return f"click{n}", urlencode({"payload": json.dumps(p)}).encode(), FORM


def _section_text(blocks) -> str:
    blocks = json.loads(blocks) if isinstance(blocks, str) else (blocks or [])
    return "\n".join(((b.get("text") or {}).get("text") or "") for b in blocks)


def test_worker_killed_mid_burst_of_sign_offs(db, db_url, slack, tmp_path, fronts):
    minutes_id, ts = _minutes_posted(db)
    slack.delay["chat.update"] = lambda: random.uniform(0.05, 0.3)    # the summary's update in flight
    slack.delay["response_url"] = 0.02
    front = Front(tmp_path, db_url, slack)
    fronts.append(front)
    front.wait_healthy()
    worker = front.worker()
    front.wait_serving(worker)
    clicks = [_click(slack, n, ATTENDEES[n % len(ATTENDEES)], minutes_id, ts) for n in range(200)]
    burst = Burst(front.url, clicks, threads=4, pause=0.03, hold_at=60)

    burst.wait_answered(50)
    slack.wait_for("chat.update", 1, timeout=30)    # the worker is signing and refreshing
    front.kill_worker(worker)
    at_kill = burst.snapshot()
    burst.release()
    assert at_kill["acked"] < len(clicks), f"the kill came after the burst: {at_kill}"
    dead = held(db)
    assert not any(front.serving(p) for p in front.workers()), "the replacement claimed before the snapshot"
    inbound_at_kill, _ = states(db)
    with db.transaction() as s:
        signed_at_kill = s.execute(sa.select(sa.func.count()).select_from(SignOff)).scalar_one()

    outcome = burst.join()
    assert outcome == Counter({200: len(clicks)}), f"the front did not answer every click: {outcome}"
    front.worker(other_than=worker)
    front.wait_healthy()
    settled = _settle(db, front, dead.pop("tokens"))

    with db.transaction() as s:
        rows = list(s.execute(sa.select(SignOff).where(SignOff.subject_id == minutes_id)).scalars())
    per_signer = Counter(r.signer_id for r in rows)
    assert per_signer == Counter({u: 1 for u in ATTENDEES}), f"sign-offs per attendee: {dict(per_signer)}"
    updates = [c for c in slack.calls_to("chat.update") if c.params.get("ts") == ts]
    assert updates, "the summary was never updated"
    last = updates[-1]
    shown = _section_text(last.params.get("blocks"))
    assert last.params.get("channel") == "C0MEET"
    assert f"Sign-off: {len(ATTENDEES)} of {len(ATTENDEES)} signed" in shown, shown
    unnamed = [u for u in ATTENDEES if f"✔︎ <@{u}>" not in shown]
    assert not unnamed, f"the last update does not name {unnamed} as signed:\n{shown}"
    assert f"({len(ATTENDEES)} of {len(ATTENDEES)} signed)" in (last.params.get("text") or "")
    _report("worker killed mid-sign-off", acked_at_kill=at_kill["acked"], inbound_at_kill=inbound_at_kill,
            signoffs_at_kill=signed_at_kill, held_by_dead_worker=dead, summary_updates=len(updates), **settled)
