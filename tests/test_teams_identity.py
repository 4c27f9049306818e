"""Teams identity (issue 10): tenants and users map to our workspace and person keys without meeting
Slack's; the person's zone and locale come from the activity and are refreshed whenever they write;
conversation references are kept on install and retired on uninstall."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.teams.identity import team_key, user_key
from harness import BotServer
from test_teams_front import activity


@pytest.fixture
def server(db_url, slack, teams):
    s = BotServer(db_url, slack, teams=teams)
    yield s
    s.stop()


def send(server, teams, a) -> int:
    return server.http.post("/api/messages", content=json.dumps(a).encode(), headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {teams.inbound_token(a)}"}).status_code


def rows(server, sql: str):
    with server.db.engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(sql))]


def test_keys_fit_our_columns_and_never_look_like_slack_ids():
    t, u = team_key("72f988bf-86f1-41af-91ab-2d7cd011db47"), user_key("72f988bf-86f1-41af-91ab-2d7cd011db47", "aad-1")
    assert len(t) <= 32 and len(u) <= 32 and t.startswith("MT") and u.startswith("MU")
    assert team_key("tenant-a") != team_key("tenant-b")
    assert user_key("tenant-a", "aad-1") != user_key("tenant-b", "aad-1")     # one person, two tenants


def test_a_message_teaches_us_who_wrote_their_zone_and_locale(server, teams):
    a = activity(teams, "help", entities=[{"type": "clientInfo", "locale": "ko-KR", "timezone": "Asia/Seoul"}],
                 locale="ko-KR")
    assert send(server, teams, a) == 200
    me = user_key(teams.tenant_id, "aad-maria")
    assert rows(server, f"SELECT team_id, tz, locale, name FROM person WHERE user_id = '{me}'") == [
        (team_key(teams.tenant_id), "Asia/Seoul", "ko-KR", "Maria Lopez")]
    assert rows(server, f"SELECT teams_id, aad_object_id FROM teams_account WHERE user_id = '{me}'") == [
        ("29:1maria", "aad-maria")]
    assert "Teams" in teams.wait_for("send")[0].body["text"] and "입력" in teams.wait_for("send")[0].body["text"]
    # Travelling: the next message refreshes the zone.
    b = activity(teams, "help", entities=[{"type": "clientInfo", "locale": "ko-KR", "timezone": "Europe/Madrid"}])
    assert send(server, teams, b) == 200
    assert rows(server, f"SELECT tz FROM person WHERE user_id = '{me}'") == [("Europe/Madrid",)]


def test_install_keeps_the_conversation_and_uninstall_retires_it(server, teams):
    add = activity(teams, None, type="installationUpdate", action="add",
                   conversation={"id": "19:general@thread.tacv2", "conversationType": "channel",
                                 "tenantId": teams.tenant_id})
    add.pop("text")
    assert send(server, teams, add) == 200
    ref = rows(server, "SELECT conversation_id, kind, service_url, retired_at FROM teams_conversation")
    assert ref == [("19:general@thread.tacv2", "channel", teams.service_url, None)]
    remove = {**add, "action": "remove", "id": "rm-1"}
    assert send(server, teams, remove) == 200
    assert rows(server, "SELECT retired_at IS NOT NULL FROM teams_conversation") in ([(1,)], [(True,)])
    assert not teams.calls_to("send")          # installing says nothing yet; nothing sent to a retired chat


def test_the_bot_removed_from_a_team_retires_that_conversation(server, teams):
    hi = activity(teams, "help", conversation={"id": "19:team@thread", "conversationType": "channel",
                                               "tenantId": teams.tenant_id})
    assert send(server, teams, hi) == 200
    bye = {**hi, "type": "conversationUpdate", "id": "cu-1", "membersRemoved": [{"id": hi["recipient"]["id"]}]}
    bye.pop("text")
    assert send(server, teams, bye) == 200
    assert rows(server, "SELECT retired_at IS NOT NULL FROM teams_conversation") in ([(1,)], [(True,)])
