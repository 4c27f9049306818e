"""Sending a rendered reminder through the Slack Web API, without ever sleeping on a 429."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings


@dataclass
class SendResult:
    ok: bool
    channel: str | None = None
    ts: str | None = None
    error: str = ""
    retry_after: int | None = None


def reminder_client(settings: Settings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    # No rate-limit retry handler here: a 429 is recorded with its Retry-After and the tick moves on.
    return AsyncWebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url, timeout=10,
                          session=session)


@asynccontextmanager
async def open_sender(settings: Settings):
    """A sender whose HTTP connections are kept alive across the sends of a tick (or a process)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        yield SlackSender(reminder_client(settings, session))


class SlackSender:
    def __init__(self, client: AsyncWebClient):
        self.client = client

    async def send(self, message: dict) -> SendResult:
        try:
            r = await self.client.chat_postMessage(**message)
            return SendResult(ok=True, channel=r.get("channel"), ts=r.get("ts"))
        except SlackApiError as e:
            if e.response.status_code == 429:
                return SendResult(ok=False, error="ratelimited",
                                  retry_after=int(e.response.headers.get("Retry-After", 1)))
            return SendResult(ok=False, error=str(e.response.get("error") or e.response.status_code))
