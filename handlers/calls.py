"""Log call: the button on the daily call DM opens the modal; saving it stores the call and its follow-up.

`open_call_modal` and `save_call` are the pieces a `/call [client]` command reuses.
"""
from __future__ import annotations

import json

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.errors import InvalidInput
from bot.render import calls as render
from bot.services import calls as service

from .common import (date_of, guarded, learn_person, run, state_value, team_of, tell, text_of, today, user_of,
                     user_of_select)
from .tasks import send_item_dm


async def open_call_modal(client: AsyncWebClient, trigger_id: str, channel_id: str | None,
                          via: str = "daily_call") -> None:
    await client.views_open(trigger_id=trigger_id, view=render.call_modal(channel_id, via=via))


def parse_call(view: dict) -> service.CallDraft:
    meta = json.loads(view.get("private_metadata") or "{}")
    channel = meta.get("channel") or (state_value(view, "channel") or {}).get("selected_conversation")
    return service.CallDraft(
        channel_id=channel, who=text_of(view, "who"), duration=text_of(view, "duration"),
        outcome=text_of(view, "outcome"), follow_up_text=text_of(view, "follow_up_text"),
        follow_up_owner=user_of_select(view, "follow_up_owner"), follow_up_due=date_of(view, "follow_up_due"),
        via=meta.get("via") or "daily_call")


async def save_call(ack: AsyncAck, body: dict, client: AsyncWebClient, db: Database) -> None:
    """A Log call submission: errors go back onto the modal; the follow-up's owner gets the item DM."""
    team, user = team_of(body), user_of(body)
    draft = parse_call(body["view"])
    try:
        call, item = await run(service.log_call, db, team, user, draft, await today(db, team, user))
    except InvalidInput as e:
        await ack(response_action="errors", errors=e.errors)
        return
    await ack()
    if item:
        await send_item_dm(client, db, item)
    done = render.logged(call, item)
    await tell(client, {"user": {"id": user}}, done["text"], done["blocks"])


def register(app: AsyncApp, db: Database) -> None:
    @app.action(render.LOG_CALL)
    @guarded
    async def log_call_clicked(ack: AsyncAck, body: dict, client: AsyncWebClient):
        await ack()
        await open_call_modal(client, body["trigger_id"], body["actions"][0].get("value") or None)
        await learn_person(client, db, team_of(body), user_of(body))

    @app.view(render.CALL_CALLBACK)
    @guarded
    async def call_submitted(ack: AsyncAck, body: dict, client: AsyncWebClient):
        await save_call(ack, body, client, db)
