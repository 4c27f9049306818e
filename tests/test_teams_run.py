"""`ae-bot run` as a process with Teams: Teams only, and both front ends in one process (issue 10)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from fake_teams import FakeTeams
from urllib.parse import urlencode

from harness import SECRET, example, sign
from test_run_modes import _free_port, _stop, _wait_healthy
from test_teams_front import activity


def _run(tmp_path, **env) -> subprocess.Popen:
    base = {"PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "LOG_LEVEL": "INFO"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env={**base, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _teams_env(teams: FakeTeams) -> dict:
    return {"TEAMS_APP_ID": teams.app_id, "TEAMS_APP_PASSWORD": teams.password,
            "TEAMS_OPENID_METADATA_URL": teams.openid_metadata_url, "TEAMS_TOKEN_URL": teams.token_url}


def _say(url: str, teams: FakeTeams, text: str, **over) -> httpx.Response:
    a = activity(teams, text, **over)
    return httpx.post(f"{url}/api/messages", content=json.dumps(a).encode(), timeout=10,
                      headers={"Content-Type": "application/json", "Authorization": f"Bearer {teams.inbound_token(a)}"})


def test_teams_only(tmp_path, teams):
    port = _free_port()
    proc = _run(tmp_path, PORT=str(port), **_teams_env(teams))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        assert _say(url, teams, "help").status_code == 200
        sent = teams.wait_for("send", timeout=20)[0]          # sent by the worker process
        assert "help" in sent.body["text"]
        assert httpx.post(f"{url}/slack/events", content=b"{}").status_code == 404
    finally:
        out = _stop(proc)
    assert "Traceback" not in out, out[-3000:]
    assert teams.password not in out and "fake-bearer" not in out   # no secret or token in the log


def test_slack_and_teams_in_one_process(tmp_path, slack, teams):
    port = _free_port()
    proc = _run(tmp_path, PORT=str(port), SLACK_BOT_TOKEN="xoxb-run-test", SLACK_API_URL=slack.api_url,
                SLACK_SIGNING_SECRET=SECRET, **_teams_env(teams))
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        assert _say(url, teams, "<at>ae-bot</at> help").status_code == 200
        teams.wait_for("send", timeout=20)
        fields = example("slash_command.txt")
        fields.update(command="/ae", text="help", team_id=slack.team_id, response_url=slack.response_url("r"))
        body = urlencode(fields).encode()
        r = httpx.post(f"{url}/slack/events", content=body, timeout=10,
                       headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)})
        assert r.status_code == 200
    finally:
        out = _stop(proc)
    assert "Traceback" not in out, out[-3000:]


def test_without_either_it_says_what_is_missing_for_each(tmp_path):
    out = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"]}, timeout=60)
    assert out.returncode == 2
    assert "SLACK_BOT_TOKEN" in out.stderr and "TEAMS_APP_ID" in out.stderr and "TEAMS_APP_PASSWORD" in out.stderr
