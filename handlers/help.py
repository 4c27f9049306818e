"""/ae: help, and `settings` / `away` (handlers/settings.py)."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.render.help import help_message
from bot.render.text import esc

from . import settings
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
        message = help_message()
        if word not in ("", "help"):
            message["text"] = f"I don't know `{esc(word)}` yet. Here is what I can do:"
            message["blocks"].insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}})
        await ack(**message)
