"""Sending a rendered reminder through the Slack Web API, without ever sleeping on a 429."""
from __future__ import annotations

from contextlib import asynccontextmanager

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.messaging import SendResult, SlackPort  # noqa: F401  (SendResult: the engine's)
from bot.settings import Settings


def reminder_client(settings: Settings, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    # No rate-limit retry handler here: a 429 is recorded with its Retry-After and the tick moves on.
    return AsyncWebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url, timeout=10,
                          session=session)


@asynccontextmanager
async def open_sender(settings: Settings):
    """A sender whose HTTP connections are kept alive across the sends of a tick (or a process)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        yield SlackSender(reminder_client(settings, session))


# The reminders deliver through the messaging port, as every other effect does.
SlackSender = SlackPort
