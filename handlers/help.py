"""/ae: help (settings arrive with the reminders issue)."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.db import Database
from bot.render.help import help_message
from bot.render.text import esc

from .common import guarded


def register(app: AsyncApp, db: Database) -> None:
    @app.command("/ae")
    @guarded
    async def ae(ack: AsyncAck, body: dict):
        word = (body.get("text") or "").strip().split(" ")[0].lower()
        message = help_message()
        if word not in ("", "help"):
            message["text"] = f"I don't know `{esc(word)}` yet. Here is what I can do:"
            message["blocks"].insert(0, {"type": "section", "text": {"type": "mrkdwn", "text": message["text"]}})
        await ack(**message)
