"""Real processes: four `ae-bot tick` at once send each occurrence once; a tick killed mid-send
never causes a duplicate, and what it had not started is sent by the next tick."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from rhythm import utc

from bot.models import DeliveryStatus
from scheduler.engine import BATCH, STALE_CLAIM

REPO = Path(__file__).resolve().parents[1]
AT = utc(2026, 12, 1, 9, 0)


def _tick_process(rhythm, at) -> subprocess.Popen:
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "SLACK_BOT_TOKEN": "xoxb-test-token-123",
           "SLACK_API_URL": rhythm.slack.api_url, "DATABASE_URL": str(rhythm.db.engine.url.render_as_string(False)),
           "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "tick", "--at", at.isoformat()], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _people_with_items(rhythm, n: int) -> None:
    for i in range(n):
        rhythm.person(f"U0P{i:03d}", "UTC")
        rhythm.item(f"U0P{i:03d}", date(2026, 12, 2))
    rhythm.tick(AT - timedelta(hours=1))     # the scheduler has run before: nothing is due yet


def test_four_concurrent_ticks_send_exactly_what_one_tick_sends(rhythm):
    _people_with_items(rhythm, 240)
    procs = [_tick_process(rhythm, AT) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    per_person = Counter(c.params["channel"] for c in rhythm.dms())
    assert len(per_person) == 240 and set(per_person.values()) == {1}
    assert len(rhythm.deliveries(status=DeliveryStatus.sent)) == 240
    assert len(rhythm.deliveries()) == 240
    claimed_by = Counter(d.claimed_by for d in rhythm.deliveries())
    assert sum(claimed_by.values()) == 240                      # shared out, none twice
    rhythm.tick(AT + timedelta(minutes=1))                      # and a later tick adds nothing
    assert len(rhythm.dms()) == 240


def test_a_tick_killed_mid_send_never_duplicates_and_the_rest_still_goes(rhythm):
    _people_with_items(rhythm, 200)
    rhythm.slack.latency = 0.05                                 # slow Slack: the kill lands mid-batch
    proc = _tick_process(rhythm, AT)
    rhythm.slack.wait_for("chat.postMessage", 20, timeout=60)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.2)                                             # let in-flight requests land at the fake
    rhythm.slack.latency = 0.0
    before = len(rhythm.dms())

    rhythm.tick(AT + timedelta(minutes=1))                      # the next tick sends what was never started
    in_flight = rhythm.deliveries(status=DeliveryStatus.sending)
    assert 0 < len(in_flight) <= 2 * BATCH
    rhythm.tick(AT + STALE_CLAIM + timedelta(minutes=2))        # stale claims are given up, not re-sent
    unknown = rhythm.deliveries(status=DeliveryStatus.unknown)
    assert {d.id for d in unknown} == {d.id for d in in_flight}
    per_person = Counter(c.params["channel"] for c in rhythm.dms())
    assert max(per_person.values()) == 1                         # nobody got it twice
    sent = rhythm.deliveries(status=DeliveryStatus.sent)
    assert len(sent) + len(unknown) == 200
    assert len(per_person) >= len(sent) and len(rhythm.dms()) > before


def test_two_first_ticks_at_once_advance_the_window_without_a_duplicate_key(db_url):
    """Two workers started together on a fresh database both find no scheduler_state row (bug: both
    INSERTed and one failed with a unique violation)."""
    import threading
    from datetime import datetime, timezone

    import sqlalchemy as sa

    from bot.db import Database
    from scheduler import engine

    db = Database(db_url)
    try:
        for _ in range(10):
            with db.transaction() as s:
                s.execute(sa.text("DELETE FROM scheduler_state"))
            gate, errors = threading.Barrier(2), []

            def go():
                gate.wait()
                try:
                    engine._advance_window(db, datetime.now(timezone.utc))
                except Exception as err:   # noqa: BLE001 — the test reports whatever it was
                    errors.append(repr(err))
            threads = [threading.Thread(target=go) for _ in range(2)]
            [t.start() for t in threads]
            [t.join() for t in threads]
            assert errors == []
    finally:
        db.dispose()
