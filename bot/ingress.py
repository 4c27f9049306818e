"""What a request to /slack/events must pass before Bolt parses it.

Signature and timestamp first, over the raw bytes (an unsigned or stale request is refused before
its body is read as anything); then it must decode, parse into the shape Slack sends, and come from
the workspace we are installed in. A refusal is one log line, never a traceback.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl


log = logging.getLogger("ae_bot.ingress")

MAX_BODY = 1_000_000
MAX_TEXT = 8_000        # a slash command's text (Slack sends at most about 4,000 characters)


@dataclass
class Refusal:
    status: int
    reason: str


def verify(secret: str, raw: bytes, headers) -> Refusal | None:
    ts, sig = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
    if not ts or not sig:
        return Refusal(401, "unsigned")
    try:
        age = abs(time.time() - int(ts))
    except ValueError:
        return Refusal(401, "bad timestamp")
    if age > 300:
        return Refusal(401, "stale timestamp")
    # Over the raw bytes (slack-sdk's verifier decodes them first, and fails on bytes that aren't UTF-8).
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sig):
        return Refusal(401, "bad signature")
    return None


def parse(raw: bytes, content_type: str) -> tuple[dict | None, Refusal | None]:
    """The body as Slack's shapes, or why not."""
    if len(raw) > MAX_BODY:
        return None, Refusal(400, "body too large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, Refusal(400, "body is not UTF-8")
    try:
        if "application/json" in content_type:
            body = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            body = json.loads(form["payload"]) if "payload" in form else form
    except (ValueError, KeyError):
        return None, Refusal(400, "body does not parse")
    if not isinstance(body, dict):
        return None, Refusal(400, "body is not an object")
    problem = shape_problem(body)
    return (None, Refusal(400, problem)) if problem else (body, None)


def _str(v) -> bool:
    return isinstance(v, str)


def _strs(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _dicts(v) -> bool:
    return isinstance(v, list) and all(isinstance(x, dict) for x in v)


# What each kind of input in a modal's state.values may hold (None is always allowed: left empty).
_STATE_FIELDS = {"value": _str, "selected_date": _str, "selected_user": _str, "selected_users": _strs,
                 "selected_conversation": _str, "selected_channel": _str, "selected_option": lambda v: isinstance(v, dict),
                 "selected_options": _dicts}


def shape_problem(b: dict) -> str | None:
    """Every field our front and listeners read, type-checked (None: fine)."""
    kind = b.get("type")
    if "command" in b:
        for f in ("command", "team_id", "user_id", "channel_id", "trigger_id"):
            if not _str(b.get(f)) or not b.get(f):
                return f"command without {f}"
        if not _str(b.get("text", "")):
            return "command text is not text"
        if len(b.get("text", "")) > MAX_TEXT:
            return "command text too long"
        return None
    if kind in ("url_verification", "ssl_check"):
        return None
    if kind == "event_callback":
        e = b.get("event")
        if not isinstance(e, dict) or not _str(e.get("type")) or not _str(b.get("event_id")):
            return "event without type or id"
        if e.get("type") == "app_home_opened" and not _str(e.get("user")):
            return "app_home_opened without a user"
        if not _str(b.get("team_id", "")):
            return "event team is not text"
        return None
    if kind in ("block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut",
                "message_action"):
        user, team = b.get("user"), b.get("team")
        if not isinstance(user, dict) or not _str(user.get("id")):
            return f"{kind} without a user"
        if team is not None and (not isinstance(team, dict) or not _str(team.get("id", ""))):
            return f"{kind} team is not an object"
        if kind == "block_actions":
            acts = b.get("actions")
            if not isinstance(acts, list) or not acts:
                return "block_actions without actions"
            for a in acts:
                if not isinstance(a, dict) or not _str(a.get("action_id")) or not _str(a.get("value", "")):
                    return "an action without action_id or with a value that is not text"
        if kind in ("view_submission", "view_closed") or b.get("view") is not None:
            v = b.get("view")
            if not isinstance(v, dict) or not _str(v.get("callback_id", "")):
                return f"{kind} without a view"
            if not _str(v.get("private_metadata", "")):
                return "private_metadata is not text"
            state = v.get("state", {})
            if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
                return "view state is not an object"
            for blk in state.get("values", {}).values():
                if not isinstance(blk, dict) or any(not isinstance(el, dict) for el in blk.values()):
                    return "view state values are not objects"
                for el in blk.values():
                    for f, ok in _STATE_FIELDS.items():
                        if el.get(f) is not None and not ok(el[f]):
                            return f"a view input's {f} has the wrong type"
        for f in ("container", "channel", "message"):
            if b.get(f) is not None and not isinstance(b.get(f), dict):
                return f"{f} is not an object"
        return None
    return f"unknown request type {kind!r}"


def team_of_request(b: dict) -> str | None:
    team = b.get("team_id") or (b.get("team") or {}).get("id")
    if not team and b.get("authorizations"):
        team = (b["authorizations"][0] or {}).get("team_id")
    return team if _str(team) else None
