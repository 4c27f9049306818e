"""Drives the real bot over HTTP: signed requests into POST /slack/events, Slack faked at its Web API.

Payloads start from the examples in tests/fixtures/slack-payloads (copied from Slack's docs) and change only ids and values.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import uvicorn

from bot.db import Database
from bot.settings import Settings
from bot.slack_app import create_app
from bot.web import create_web
from bot.work import Worker

PAYLOADS = Path(__file__).resolve().parent / "fixtures" / "slack-payloads"
SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token-123"
_trigger = itertools.count(1)


def example(name: str):
    text = (PAYLOADS / name).read_text()
    return dict(parse_qsl(text.strip())) if name.endswith(".txt") else json.loads(text)


def sign(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> dict:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class BotServer:
    """The real ASGI app under uvicorn, in a thread, on a free loopback port."""

    def __init__(self, db_url: str, slack, teams=None):
        self.slack = slack
        extra = {}
        if teams is not None:   # a tests/fake_teams.FakeTeams: Teams served beside Slack
            extra = dict(teams_app_id=teams.app_id, teams_app_password=teams.password,
                         teams_openid_metadata_url=teams.openid_metadata_url, teams_token_url=teams.token_url)
        self.settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_app_token="",
                                 slack_api_url=slack.api_url, database_url=db_url, _env_file=None, **extra)
        self.db = Database(db_url)
        self.db.upgrade()
        self.worker = Worker(self.settings, self.db, reminders=False)
        front = None
        if teams is not None:
            from bot.teams.front import TeamsFront

            front = TeamsFront(self.settings, self.db)
        self.web = create_web(create_app(self.settings, self.db), self.db, worker=self.worker, teams=front)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(self.web, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        while not self.server.started:
            time.sleep(0.005)
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def stop(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(5)
        self.db.dispose()

    # --- raw -----------------------------------------------------------------------------------
    def post(self, body: bytes, content_type: str, timestamp: int | None = None, secret: str = SECRET,
             headers: dict | None = None) -> httpx.Response:
        h = {"Content-Type": content_type, **sign(body, timestamp, secret), **(headers or {})}
        return self.http.post("/slack/events", content=body, headers=h)

    def post_form(self, fields: dict, **kw) -> httpx.Response:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kw)

    def post_payload(self, payload: dict, **kw) -> httpx.Response:
        return self.post_form({"payload": json.dumps(payload)}, **kw)

    # --- Slack's request shapes --------------------------------------------------------------------
    def command(self, command: str, text: str = "", user: str = "U0AE", channel: str = "C0MEET",
                team: str = "T0ACME", **kw) -> httpx.Response:
        fields = example("slash_command.txt")
        fields.update(command=command, text=text, user_id=user, channel_id=channel, team_id=team,
                      trigger_id=f"{next(_trigger)}.trigger", response_url=self.slack.response_url(f"cmd{next(_trigger)}"))
        return self.post_form(fields, **kw)

    def click(self, action_id: str, value: str = "", user: str = "U0ALICE", team: str = "T0ACME",
              channel: str = "C0MEET", message_ts: str = "1764000000.000100", view: dict | None = None,
              **kw) -> httpx.Response:
        p = example("block_actions.json")
        p["user"] = {**p["user"], "id": user, "team_id": team}
        p["team"] = {"id": team, "domain": "acme"}
        p["trigger_id"] = f"{next(_trigger)}.trigger"
        p["actions"][0].update(action_id=action_id, value=value)
        if view is not None:   # a click inside a modal or on the Home tab
            for k in ("channel", "message", "response_url"):
                p.pop(k, None)
            p["container"] = {"type": "view", "view_id": view.get("id", "V0HOME")}
            p["view"] = view
        else:
            p["channel"] = {"id": channel, "name": "spring-campaign"}
            p["container"] = {**p["container"], "channel_id": channel, "message_ts": message_ts}
            p["response_url"] = self.slack.response_url(f"act{next(_trigger)}")
        return self.post_payload(p, **kw)

    def submit(self, view: dict, values: dict, user: str = "U0AE", team: str = "T0ACME",
               **kw) -> httpx.Response:
        """Submit a view the bot opened, filling its inputs like Slack's `state.values`."""
        p = example("view_submission.json")
        p["user"] = {**p["user"], "id": user, "team_id": team}
        p["team"] = {"id": team, "domain": "acme"}
        v = copy.deepcopy(view)
        v.setdefault("id", "V0MODAL01")
        v.setdefault("hash", "1764000040.abcd")
        v["state"] = {"values": fill_state(view, values)}
        p["view"] = {**p["view"], **v}
        return self.post_payload(p, **kw)

    def home_opened(self, user: str = "U0ALICE", team: str = "T0ACME", **kw) -> httpx.Response:
        e = example("app_home_opened.json")
        e["team_id"] = team
        e["event"]["user"] = user
        e["authorizations"][0]["team_id"] = team
        e["event_id"] = f"Ev{next(_trigger):08d}"   # each event Slack sends has its own id (a retry repeats it)
        return self.post(json.dumps(e).encode(), "application/json", **kw)

    # --- what the bot did ----------------------------------------------------------------------
    def opened_view(self, n: int = 1) -> dict:
        """The n-th view the bot opened (views.open), with the id and hash Slack gave it."""
        call = self.slack.wait_for("views.open", n)[n - 1]
        return {**call.params["view"], "id": f"V{n:08d}", "hash": f"h{n}"}


_INITIAL = {"plain_text_input": "initial_value", "datepicker": "initial_date", "users_select": "initial_user",
            "multi_users_select": "initial_users", "static_select": "initial_option",
            "checkboxes": "initial_options", "conversations_select": "initial_conversation"}


def fill_state(view: dict, values: dict) -> dict:
    """Slack sends every input block in state.values: what was typed or picked, else the initial value
    (an untouched pre-filled field), else null. Pass None to clear a field; shaped by element type."""
    state = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        el = block["element"]
        bid, kind = block["block_id"], el["type"]
        v = values[bid] if bid in values else el.get(_INITIAL.get(kind, ""))
        if kind == "plain_text_input":
            s = {"type": kind, "value": v}
        elif kind == "datepicker":
            s = {"type": kind, "selected_date": str(v) if v else None}
        elif kind == "users_select":
            s = {"type": kind, "selected_user": v}
        elif kind == "multi_users_select":
            s = {"type": kind, "selected_users": list(v or [])}
        elif kind == "static_select":
            if isinstance(v, str):
                v = next((o for o in el["options"] if o["value"] == v), None)
            s = {"type": kind, "selected_option": v}
        elif kind == "conversations_select":
            s = {"type": kind, "selected_conversation": v}
        elif kind == "checkboxes":
            if v and isinstance(v[0], str):
                v = [o for o in el["options"] if o["value"] in v]
            s = {"type": kind, "selected_options": list(v or [])}
        else:
            raise ValueError(kind)
        state[bid] = {el["action_id"]: s}
    return state


def eventually(check, timeout: float = 5.0):
    """Retry `check` (which asserts) until it passes: the bot finishes its work after the ack."""
    deadline = time.time() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.01)
