"""Deliverers of the effects every domain uses: a recorded Web API call, a reply to a response_url,
a word to a person where they are, learning a person's zone."""
from __future__ import annotations

import logging
import secrets

from bot.db import Database
from bot.effects import Claimed, Failure
from bot.messaging import SlackPort

from .common import deliver_tell, expired_trigger, learn_person, reader, sorry
from .routing import Router

log = logging.getLogger("ae_bot.handlers")


async def post_or_join(port: SlackPort, fx: Claimed, channel: str, message: dict, key: str | None = None) -> dict:
    """Post once per effect key, joining a public channel first if the bot isn't in it."""
    params = {"channel": channel, **message}
    try:
        return await port.post(key or fx.key, params, recovering=fx.recovering, since=fx.created_at)
    except Failure as f:
        if f.error != "not_in_channel":
            raise
    await port.call("conversations_join", {"channel": channel})   # public channels only; fails otherwise
    return await port.post(key or fx.key, params, recovering=False)


def register(router: Router, db: Database) -> None:
    @router.effect("call")
    async def call(fx: Claimed, port: SlackPort):
        method, params = fx.payload["method"], fx.payload["params"]
        if method == "chat_postMessage":
            await port.post(fx.key, params, recovering=fx.recovering, since=fx.created_at)
            return
        try:
            await port.call(method, params)
        except Failure as f:
            user, url = fx.payload.get("user"), fx.payload.get("url")
            if f.error == "hash_conflict":   # a second click raced the first; the newer view stands
                return
            if f.error in ("expired_trigger_id", "invalid_trigger_id") and user:
                # The modal came up too late (a backlog): not a bug to chase, but the person must know.
                await deliver_tell(port.client, user, url, None, expired_trigger(await reader(db, fx.team_id, user)), None)
                return
            if method in ("views_open", "views_push") and user:
                # Its trigger is gone in 3 s: no retry can open it. Say so, with a ref for the log.
                ref = secrets.token_hex(3).upper()
                log.error("unexpected error ref=%s context=%s", ref, {"team": fx.team_id, "user": user,
                                                                     "what": fx.payload.get("what")}, exc_info=f)
                await deliver_tell(port.client, user, url, None, sorry(ref, await reader(db, fx.team_id, user)), None)
                return
            raise

    @router.effect("respond")
    async def respond(fx: Claimed, port: SlackPort):
        await port.respond(fx.payload["url"], fx.payload["body"])

    @router.effect("tell")
    async def tell(fx: Claimed, port: SlackPort):
        p = fx.payload
        await deliver_tell(port.client, p.get("user"), p.get("url"), p.get("channel"), p["text"], p.get("blocks"))

    @router.effect("learn_person")
    async def learn(fx: Claimed, port: SlackPort):
        await learn_person(port.client, db, fx.payload["team"], fx.payload["user"])
