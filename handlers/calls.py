"""Log call: `/call [client]` and the daily call DM's Log call button open the modal; saving it stores
the call (against its client) and its follow-up.

The modal is about a client when one is known (the button's `client:<id>`, or `/call NAME` matching a
client's name); otherwise it asks which client with a picker (this channel's client pre-selected).
A workspace without clients keeps the channel form: the button's channel, or a channel picker.
"""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.models import Client
from bot.render import calls as render
from bot.services import calls as service
from bot.services import clients as clients_service

from .common import (metadata_of, date_of, learn_person, run, run_now, state_value, team_of, tell, text_of, today,
                     user_of, user_of_select)
from .tasks import send_item_dm
from bot.render.problems import describe, modal_errors

from .common import reader

from .routing import Router

PICKER_MAX = 100    # options in a static_select


async def open_call_modal(client: AsyncWebClient, trigger_id: str, channel_id: str | None,
                          via: str = "daily_call", *, about: Client | None = None,
                          choices: list[Client] | None = None, picked: Client | None = None,
                          note: str | None = None) -> None:
    await client.views_open(trigger_id=trigger_id, view=render.call_modal(
        channel_id, via=via, client=about, clients=choices, picked=picked, note=note))


async def open_for_command(client: AsyncWebClient, db: Database, body: dict) -> None:
    """`/call [client]`: the named client, else a picker of the workspace's clients."""
    team, user, channel = team_of(body), user_of(body), body.get("channel_id")
    name = (body.get("text") or "").strip()
    note = None
    if name:
        try:
            row = await run(clients_service.find, db, team, name)
            await open_call_modal(client, body["trigger_id"], None, "call_command", about=row.client)
            return
        except NotFound as e:
            note = describe(e, await reader(db, team, user))
    choices, here, left = await run(clients_service.for_picker, db, team, user, channel, PICKER_MAX)
    if choices:
        if left:
            more = f"Showing {len(choices)} of {len(choices) + left} clients: `/call NAME` finds any of them."
            note = f"{note}\n{more}" if note else more
        await open_call_modal(client, body["trigger_id"], None, "call_command", choices=choices, picked=here,
                              note=note)
        return
    if note:
        note += " Which channel was the call about?"
    await open_call_modal(client, body["trigger_id"], None, "call_command", note=note)


def parse_call(view: dict) -> service.CallDraft:
    meta = metadata_of(view)
    channel = meta.get("channel") or (state_value(view, "channel") or {}).get("selected_conversation")
    client_id = meta.get("client")
    if meta.get("pick"):
        picked = ((state_value(view, "client") or {}).get("selected_option") or {}).get("value")
        client_id = int(picked) if picked and picked.isdigit() else None
    return service.CallDraft(
        channel_id=channel, who=text_of(view, "who"), duration=text_of(view, "duration"),
        outcome=text_of(view, "outcome"), follow_up_text=text_of(view, "follow_up_text"),
        follow_up_owner=user_of_select(view, "follow_up_owner"), follow_up_due=date_of(view, "follow_up_due"),
        via=meta.get("via") or "daily_call", client_id=client_id, needs_client=bool(meta.get("pick")),
        kind=((state_value(view, "kind") or {}).get("selected_option") or {}).get("value") or "phone_call")


async def save_call(ack: AsyncAck, body: dict, client: AsyncWebClient, db: Database) -> None:
    """A Log call submission: errors go back onto the modal; the follow-up's owner gets the item DM.
    The same view submitted again acks and does nothing more."""
    team, user = team_of(body), user_of(body)
    draft = parse_call(body["view"])
    try:
        logged = await run_now(service.log_call, db, team, user, draft, await today(db, team, user),
                           body["view"].get("id"))
    except InvalidInput as e:
        await ack(response_action="errors", errors=modal_errors(e, await reader(db, team_of(body), user_of(body))))
        return
    await ack()
    if not logged.created:
        return
    if logged.item:
        await send_item_dm(client, db, logged.item)
    done = render.logged(logged.call, logged.item, logged.client)
    await tell(client, {"user": {"id": user}}, done["text"], done["blocks"])


def register(router: Router, db: Database) -> None:
    @router.command("/call")
    async def call_command(body: dict, client: AsyncWebClient):
        await open_for_command(client, db, body)
        await learn_person(client, db, team_of(body), user_of(body))

    @router.action(render.LOG_CALL)
    async def log_call_clicked(body: dict, client: AsyncWebClient):
        value = body["actions"][0].get("value") or ""
        if value.startswith(render.CLIENT_VALUE):
            row = await run(clients_service.load, db, team_of(body), int(value[len(render.CLIENT_VALUE):]))
            await open_call_modal(client, body["trigger_id"], None, about=row.client)
        else:
            await open_call_modal(client, body["trigger_id"], value or None)
        await learn_person(client, db, team_of(body), user_of(body))

    @router.view(render.CALL_CALLBACK, own_ack=True)
    async def call_submitted(ack: AsyncAck, body: dict, client: AsyncWebClient):
        await save_call(ack, body, client, db)
