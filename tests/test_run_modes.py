"""`ae-bot run` for real, as a process: HTTP mode serves /healthz and /slack/events; Socket Mode
connects with the app-level token through SLACK_API_URL."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

import httpx
import sqlalchemy as sa
from harness import SECRET, example, sign


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path, slack, **env) -> subprocess.Popen:
    base = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": "xoxb-run-test", "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "LOG_LEVEL": "INFO"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env={**base, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_http_mode_serves_events_and_health(tmp_path, slack):
    port = _free_port()
    proc = _start(tmp_path, slack, SLACK_SIGNING_SECRET=SECRET, PORT=str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.time() < deadline, "ae-bot run did not come up"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["ok"] is True
        body = b"command=%2Fae&text=help&team_id=T0ACME&user_id=U0AE&channel_id=C0MEET&trigger_id=1.2"
        r = httpx.post(f"{url}/slack/events", content=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)})
        assert r.status_code == 200 and "/minutes" in r.text
        forged = httpx.post(f"{url}/slack/events", content=body,
                            headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body, secret="x")})
        assert forged.status_code == 401
        # The reminder scheduler runs in the worker process ae-bot run starts: its first tick comes at start.
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'run.db'}")
        deadline = time.time() + 30
        while True:
            with engine.connect() as c:
                ticked = c.execute(sa.text("SELECT last_tick_at FROM scheduler_state")).first()
            if ticked or time.time() > deadline:
                break
            time.sleep(0.2)
        engine.dispose()
        assert ticked, "ae-bot run did not tick"
    finally:
        out = _stop(proc)
    assert "xoxb-run-test" not in out and "Traceback" not in out
    assert (tmp_path / "run.db").exists()          # the schema was brought up to date at start


def test_socket_mode_connects_with_the_app_token(tmp_path, slack):
    proc = _start(tmp_path, slack, SLACK_APP_TOKEN="xapp-1-run-test")   # no signing secret needed
    try:
        call = slack.wait_for("apps.connections.open", timeout=30)[0]
        assert call.headers.get("Authorization", call.headers.get("authorization")) == "Bearer xapp-1-run-test"
    finally:
        out = _stop(proc)
    assert "can't start" not in out and "xapp-1-run-test" not in out


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 30) -> httpx.Response:
    deadline = time.time() + timeout
    while True:
        try:
            r = httpx.get(f"{url}/healthz", timeout=1)
            if r.status_code == 200:
                return r
        except httpx.TransportError:
            pass
        assert proc.poll() is None and time.time() < deadline, "ae-bot run did not come up"
        time.sleep(0.1)


def _worker_pids(pid: int) -> list[int]:
    """The children of `pid` that are `ae-bot worker` processes (their cmdline says so)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    found = []
    for p in out:
        try:
            if b"worker" in open(f"/proc/{p}/cmdline", "rb").read():
                found.append(int(p))
        except FileNotFoundError:
            pass
    return found


def test_work_behind_the_ack_runs_in_a_worker_that_comes_back(tmp_path, slack):
    """`ae-bot run` acks in one process and opens the modal from its worker; a killed worker is
    restarted and the next request is served again."""
    port = _free_port()
    proc = _start(tmp_path, slack, SLACK_SIGNING_SECRET=SECRET, PORT=str(port))
    url = f"http://127.0.0.1:{port}"

    def minutes(trigger: str) -> httpx.Response:
        body = urlencode({**example("slash_command.txt"), "trigger_id": trigger}).encode()
        return httpx.post(f"{url}/slack/events", content=body,
                          headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)})

    try:
        assert _wait_healthy(url, proc).json() == {"ok": True, "database": "ok", "worker": "ok"}
        [worker] = _worker_pids(proc.pid)
        r = minutes("1.first")
        assert r.status_code == 200 and r.text == ""         # the ack carries nothing: the work is behind it
        opened = slack.wait_for("views.open", timeout=20)[0]
        assert opened.params["trigger_id"] == "1.first"
        assert "Spring campaign kick-off" in json.dumps(opened.params["view"])

        os.kill(worker, signal.SIGKILL)
        deadline = time.time() + 30
        while not (_worker_pids(proc.pid) and _worker_pids(proc.pid) != [worker]):
            assert time.time() < deadline, "the worker was not restarted"
            time.sleep(0.1)
        _wait_healthy(url, proc)
        assert minutes("2.second").status_code == 200
        slack.wait_for("views.open", count=2, timeout=20)
    finally:
        out = _stop(proc)
    assert "worker process" in out and "restarting" in out   # the death was logged, not silent
    assert "Traceback" not in out
