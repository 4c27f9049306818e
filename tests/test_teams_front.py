"""The Teams front's door (issue 10): `/api/messages` beside `/slack/events` in one ASGI app, a Bot
Framework JWT checked before anything else, our identity whatever the environment says, and answers
kept as effects and sent through the Bot Connector with a token fetched once and reused."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from fake_teams import FakeTeams
from harness import BotServer

# Token checks come before any database; test_teams_identity.py runs on both.
pytestmark = pytest.mark.sqlite_only


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    """One bot for the table of refused requests (nothing they do reaches the database)."""
    from fake_slack import FakeSlack

    slack, teams = FakeSlack().start(), FakeTeams().start()
    server = BotServer(f"sqlite:///{tmp_path_factory.mktemp('door') / 'door.db'}", slack, teams=teams)
    yield server, teams
    server.stop()
    slack.stop()
    teams.stop()


@pytest.fixture
def both(db_url, slack, teams):
    server = BotServer(db_url, slack, teams=teams)
    yield server
    server.stop()


def activity(teams: FakeTeams, text: str = "help", **over) -> dict:
    a = {"type": "message", "id": f"act-{time.monotonic_ns()}", "timestamp": "2026-12-02T09:00:00.000Z",
         "serviceUrl": teams.service_url, "channelId": "msteams",
         "from": {"id": "29:1maria", "name": "Maria Lopez", "aadObjectId": "aad-maria"},
         "conversation": {"id": "a:1on1-maria", "conversationType": "personal", "tenantId": teams.tenant_id},
         "recipient": {"id": f"28:{teams.app_id}", "name": "ae-bot"},
         "text": text, "textFormat": "plain", "locale": "en-US",
         "entities": [{"type": "clientInfo", "locale": "en-US", "timezone": "Europe/Madrid"}],
         "channelData": {"tenant": {"id": teams.tenant_id}}}
    a.update(over)
    return a


def post(server: BotServer, body, token: str | None, raw: bytes | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return server.http.post("/api/messages", content=raw if raw is not None else json.dumps(body).encode(),
                            headers=headers)


def _rows(server: BotServer) -> int:
    import sqlalchemy as sa

    with server.db.engine.connect() as c:
        return c.execute(sa.text("SELECT count(*) FROM effect")).scalar() + \
            c.execute(sa.text("SELECT count(*) FROM inbound")).scalar()


def test_a_signed_message_is_answered_through_the_connector(both, teams):
    a = activity(teams, "<at>ae-bot</at> help")
    r = post(both, a, teams.inbound_token(a))
    assert r.status_code == 200
    sent = teams.wait_for("send")[0]
    assert sent.conversation == "a:1on1-maria" and "help" in sent.body["text"]
    assert teams.authorized(sent.headers)
    token_call = teams.calls_to("token")[0].body
    assert token_call["client_id"] == teams.app_id and token_call["grant_type"] == "client_credentials"
    assert token_call["scope"] == "https://api.botframework.com/.default"
    assert both.http.get("/healthz").status_code == 200
    assert both.command("/ae", "help").status_code == 200          # Slack is served by the same app


def test_the_outbound_token_is_fetched_once_and_reused(both, teams):
    for n in range(3):
        a = activity(teams, "help", id=f"m{n}")
        assert post(both, a, teams.inbound_token(a)).status_code == 200
    teams.wait_for("send", 3)
    assert len(teams.calls_to("token")) == 1


def test_a_redelivered_activity_is_answered_once(both, teams):
    a = activity(teams, "help", id="same-id")
    for _ in range(3):
        assert post(both, a, teams.inbound_token(a)).status_code == 200
    teams.wait_for("send")
    time.sleep(0.3)
    assert len(teams.calls_to("send")) == 1


def test_the_answer_is_in_the_readers_language(both, teams):
    a = activity(teams, "minutes", locale="es-ES",
                 entities=[{"type": "clientInfo", "locale": "es-ES", "timezone": "Europe/Madrid"}])
    assert post(both, a, teams.inbound_token(a)).status_code == 200
    assert "Teams" in teams.wait_for("send")[0].body["text"]
    assert "Escribe" in teams.wait_for("send")[0].body["text"]


@pytest.mark.parametrize("case", ["none", "not_bearer", "garbage", "forged", "expired", "not_yet",
                                  "wrong_audience", "wrong_issuer", "unknown_key", "hs256", "none_alg",
                                  "wrong_service_url", "no_exp"])
def test_bad_tokens_are_refused_before_anything_is_read_or_written(door, case):
    both, teams = door
    a = activity(teams, "help")
    now = int(time.time())
    token = {
        "none": None, "not_bearer": "", "garbage": "not.a.jwt",
        "forged": teams.inbound_token(a, key=teams.other_key),
        "expired": teams.inbound_token(a, exp=now - 3600, nbf=now - 7200, iat=now - 7200),
        "not_yet": teams.inbound_token(a, nbf=now + 3600),
        "wrong_audience": teams.inbound_token(a, aud="someone-else"),
        "wrong_issuer": teams.inbound_token(a, iss="https://evil.example"),
        "unknown_key": teams.inbound_token(a, key=teams.other_key, kid="other-kid"),
        "hs256": _hs256(teams, a), "none_alg": _none_alg(teams, a),
        "wrong_service_url": teams.inbound_token(a, serviceurl="https://evil.example/teams/"),
        "no_exp": teams.inbound_token(a, exp=None),
    }[case]
    headers = {"Content-Type": "application/json"}
    if case == "not_bearer":
        headers["Authorization"] = "Basic " + "x" * 20
    elif token is not None:
        headers["Authorization"] = f"Bearer {token}"
    before = _rows(both)
    r = both.http.post("/api/messages", content=json.dumps(a).encode(), headers=headers)
    assert r.status_code == 401 and r.content == b""
    time.sleep(0.2)
    assert _rows(both) == before and not teams.calls_to("send") and not teams.calls_to("token")


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b"[]", b'{"type": "message"}',
                                 b'{"type": 3, "serviceUrl": "x"}'])
def test_an_unreadable_signed_activity_gets_400(door, raw):
    both, teams = door
    r = post(both, None, teams.inbound_token(), raw=raw)
    assert r.status_code == 400


def _hs256(teams: FakeTeams, a: dict) -> str:
    import jwt

    return jwt.encode({"iss": "https://api.botframework.com", "aud": teams.app_id, "exp": int(time.time()) + 600,
                       "serviceurl": a["serviceUrl"]}, "shared-secret-guess", algorithm="HS256",
                      headers={"kid": teams.kid})


def _none_alg(teams: FakeTeams, a: dict) -> str:
    import base64

    def part(d):
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'kid': teams.kid})}." \
           f"{part({'iss': 'https://api.botframework.com', 'aud': teams.app_id, 'exp': int(time.time()) + 600})}."


SDK_OVERRIDES = {"CLIENT_ID": "attacker-app", "CLIENT_SECRET": "attacker-secret", "TENANT_ID": "attacker-tenant",
                 "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS": "true", "SKIP_AUTH": "true",
                 "SERVICE_URL": "https://evil.example/", "CLOUD": "USGov"}


def test_the_sdks_environment_names_switch_nothing(db_url, slack, teams, monkeypatch):
    for k, v in SDK_OVERRIDES.items():
        monkeypatch.setenv(k, v)
    server = BotServer(db_url, slack, teams=teams)
    try:
        a = activity(teams)
        assert post(server, a, None).status_code == 401                     # still authenticated
        assert post(server, a, teams.inbound_token(a, aud="attacker-app")).status_code == 401
        assert post(server, a, teams.inbound_token(a)).status_code == 200
        teams.wait_for("send")
        assert {c.body["client_id"] for c in teams.calls_to("token")} == {teams.app_id}
        front_app = [r for r in server.web.routes if r.path == "/api/messages"][0].endpoint.__self__.app
        assert front_app.credentials.client_id == teams.app_id
        assert front_app.credentials.tenant_id is None                       # not the attacker's tenant
        assert front_app.cloud.login_endpoint == "https://login.microsoftonline.com"
        assert front_app.server._dangerously_allow_unauthenticated_requests is False
    finally:
        server.stop()
    assert all(__import__("os").environ[k] == v for k, v in SDK_OVERRIDES.items())   # put back as found


def test_a_dotenv_beside_the_bot_is_not_read_by_the_sdk(tmp_path):
    """The SDK loads `.env` from the working directory when imported; ours must not let it."""
    import subprocess
    import sys

    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in SDK_OVERRIDES.items()))
    code = ("import os, asyncio\n"
            "from bot.teams.sdk import StarletteAdapter, build_app\n"
            "async def token(*a): return 'x'\n"
            "class T: get = staticmethod(token)\n"
            "app = build_app(app_id='ours', tokens=T(), tenant_id=None, metadata_url='http://127.0.0.1:9/m',"
            " service_url='http://127.0.0.1:9/', adapter=StarletteAdapter())\n"
            "asyncio.run(app.initialize())\n"
            "print(sorted(k for k in %r if k in os.environ), app.credentials.client_id, app.credentials.tenant_id,"
            " app.server._dangerously_allow_unauthenticated_requests)\n" % (tuple(SDK_OVERRIDES),))
    env = {k: v for k, v in __import__("os").environ.items() if k not in SDK_OVERRIDES}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[] ours None False"
