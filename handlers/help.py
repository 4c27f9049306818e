"""/ae: help, and `settings` / `away` (handlers/settings.py)."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import effects
from bot.db import Database
from bot.i18n import Text, text_for
from bot.messaging import in_scope
from bot.render.help import help_message
from bot.services import readers

from . import settings
from .common import run_now, team_of, user_of
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
        await ack(**help_message(await _reader(db, body), None if word in ("", "help") else word))


async def _reader(db: Database, body: dict) -> Text:
    """Own-ack and fast: one cached language lookup, no users.info before the answer. Someone never
    seen reads English this once; Slack is asked who they are behind the commit, for the next time."""
    team, user = team_of(body), user_of(body)
    lang = None
    if team and user:   # cached: a dict lookup; else one query in a thread
        lang = readers.cached_person_language(team, user) or await run_now(readers.person_language, db, team, user)
    if lang is None and team and user and in_scope():
        effects.record("learn_person", {"team": team, "user": user}, key=f"learn:{team}:{user}",
                       team_id=team, coalesce=True)
    return text_for(lang)
