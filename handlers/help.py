"""/ae: help, and `settings` / `away` (handlers/settings.py)."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.render.help import help_message

from . import settings
from .common import reader, team_of, user_of
from .routing import Router


def register(router: Router, db: Database) -> None:
    @router.command("/ae", own_ack=True)
    async def ae(ack: AsyncAck, body: dict, client: AsyncWebClient, respond: AsyncRespond):
        word, _, rest = (body.get("text") or "").strip().partition(" ")
        word = word.lower()
        if word == "settings":
            return await settings.open_settings(ack, body, client, db)
        if word == "away":
            return await settings.away(ack, body, respond, db, rest)
        # Own-ack and fast: one cached language lookup (no users.info before the answer).
        t = await reader(db, team_of(body), user_of(body))
        await ack(**help_message(t, None if word in ("", "help") else word))
