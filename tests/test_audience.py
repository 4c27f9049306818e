"""Who can see a channel, and who is from outside the agency (issue 11, part 1): worked out from what
Slack says (conversations.info, members, users.info), our client contacts and the client record; kept
for every process; dropped when Slack says the channel changed."""
from __future__ import annotations

import asyncio
import copy
import json

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.models import Client, ClientContact, Person
from bot.services import audience
from handlers.audience import client_facing
from harness import TOKEN, eventually, example


@pytest.fixture
def db(db_url):
    d = Database(db_url)
    d.upgrade()
    yield d
    d.dispose()


def facing(slack, db, channel: str) -> bool:
    async def ask():
        return await client_facing(AsyncWebClient(token=TOKEN, base_url=slack.api_url), db, "T0ACME", channel)
    return asyncio.run(ask())


def _client(db, channel: str, *, flagged: bool = False, contact: str | None = None) -> None:
    with db.transaction() as s:
        c = Client(team_id="T0ACME", name="Acme", name_key="acme", ae_id="U0AE", channel_id=channel,
                   created_by="U0AE", channel_client_facing=flagged)
        s.add(c)
        s.flush()
        if contact:
            s.add(ClientContact(team_id="T0ACME", client_id=c.id, user_id=contact))


def test_an_ordinary_channel_is_internal(slack, db):
    slack.channels["C0TEAM"] = {"members": ["U0AE", "U0BOB"]}
    assert facing(slack, db, "C0TEAM") is False


def test_a_slack_connect_channel_is_client_facing(slack, db):
    slack.channels["C0SHARED"] = {"is_shared": True, "is_ext_shared": True, "members": ["U0AE", "U0DANA"]}
    assert facing(slack, db, "C0SHARED") is True


def test_shared_inside_an_org_is_client_facing_only_with_an_outsider_in_it(slack, db):
    slack.channels["C0ORG"] = {"is_shared": True, "members": ["U0AE", "W0SIS"]}
    slack.users["W0SIS"] = {"team_id": "T0ACME"}
    assert facing(slack, db, "C0ORG") is False
    slack.channels["C0ORG2"] = {"is_shared": True, "members": ["U0AE", "W0DANA"]}
    slack.users["W0DANA"] = {"team_id": "T0CLIENT"}
    assert facing(slack, db, "C0ORG2") is True


def test_a_client_contact_in_the_channel_or_the_client_record_makes_it_client_facing(slack, db):
    _client(db, "C0ACME", contact="U0GUEST")
    slack.channels["C0ACME"] = {"members": ["U0AE", "U0GUEST"]}
    assert facing(slack, db, "C0ACME") is True
    with db.transaction() as s:
        s.add(Client(team_id="T0ACME", name="Beta", name_key="beta", ae_id="U0AE", channel_id="C0BETA",
                     created_by="U0AE", channel_client_facing=True))
    slack.channels["C0BETA"] = {"members": ["U0AE"]}
    assert facing(slack, db, "C0BETA") is True


def test_when_slack_cannot_be_asked_the_channel_counts_as_client_facing_and_is_asked_again(slack, db):
    slack.fail_next("conversations.info", "channel_not_found")
    assert facing(slack, db, "C0MYSTERY") is True
    assert facing(slack, db, "C0MYSTERY") is False          # asked again, and now it answers
    assert len(slack.calls_to("conversations.info")) == 2


def test_the_answer_is_kept_and_dropped_when_slack_says_the_channel_changed(bot, slack, db):
    slack.channels["C0MEET"] = {"members": ["U0AE"]}
    assert facing(slack, bot.db, "C0MEET") is False
    assert facing(slack, bot.db, "C0MEET") is False
    assert len(slack.calls_to("conversations.info")) == 1     # kept: asked once
    slack.channels["C0MEET"] = {"is_shared": True, "is_ext_shared": True, "members": ["U0AE", "U0DANA"]}
    e = copy.deepcopy(example("app_home_opened.json"))
    e["event"] = {"type": "channel_shared", "connected_team_id": "T0CLIENT", "channel": "C0MEET",
                  "event_ts": "1764000200.000100"}
    e["event_id"] = "Ev0SHARED01"
    assert bot.post(json.dumps(e).encode(), "application/json").status_code == 200
    def forgotten():
        assert audience.cached(bot.db, "T0ACME", "C0MEET") is None
    eventually(forgotten)
    assert facing(slack, bot.db, "C0MEET") is True


@pytest.mark.parametrize("user,external", [
    ({"team_id": "T0ACME"}, False), ({"team_id": "T0CLIENT"}, True), ({"team_id": "T0ACME", "is_restricted": True}, True),
    ({"team_id": "T0ACME", "is_ultra_restricted": True}, True), ({"is_stranger": True}, True),
    ({"profile": {"team": "T0CLIENT"}}, True),
])
def test_who_is_from_outside_the_agency(user, external):
    assert audience.is_external(user, "T0ACME") is external


def test_a_guest_we_learn_about_is_remembered_as_external(bot, slack):
    slack.users["U0DANA"] = {"team_id": "T0CLIENT", "real_name": "Dana Ortiz"}
    bot.command("/task", "list", user="U0DANA")
    def marked():
        with bot.db.transaction() as s:
            p = s.query(Person).filter_by(team_id="T0ACME", user_id="U0DANA").first()
            assert p is not None and p.external is True
    eventually(marked)
