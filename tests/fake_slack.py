"""A small fake Slack Web API served over real HTTP (stdlib only).

Modelled on bolt-python's tests/mock_web_api_server: a ThreadingHTTPServer in a
daemon thread that records every request and answers like Slack does, including
the payload limits that real Slack enforces (so tests catch oversize messages).

    slack = FakeSlack().start()
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    ...
    slack.wait_for("chat.postMessage")
    slack.stop()

It also keeps what the bot posted, per resolved channel id (a post to a user id U… lands in
that user's DM, "D" + the id without its first letter -- the same id conversations.open gives),
with its metadata, and serves it back through conversations.history (see messages_in() too).
`delay` slows chosen methods down: slack.delay["chat.update"] = lambda: random.uniform(0, 0.4).
"""
from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qs, urlparse

JSON_FIELDS = ("blocks", "view", "attachments")
EVENT_TYPE = re.compile(r"^[A-Za-z0-9_-]+$")  # Slack: letters, digits, underscores, hyphens


def _truthy(value: Any) -> bool:
    """Slack's boolean params: true/"true"/"1"/1 (slack_sdk sends bools as "1"/"0")."""
    return value is True or str(value).strip().lower() in ("1", "true")


def _ts_key(ts: Any) -> Decimal:
    try:
        return Decimal(str(ts))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _dm_channel(channel: str) -> str:
    """Posting to a user id (U…/W…) lands in that user's DM: the id conversations.open returns."""
    return "D" + channel[1:] if channel[:1] in ("U", "W") else channel


def _parse_metadata(raw: Any) -> tuple[Optional[dict], Optional[str], Optional[str]]:
    """(metadata, error, warning) for a message's `metadata` param (a JSON object or JSON string).

    Not JSON / not an object -> error invalid_metadata_format (the post fails). A bad event_type or
    a non-object event_payload -> Slack posts the message but ignores the metadata, with the warning
    invalid_metadata_schema."""
    if raw is None or raw == "":
        return None, None, None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None, "invalid_metadata_format", None
    if not isinstance(raw, dict):
        return None, "invalid_metadata_format", None
    event_type, payload = raw.get("event_type"), raw.get("event_payload")
    if not isinstance(event_type, str) or not EVENT_TYPE.match(event_type) or not isinstance(payload, dict):
        return None, None, "invalid_metadata_schema"
    return {"event_type": event_type, "event_payload": payload}, None, None


class _Server(ThreadingHTTPServer):
    # Several bot processes may connect at once (concurrent ticks); the default backlog of 5 drops them.
    request_queue_size = 1024  # decoded when sent as JSON strings


@dataclass
class Call:
    method: str
    params: dict
    headers: dict = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    @property
    def text(self) -> Optional[str]:
        return self.params.get("text")


def _blocks_ok(blocks: Any, max_blocks: int) -> bool:
    """Slack's Block Kit limits (the common ones)."""
    if blocks is None:
        return True
    if not isinstance(blocks, list) or len(blocks) > max_blocks:
        return False

    def text_len(obj: Any) -> int:
        return len(obj.get("text") or "") if isinstance(obj, dict) else 0

    for b in blocks:
        if not isinstance(b, dict) or "type" not in b:
            return False
        kind = b["type"]
        if kind == "section":
            fields = b.get("fields") or []
            if text_len(b.get("text")) > 3000 or len(fields) > 10:
                return False
            if any(text_len(f) > 2000 for f in fields):
                return False
        elif kind == "header" and text_len(b.get("text")) > 150:
            return False
        elif kind == "context":
            elements = b.get("elements") or []
            if len(elements) > 10 or any(text_len(e) > 3000 for e in elements):
                return False
    return True


class FakeSlack:
    def __init__(self, team_id: str = "T0ACME", bot_user_id: str = "U0BOT", bot_id: str = "B0BOT",
                 team_name: str = "Acme", team_domain: str = "acme"):
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_name = team_name
        self.team_domain = team_domain   # the workspace url is https://<team_domain>.slack.com/
        self.calls: list[Call] = []
        self.users: dict[str, dict] = {}
        self.not_in_channel: set[str] = set()
        self.private_channels: set[str] = set()
        # conversations.info / conversations.members: per channel, e.g. {"is_ext_shared": True, "members": [...]}
        self.channels: dict[str, dict] = {}
        self.latency: float = 0.0
        # Per-method extra latency, in seconds or a function returning seconds (asked on every call),
        # slept in the handler thread before answering: other calls proceed meanwhile.
        self.delay: dict[str, Union[Callable[[], float], float]] = {}
        # Every Nth chat.postMessage answers 429 (Retry-After: 1): a steady rate-limit storm for benchmarks.
        self.ratelimit_every: int = 0
        self._posts = itertools.count(1)
        self.url = ""
        self.api_url = ""
        self._failures: dict[str, list[tuple[int, dict, dict]]] = {}  # method -> queue
        self._lock = threading.Lock()
        self._ts = itertools.count(101)
        self._ids = itertools.count(1)
        # Posted messages per resolved channel id, in posting order: dicts with channel, ts, text,
        # blocks, thread_ts, reply_broadcast, metadata. Kept across reset() (it is Slack's state).
        self._messages: dict[str, list[dict]] = {}
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ---- lifecycle -------------------------------------------------------
    def start(self) -> "FakeSlack":
        fake = self

        class Handler(_Handler):
            slack = fake

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.api_url = self.url + "/api/"
        self._thread = threading.Thread(  # short poll interval => stop() returns quickly
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "FakeSlack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- inspection ------------------------------------------------------
    def response_url(self, key: str = "r1") -> str:
        return f"{self.url}/response/{key}"

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 where: Optional[Callable[[Call], bool]] = None) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.calls_to(method) if where is None or where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                with self._lock:
                    seen = dict(Counter(c.method for c in self.calls))
                raise AssertionError(
                    f"expected {count} call(s) to {method}, got {len(found)} "
                    f"within {timeout}s; methods seen: {seen}")
            time.sleep(0.01)

    def messages_in(self, channel: str) -> list[dict]:
        """The top-level messages (not thread replies) posted to channel, oldest first; a user id
        U… means that user's DM. Copies: each has channel, ts, text, blocks, thread_ts, metadata."""
        with self._lock:
            stored = copy.deepcopy(self._messages.get(_dm_channel(channel), []))
        return sorted((m for m in stored if self._top_level(m)), key=lambda m: _ts_key(m["ts"]))

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()

    def fail_next(self, method: str, error: Optional[str] = None, status: int = 200,
                  retry_after: Optional[int] = None, times: int = 1) -> None:
        headers = {}
        if retry_after is not None:
            status = 429 if status == 200 else status
            headers["Retry-After"] = str(retry_after)
        if status == 429:
            error = error or "ratelimited"
        body = {"ok": False, "error": error or ("fatal_error" if status >= 500 else "error")}
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, body, headers)] * times)

    # ---- internals used by the handler -----------------------------------
    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _take_failure(self, method: str) -> Optional[tuple[int, dict, dict]]:
        """Pop the next injected failure (status, body, headers) for method, if any."""
        with self._lock:
            queued = self._failures.get(method)
            return queued.pop(0) if queued else None

    def _periodic_ratelimit(self, method: str):
        if not self.ratelimit_every or method != "chat.postMessage":
            return None
        with self._lock:
            n = next(self._posts)
        if n % self.ratelimit_every:
            return None
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}

    def _delay(self, method: str) -> None:
        delay = self.delay.get(method)
        seconds = delay() if callable(delay) else delay
        if seconds and seconds > 0:
            time.sleep(seconds)

    @staticmethod
    def _top_level(m: dict) -> bool:
        thread_ts = m.get("thread_ts")
        return not thread_ts or thread_ts == m["ts"] or bool(m.get("reply_broadcast"))

    def _store(self, channel: str, p: dict, ts: str, metadata: Optional[dict]) -> None:
        thread_ts = p.get("thread_ts")
        message = {"channel": channel, "ts": ts, "text": p.get("text"), "blocks": p.get("blocks"),
                   "thread_ts": str(thread_ts) if thread_ts else None,
                   "reply_broadcast": _truthy(p.get("reply_broadcast")), "metadata": metadata}
        with self._lock:
            self._messages.setdefault(channel, []).append(message)

    def _update_stored(self, channel: str, p: dict, metadata: Optional[dict]) -> None:
        with self._lock:
            for m in self._messages.get(channel, []):
                if m["ts"] == str(p.get("ts")):
                    for key in ("text", "blocks"):   # Slack keeps a field that the update leaves out
                        if key in p:
                            m[key] = p[key]
                    if metadata is not None:
                        m["metadata"] = metadata

    def _delete_stored(self, channel: str, ts: str) -> None:
        with self._lock:
            if channel in self._messages:
                self._messages[channel] = [m for m in self._messages[channel] if m["ts"] != ts]

    def _history(self, p: dict) -> dict:
        channel = _dm_channel(p.get("channel") or "")
        if channel in self.not_in_channel:
            return {"ok": False, "error": "not_in_channel"}
        try:
            limit = int(p.get("limit") or 100)
        except (TypeError, ValueError):
            return {"ok": False, "error": "invalid_limit"}
        limit = max(1, min(limit, 999))
        oldest = _ts_key(p.get("oldest") or 0)
        latest = _ts_key(p["latest"]) if p.get("latest") else None
        inclusive = _truthy(p.get("inclusive"))
        before = latest   # page upper bound, inclusive on the first page
        cursor = p.get("cursor") or ""
        if cursor:
            try:
                before = _ts_key(base64.urlsafe_b64decode(cursor.encode()).decode().split("next_ts:", 1)[1])
            except (ValueError, IndexError):
                return {"ok": False, "error": "invalid_cursor"}
        with self._lock:
            stored = copy.deepcopy(self._messages.get(channel, []))
        replies = Counter(m["thread_ts"] for m in stored if m["thread_ts"] and m["thread_ts"] != m["ts"])
        window = []
        for m in stored:
            key = _ts_key(m["ts"])
            if not self._top_level(m) or key < oldest or (key == oldest and not inclusive):
                continue
            if before is not None and (key > before or (cursor and key == before)):
                continue
            window.append(m)
        window.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        page, more = window[:limit], len(window) > limit
        include_metadata = _truthy(p.get("include_all_metadata"))
        messages = []
        for m in page:
            out = {"type": "message", "ts": m["ts"], "text": m["text"] or "",
                   "user": self.bot_user_id, "bot_id": self.bot_id}
            if m["blocks"]:
                out["blocks"] = m["blocks"]
            if m["thread_ts"]:
                out["thread_ts"] = m["thread_ts"]
            if replies.get(m["ts"]):
                out.update(thread_ts=m["ts"], reply_count=replies[m["ts"]])
            if include_metadata and m["metadata"]:
                out["metadata"] = m["metadata"]
            messages.append(out)
        next_cursor = ""
        if more:
            next_cursor = base64.urlsafe_b64encode(f"next_ts:{page[-1]['ts']}".encode()).decode()
        return {"ok": True, "messages": messages, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": next_cursor}}

    def _next_ts(self) -> str:
        with self._lock:
            return f"1764000000.{next(self._ts):06d}"

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}0FAKE{next(self._ids):04d}"

    def _answer(self, method: str, p: dict) -> dict:
        ok = {"ok": True}
        if method == "auth.test":
            return {"ok": True, "url": f"https://{self.team_domain}.slack.com/", "team": self.team_name,
                    "user": "ae-bot", "team_id": self.team_id, "user_id": self.bot_user_id,
                    "bot_id": self.bot_id, "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.update"):
            channel = p.get("channel", "")
            if method == "chat.postMessage" and channel in self.not_in_channel:
                return {"ok": False, "error": "not_in_channel"}
            if not (p.get("text") or p.get("blocks") or p.get("attachments")):
                return {"ok": False, "error": "no_text"}
            if not _blocks_ok(p.get("blocks"), 50):
                return {"ok": False, "error": "invalid_blocks"}
            if len(p.get("text") or "") > 40000:
                return {"ok": False, "error": "msg_too_long"}
            metadata, error, warning = _parse_metadata(p.get("metadata"))
            if error:
                return {"ok": False, "error": error}
            channel = _dm_channel(channel)  # posting to a user id lands in the DM
            ts = p.get("ts") if method == "chat.update" else self._next_ts()
            message = {"type": "message", "text": p.get("text"), "blocks": p.get("blocks"),
                       "ts": ts, "bot_id": self.bot_id, "user": self.bot_user_id}
            if metadata:
                message["metadata"] = metadata
            if method == "chat.update":
                self._update_stored(channel, p, metadata)
                answer = {"ok": True, "channel": channel, "ts": ts, "text": p.get("text"),
                          "message": message}
            else:
                self._store(channel, p, ts, metadata)
                answer = {"ok": True, "channel": channel, "ts": ts, "message": message}
            if warning:
                answer.update(warning=warning, response_metadata={"warnings": [warning]})
            return answer
        if method == "chat.delete":
            channel = _dm_channel(p.get("channel", ""))
            self._delete_stored(channel, str(p.get("ts", "")))
            return {"ok": True, "channel": channel, "ts": p.get("ts")}
        if method == "conversations.history":
            return self._history(p)
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.getPermalink":
            ch, ts = p.get("channel", ""), str(p.get("message_ts", ""))
            return {"ok": True, "channel": ch,
                    "permalink": f"https://{self.team_domain}.slack.com/archives/{ch}/p{ts.replace('.', '')}"}
        if method == "conversations.info":
            channel = p.get("channel", "")
            facts = {k: v for k, v in self.channels.get(channel, {}).items() if k != "members"}
            return {"ok": True, "channel": {"id": channel, "is_channel": True, "is_shared": False,
                                            "is_ext_shared": False, "is_private": channel in self.private_channels,
                                            **facts}}
        if method == "conversations.members":
            return {"ok": True, "members": list(self.channels.get(p.get("channel", ""), {}).get("members", [])),
                    "response_metadata": {"next_cursor": ""}}
        if method == "conversations.join":
            channel = p.get("channel", "")
            if channel in self.private_channels:
                return {"ok": False, "error": "method_not_supported_for_channel_type"}
            self.not_in_channel.discard(channel)
            return {"ok": True, "channel": {"id": channel}}
        if method == "conversations.open":
            users = p.get("users") or ""
            first = (users if isinstance(users, str) else ",".join(users)).split(",")[0].strip()
            return {"ok": True, "channel": {"id": "D" + first[1:]}}  # == _dm_channel() for U…/W… ids
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            view = p.get("view")
            if not isinstance(view, dict):
                return {"ok": False, "error": "invalid_arguments"}
            title = (view.get("title") or {}).get("text") or ""
            if (not _blocks_ok(view.get("blocks") or [], 100) or len(title) > 24
                    or len(view.get("private_metadata") or "") > 3000):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {**view, "id": p.get("view_id") or self._new_id("V"),
                                         "hash": self._new_id("h"), "type": view.get("type")}}
        if method == "files.getUploadURLExternal":   # files.uploadV2, step 1 (step 2 is POST /upload/<id>)
            fid = self._new_id("F")
            return {"ok": True, "upload_url": f"{self.url}/upload/{fid}", "file_id": fid}
        if method == "files.completeUploadExternal":
            files = json.loads(p.get("files") or "[]")
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "users.info":
            uid = p.get("user", "")
            custom = dict(self.users.get(uid, {}))
            user = {"id": uid, "team_id": self.team_id, "name": uid.lower(), "real_name": uid,
                    "tz": "America/New_York", "tz_label": "Eastern Standard Time",
                    "tz_offset": -18000, "locale": "en-US", "is_admin": False}
            profile = {"real_name": custom.get("real_name", uid),
                       "display_name": custom.get("name", uid.lower()),
                       **custom.pop("profile", {})}
            user.update(custom)
            user["profile"] = profile
            return {"ok": True, "user": user}
        return ok  # unknown methods succeed


class _Handler(BaseHTTPRequestHandler):
    slack: FakeSlack  # set on the per-server subclass
    protocol_version = "HTTP/1.1"   # keep-alive, like Slack: clients that reuse connections may

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _params(self) -> dict:
        url = urlparse(self.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ctype = (self.headers.get("Content-Type") or "").lower()
        if raw and "json" in ctype:
            body = json.loads(raw.decode("utf-8"))
            params.update(body if isinstance(body, dict) else {})
        elif raw and "x-www-form-urlencoded" in ctype:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
            params.update({k: v[-1] for k, v in form.items()})
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    def _send(self, status: int, body: Any, headers: Optional[dict] = None) -> None:
        is_text = isinstance(body, str)
        data = (body if is_text else json.dumps(body)).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if is_text else "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        path = urlparse(self.path).path
        if path.startswith("/upload/"):   # the file's bytes, as sent to files.getUploadURLExternal's upload_url
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.slack._record(Call("file_upload", {"_id": path[len("/upload/"):], "body": raw}, dict(self.headers)))
            return self._send(200, "OK - ok")
        params = self._params()
        headers = dict(self.headers.items())
        if path.startswith("/response/"):
            params["_key"] = path[len("/response/"):]
            self.slack._record(Call("response_url", params, headers))
            self.slack._delay("response_url")
            failure = self.slack._take_failure("response_url")
            return self._send(*failure) if failure else self._send(200, "ok")
        if not path.startswith("/api/"):
            return self._send(404, {"ok": False, "error": "unknown_path"})
        method = path[len("/api/"):].strip("/")
        self.slack._record(Call(method, params, headers))
        if self.slack.latency:
            time.sleep(self.slack.latency)
        self.slack._delay(method)
        authed = (headers.get("Authorization") or "").startswith("Bearer ") or params.get("token")
        if not authed:
            return self._send(200, {"ok": False, "error": "not_authed"})
        failure = self.slack._take_failure(method) or self.slack._periodic_ratelimit(method)
        if failure:
            return self._send(*failure)
        self._send(200, self.slack._answer(method, params))

    do_GET = do_POST = _handle
