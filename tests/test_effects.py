"""Effects: a post whose holder died after Slack took it is found, not sent again; coalescing effects
go round once more when recorded while being sent; failures back off, permanent ones stop."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from harness import eventually
from slack_sdk import WebClient
from sqlmodel import select

from bot import effects
from bot.db import Database
from bot.messaging import META_TYPE
from bot.models import ActionItem, Effect
from bot.models.base import utcnow


def _item(bot, owner="U0BOB") -> int:
    with bot.db.transaction() as s:
        item = ActionItem(team_id="T0ACME", text="Send the brief", owner_id=owner, creator_id="U0AE")
        s.add(item)
        s.flush()
        return item.id


def _effect(bot, key) -> Effect:
    with getattr(bot, "db", bot).transaction() as s:
        return s.exec(select(Effect).where(Effect.key == key)).one()


def test_a_dm_sent_by_a_holder_that_died_is_found_not_sent_twice(bot, slack):
    item_id = _item(bot)
    key = f"dm:item:{item_id}"
    # What a dead holder left: Slack has the DM (with our key), the ledger says "sending", lease run out.
    WebClient(token="xoxb-test-token-123", base_url=slack.api_url).chat_postMessage(
        channel="U0BOB", text="Send the brief", metadata={"event_type": META_TYPE, "event_payload": {"key": key}})
    posted_ts = slack.messages_in("U0BOB")[-1]["ts"]
    with bot.db.transaction() as s:
        effects.record("item_dm", {"team": "T0ACME", "item": item_id}, key=key, team_id="T0ACME", session=s)
        s.execute(sa.update(Effect).where(Effect.key == key).values(
            state="sending", attempts=1, lease_token="dead:1", lease_until=utcnow() - timedelta(seconds=1)))
    bot.worker.wake()
    eventually(lambda: _done(bot, key))
    assert len(slack.calls_to("chat.postMessage")) == 1          # only the dead holder's
    with bot.db.transaction() as s:
        assert s.get(ActionItem, item_id).dm_ts == posted_ts      # and the item knows that message


def test_without_a_trace_in_slack_the_retry_posts(bot, slack):
    item_id = _item(bot)
    key = f"dm:item:{item_id}"
    with bot.db.transaction() as s:
        effects.record("item_dm", {"team": "T0ACME", "item": item_id}, key=key, team_id="T0ACME", session=s)
        s.execute(sa.update(Effect).where(Effect.key == key).values(
            state="sending", attempts=1, lease_token="dead:1", lease_until=utcnow() - timedelta(seconds=1)))
    bot.worker.wake()
    eventually(lambda: _done(bot, key))
    [dm] = slack.calls_to("chat.postMessage")
    meta = dm.params["metadata"]
    assert (json.loads(meta) if isinstance(meta, str) else meta)["event_payload"]["key"] == key


def _done(bot, key):
    assert _effect(bot, key).state == "done"


@pytest.fixture
def db(db_url):
    """The tables without a worker claiming from them: these tests claim by hand."""
    d = Database(db_url)
    yield d
    d.dispose()


def test_a_coalescing_effect_recorded_while_sending_goes_round_once_more(db):
    with db.transaction() as s:
        effects.record("minutes_refresh", {"team": "T0ACME", "minutes": 1}, key="refresh:minutes:1", session=s,
                       coalesce=True)
    [claimed] = effects.claim(db, "test", now=utcnow() + timedelta(hours=1))
    for _ in range(3):   # three clicks while it is being sent
        with db.transaction() as s:
            effects.record("minutes_refresh", {"team": "T0ACME", "minutes": 1}, key="refresh:minutes:1", session=s,
                           coalesce=True)
    assert effects.finish(db, claimed)
    e = _effect(db, "refresh:minutes:1")
    assert e.state == "pending" and not e.again                  # once more, not three times
    [again] = effects.claim(db, "test", now=utcnow() + timedelta(hours=1))
    assert effects.finish(db, again) and _effect(db, "refresh:minutes:1").state == "done"
    assert effects.claim(db, "test", now=utcnow() + timedelta(hours=1)) == []


def test_a_holder_that_lost_its_lease_records_nothing(db):
    with db.transaction() as s:
        effects.record("call", {"method": "chat_update", "params": {}}, key="k1", session=s)
    now = utcnow() + timedelta(hours=1)
    [first] = effects.claim(db, "a", now=now)
    [second] = effects.claim(db, "b", now=now + effects.LEASE + timedelta(seconds=1))   # a's lease ran out
    assert not effects.finish(db, first)                         # fenced: b holds it now
    assert effects.finish(db, second)


def test_rate_limits_wait_without_using_the_budget_and_permanent_errors_stop(db):
    with db.transaction() as s:
        effects.record("call", {"method": "chat_update", "params": {}}, key="k2", session=s)
        effects.record("call", {"method": "chat_update", "params": {}}, key="k3", session=s)
    now = utcnow() + timedelta(hours=1)
    claimed = {c.key: c for c in effects.claim(db, "a", now=now)}
    assert effects.failed(db, claimed["k2"], effects.Failure("ratelimited", retry_after=30)) == "pending"
    assert _effect(db, "k2").attempts == 0
    assert effects.failed(db, claimed["k3"], effects.Failure("channel_not_found", permanent=True)) == "failed"


def test_a_long_host_name_still_fits_the_lease_token(db, monkeypatch):
    """Bug: holder = host:pid:n, and a pod name of 30 characters overflowed varchar(40) on PostgreSQL."""
    import socket

    from bot import inbox
    from bot.settings import Settings
    from bot.work import Worker

    monkeypatch.setattr(socket, "gethostname", lambda: "ae-bot-worker-6d5f7c9b8-x2kq9.prod.example.internal")
    holder = Worker(Settings(slack_bot_token="xoxb-x", _env_file=None, database_url=db.url), db,
                    reminders=False).holder
    with db.transaction() as s:
        effects.record("call", {"method": "chat_update", "params": {}}, key="k4", session=s)
    [c] = effects.claim(db, holder, now=utcnow() + timedelta(hours=1))
    assert len(c.token) <= 40
    assert inbox.claim(db, holder) == []
