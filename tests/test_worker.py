"""The worker process as `ae-bot run` uses it, driven from this test process as the front: work runs
there, own_ack listeners answer through it, a killed worker comes back, and the front's zone cache
follows changes the worker makes."""
from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from harness import SECRET, TOKEN, eventually, example

from bot.services import people
from bot.settings import Settings
from bot.worker import Worker


@pytest.fixture
def worker(db_url, slack):
    settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_app_token="",
                        slack_api_url=slack.api_url, database_url=db_url, _env_file=None)
    w = Worker(settings).start()
    yield w
    w.stop(drain=5)


def _answer(worker: Worker, kind: str, body: dict) -> dict:
    acks = []

    async def ack(**kwargs):
        acks.append(kwargs)

    asyncio.run(worker.answer(kind, body, None, None, ack=ack, client=None, respond=None))
    assert len(acks) == 1
    return acks[0]


def _help_command() -> dict:
    return {**example("slash_command.txt"), "command": "/ae", "text": "help"}


def test_work_runs_in_the_worker_and_the_fronts_zone_cache_follows(worker, slack):
    event = example("app_home_opened.json")
    team, user = event["team_id"], event["event"]["user"]
    people._zones[(team, user)] = ("Pacific/Kiritimati", time.monotonic())   # what the front believed
    worker.submit("event", event, None, None)
    slack.wait_for("views.publish", timeout=20)
    slack.wait_for("users.info", timeout=20)        # the worker learned the person's zone from Slack...

    def forgotten():                                # ...and told the front to drop its stale copy
        assert (team, user) not in people._zones
    eventually(forgotten, timeout=10)


def test_own_ack_listeners_answer_through_the_worker_even_behind_a_backlog(worker, slack):
    for i in range(300):   # a burst of work routes ahead of it
        worker.submit("event", {**example("app_home_opened.json"), "event_id": f"Ev{i}"}, None, None)
    started = time.monotonic()
    answer = _answer(worker, "command", _help_command())
    assert "/minutes" in str(answer.get("blocks")) and answer.get("text")
    assert time.monotonic() - started < 2.5          # it jumped the queue of work


def test_a_killed_worker_is_replaced_and_answers_again(worker):
    assert "/minutes" in str(_answer(worker, "command", _help_command()).get("blocks"))
    first = worker.process.pid
    os.kill(first, signal.SIGKILL)
    deadline = time.time() + 30
    while not (worker.check() and worker.process.pid != first):
        assert time.time() < deadline, "the worker was not restarted"
        time.sleep(0.1)
    assert worker.restarts == 1 and worker.alive
    assert "/minutes" in str(_answer(worker, "command", _help_command()).get("blocks"))


def test_a_signal_to_the_process_group_does_not_cut_the_worker_short(worker):
    _answer(worker, "command", _help_command())    # up and running
    os.kill(worker.process.pid, signal.SIGTERM)    # as systemd or Ctrl-C would, to every process
    time.sleep(0.5)
    assert worker.alive
    assert "/minutes" in str(_answer(worker, "command", _help_command()).get("blocks"))
