"""/task: the quick form, the modal, `/task list`, and the Done button on an item."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import effects
from bot.db import Database
from bot.effects import Claimed
from bot.errors import InvalidInput
from bot.messaging import SlackPort
from bot.models import ActionItem
from bot.render import tasks as render
from bot.services import minutes as minutes_service
from bot.services import tasks as service

from bot.render.problems import modal_errors
from bot.services import readers

from .common import (metadata_of, date_of, learn_people, reader, run, team_of, tell, text_of, today, user_of,
                     user_of_select)
from .routing import Router


async def send_item_dm(client: AsyncWebClient, db: Database, item: ActionItem,
                       origin: tuple[str, str | None] | None = None) -> None:
    """DM the owner the item with a Done button (an effect: once per item, whatever retries)."""
    effects.record("item_dm", {"team": item.team_id, "item": item.id}, key=f"dm:item:{item.id}",
                   team_id=item.team_id)


async def _origin(db: Database, item: ActionItem) -> tuple[str, str | None] | None:
    if not item.minutes_id:
        return None
    card = await run(minutes_service.load, db, item.team_id, item.minutes_id)
    return card.minutes.title, card.minutes.permalink


async def _name(db: Database, item: ActionItem) -> str | None:
    """The owner's name for a notification text (which shows no mentions), when we know it."""
    return await run(readers.person_name, db, item.team_id, item.owner_id)


def register(router: Router, db: Database) -> None:
    @router.effect("item_dm")
    async def deliver_item_dm(fx: Claimed, port: SlackPort):
        """Post the DM and remember it, so Done can update it; rendered from the item as it is now."""
        item = await run(service.get, db, fx.payload["team"], fx.payload["item"])
        if item.dm_ts:
            return
        t = await reader(db, item.team_id, item.owner_id, port.client)
        posted = await port.post(fx.key, {"channel": item.owner_id,
                                          **render.item_dm(item, t, await _origin(db, item))},
                                 recovering=fx.recovering, since=fx.created_at)
        await run(service.set_dm, db, item.team_id, item.id, posted["channel"], posted["ts"])

    @router.effect("item_dm_refresh")
    async def refresh_item_dm(fx: Claimed, port: SlackPort):
        item = await run(service.get, db, fx.payload["team"], fx.payload["item"])
        if item.dm_channel and item.dm_ts:
            t = await reader(db, item.team_id, item.owner_id, port.client)
            await port.call("chat_update", {"channel": item.dm_channel, "ts": item.dm_ts,
                                            **render.item_dm(item, t, await _origin(db, item))})

    @router.command("/task", own_ack=True)
    async def task_command(ack: AsyncAck, body: dict, respond: AsyncRespond, client: AsyncWebClient):
        text = (body.get("text") or "").strip()
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)
        if text.lower() == "list":
            await ack()
            await respond(response_type="ephemeral",
                          **render.task_list(await run(service.open_for, db, team, user), t))
            return
        if not text:
            await ack()
            await client.views_open(trigger_id=body["trigger_id"], view=render.task_modal(body["channel_id"], t))
            return
        day = await today(db, team, user)
        try:
            quick = service.parse_quick(text, day)
        except InvalidInput as e:
            await ack(**render.usage(e.problem, t))
            return
        await ack()
        try:
            item = await run(service.create, db, team, user, quick.owner_id, quick.text, quick.due_on, day)
        except InvalidInput as e:
            await respond(response_type="ephemeral", **render.usage(e.problem, t))
            return
        await send_item_dm(client, db, item)
        await respond(response_type="ephemeral", **render.created_reply(item, t, await _name(db, item)))
        await learn_people(client, db, team, [user, item.owner_id])

    @router.view(render.TASK_CALLBACK, own_ack=True)
    async def save_task(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        try:
            item = await run(service.create, db, team, user, user_of_select(view, "item_0_owner"),
                             text_of(view, "item_0_text"), date_of(view, "item_0_due"), await today(db, team, user))
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, await reader(db, team, user)))
            return
        await ack()
        await send_item_dm(client, db, item)
        await learn_people(client, db, team, [user, item.owner_id])
        channel = metadata_of(view).get("channel")
        reply = render.created_reply(item, await reader(db, team, user), await _name(db, item))
        if channel:
            await tell(client, {"user": {"id": user}, "channel": {"id": channel}}, reply["text"], reply["blocks"])

    @router.action("item_done")
    async def item_done(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        item, changed = await run(service.complete, db, team, user, int(body["actions"][0]["value"]))
        if not changed:
            await tell(client, body, render.already_done(await reader(db, team, user)))
        if changed:
            effects.record("item_dm_refresh", {"team": team, "item": item.id}, key=f"dmrefresh:item:{item.id}",
                           team_id=team, coalesce=True)
        clicked = body.get("container") or {}
        if changed and clicked.get("message_ts") and clicked.get("message_ts") != item.dm_ts:
            # Done clicked on a reminder: that message shows it too.
            await client.chat_update(channel=clicked["channel_id"], ts=clicked["message_ts"],
                                     **render.done_notice(item, await reader(db, team, item.owner_id)))
        if changed and item.minutes_id:
            from .minutes import refresh_summary
            await refresh_summary(client, db, team, item.minutes_id)
        if (body.get("view") or {}).get("type") == "home":
            from .home import publish_home
            await publish_home(client, db, team, user)
