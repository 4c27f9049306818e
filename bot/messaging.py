"""The messaging port, Slack's side: what delivers effects (and reminders) to the Slack Web API, and
the client stand-in listeners get inside a request scope, which records effects instead of calling.

A post carries its effect key as message metadata; an effect tried before (its holder died, or the
call failed in a way that may still have reached Slack) first looks for that key in the channel's
recent history, so a post whose outcome was lost is found instead of sent twice.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from . import effects
from .effects import PERMANENT, Failure
from .uow import current

log = logging.getLogger("ae_bot.messaging")

META_TYPE = "ae_bot_effect"


@dataclass
class SendResult:
    ok: bool
    channel: str | None = None
    ts: str | None = None
    error: str = ""
    retry_after: int | None = None


def failure_of(error: Exception) -> Failure:
    if isinstance(error, SlackApiError):
        resp = error.response
        if resp.status_code == 429:
            return Failure("ratelimited", retry_after=float(resp.headers.get("Retry-After", 1) or 1))
        code = str(resp.get("error") or resp.status_code)
        return Failure(code, permanent=code in PERMANENT)
    if isinstance(error, (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)):
        return Failure(type(error).__name__)
    raise error


class SlackPort:
    """Sends to Slack. Never sleeps on a 429: the caller records Retry-After and moves on."""

    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def call(self, method: str, params: dict) -> dict:
        """`method` as the client names it (chat_update, views_open, files_upload_v2, …)."""
        try:
            resp = await getattr(self.client, method)(**params)
        except Exception as error:
            raise failure_of(error) from error
        return resp.data if hasattr(resp, "data") else resp

    async def post(self, key: str, params: dict, *, recovering: bool = False,
                   since: datetime | None = None) -> dict:
        """chat.postMessage exactly once per key (see the module's docstring)."""
        if recovering:
            found = await self.find_posted(key, params["channel"], since)
            if found:
                log.info("effect %s had been posted before its holder died; not posting again", key)
                return found
        meta = {"event_type": META_TYPE, "event_payload": {"key": key}}
        return await self.call("chat_postMessage", {**params, "metadata": meta})

    async def find_posted(self, key: str, channel: str, since: datetime | None) -> dict | None:
        try:
            if channel.startswith(("U", "W")):   # a DM addressed to a person: its channel is the IM
                channel = (await self.client.conversations_open(users=channel))["channel"]["id"]
            cursor = None
            for _ in range(3):   # the newest 600 messages: a lost post is seconds old when we look
                page = await self.client.conversations_history(channel=channel, limit=200,
                                                               include_all_metadata=True, cursor=cursor)
                for m in page.get("messages") or []:
                    meta = m.get("metadata") or {}
                    if meta.get("event_type") == META_TYPE and (meta.get("event_payload") or {}).get("key") == key:
                        return {"ok": True, "channel": channel, "ts": m["ts"], "message": m}
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not page.get("has_more") or not cursor:
                    return None
        except SlackApiError as e:   # can't look (no history scope, say): post, at worst a duplicate
            log.warning("could not look for effect %s in %s: %s", key, channel, e.response.get("error"))
        return None

    async def respond(self, url: str, body: dict) -> None:
        session = getattr(self.client, "session", None)
        try:
            resp = await AsyncWebhookClient(url, session=session).send_dict(body)
        except Exception as error:
            raise failure_of(error) from error
        if resp.status_code == 429:
            raise Failure("ratelimited", retry_after=float(resp.headers.get("Retry-After", [1])[0] or 1))
        if resp.status_code >= 400:   # response_url expired (30 min) or used up (5 times): no retry helps
            raise Failure(f"response_url {resp.status_code}", permanent=resp.status_code < 500)

    # The reminder engine's sender (scheduler/engine.py): one rendered message, the outcome as data.
    async def send(self, message: dict) -> SendResult:
        try:
            r = await self.client.chat_postMessage(**message)
            return SendResult(ok=True, channel=r.get("channel"), ts=r.get("ts"))
        except SlackApiError as e:
            if e.response.status_code == 429:
                return SendResult(ok=False, error="ratelimited",
                                  retry_after=int(e.response.headers.get("Retry-After", 1)))
            return SendResult(ok=False, error=str(e.response.get("error") or e.response.status_code))


# --- inside a request: the client listeners get ------------------------------------------------------

_READS = {"users_info", "conversations_info", "conversations_members", "auth_test", "team_info",
          "conversations_open", "users_lookupByEmail"}
_PRIORITY = {"views_open": 0, "views_push": 0}


class _Recorded(dict):
    """What a recorded call returns: no ts or view id exists yet (code that needs one records a
    named effect whose deliverer does the call and writes the result back)."""


class EffectClient:
    """Stands in for AsyncWebClient in a listener: reads go to Slack, writes become effects."""

    def __init__(self, real: AsyncWebClient, team_id: str = "", user_id: str | None = None,
                 response_url: str | None = None, what: str | None = None):
        self.real, self.team_id, self.user_id, self.response_url = real, team_id, user_id, response_url
        self.what = what   # the command or action, for the log line if the call fails
        self.session = getattr(real, "session", None)

    def __getattr__(self, name: str):
        if name in _READS:
            return getattr(self.real, name)
        if name.startswith(("chat_", "views_", "files_", "conversations_join", "reactions_", "pins_")):
            async def recorded(**params):
                effects.record("call", {"method": name, "params": params, "user": self.user_id,
                                        "url": self.response_url, "what": self.what},
                               team_id=self.team_id, priority=_PRIORITY.get(name, 1))
                return _Recorded(ok=True, channel=params.get("channel"), ts=None)
            return recorded
        raise AttributeError(name)


class RecordedRespond:
    """Bolt's respond(), as an effect: the reply goes to the response_url once the request commits."""

    def __init__(self, url: str | None, team_id: str = ""):
        self.response_url, self.team_id = url, team_id

    async def __call__(self, text: str = "", blocks=None, response_type: str | None = None,
                       replace_original: bool | None = None, delete_original: bool | None = None, **rest):
        if not self.response_url:
            return None
        body = {k: v for k, v in dict(text=text, blocks=blocks, response_type=response_type,
                                      replace_original=replace_original, delete_original=delete_original,
                                      **rest).items() if v is not None}
        effects.record("respond", {"url": self.response_url, "body": body}, team_id=self.team_id)
        return None


def in_scope() -> bool:
    return current() is not None
