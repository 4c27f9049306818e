"""/invoice: the issue modal, `list` (aging), `export` (CSV to a DM); the Mark paid button and its date modal.

Who reads what: the person who typed or clicked reads the replies and the modals; the AE reads their DM;
a card updated where the button was is in that place's reader's language (a DM's owner, a channel's).
"""
from __future__ import annotations

import asyncio

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.errors import InvalidInput
from bot.i18n import Text, text_for
from bot.render import invoices as render
from bot.render.problems import modal_errors
from bot.services import invoices as service
from bot.services import readers

from .common import (date_of, is_admin, metadata_of, reader, run, run_now, state_value, team_of, tell, text_of,
                     today, user_of)
from .routing import Router


async def _admin(client: AsyncWebClient, user: str) -> bool:
    """users.info within the 3 s a view submission has to be acked; a slow answer counts as not admin."""
    try:
        return await asyncio.wait_for(is_admin(client, user), 2.0)
    except asyncio.TimeoutError:
        return False


def _draft(view: dict, t: Text) -> service.InvoiceDraft:
    picked = ((state_value(view, "work_order") or {}).get("selected_option") or {}).get("value")
    return service.InvoiceDraft(work_order_id=int(picked) if picked and picked.isdigit() else None,
                                number=text_of(view, "number"), amount=text_of(view, "amount"),
                                currency=text_of(view, "currency"), issued_on=date_of(view, "issued_on"),
                                notation=t)


async def _dm(client: AsyncWebClient, user: str, message: dict) -> None:
    await client.chat_postMessage(channel=user, **message)


async def _where(db: Database, team: str, channel: str, clicker: Text) -> Text:
    """Who reads the message a button was on: a DM is its owner's (who clicked); a channel is its own."""
    if channel.startswith("D"):
        return clicker
    return text_for(await run_now(readers.channel_language, db, team, channel))


async def export(client: AsyncWebClient, db: Database, team: str, user: str, admin: bool, t: Text) -> int:
    """Upload the CSV into the person's DM with the bot (files.uploadV2 needs a channel id, not a user id)."""
    day = await today(db, team, user)
    lines = await run(service.export, db, team, user, admin, day)
    dm = (await client.conversations_open(users=user))["channel"]["id"]
    await client.files_upload_v2(channel=dm, content="\ufeff" + render.invoices_csv(lines, t),   # BOM: Excel reads UTF-8
                                 **render.export_file(len(lines), day, t))
    return len(lines)


def register(router: Router, db: Database) -> None:
    @router.command("/invoice", own_ack=True)
    async def invoice_command(ack: AsyncAck, body: dict, respond: AsyncRespond, client: AsyncWebClient):
        word = (body.get("text") or "").strip().lower()
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)
        if word not in ("", "new", "list", "export"):
            await ack(**render.usage(word, t))
            return
        await ack()
        admin = await is_admin(client, user)
        if word == "list":
            aging = await run(service.aging, db, team, user, admin, await today(db, team, user))
            await respond(response_type="ephemeral", **render.aging_report(aging, t))
        elif word == "export":
            n = await export(client, db, team, user, admin, t)
            await respond(response_type="ephemeral", text=render.exported(n, t))
        else:
            choices = await run(service.invoiceable, db, team, user, admin)
            if not choices:
                await respond(response_type="ephemeral", text=render.no_work_orders(t))
                return
            await client.views_open(trigger_id=body["trigger_id"], view=render.invoice_modal(
                choices, await today(db, team, user), body.get("channel_id"), t))

    @router.view(render.INVOICE_CALLBACK, own_ack=True)
    async def save_invoice(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        admin = await _admin(client, user)
        t = await reader(db, team, user)          # the amount is read in the notation of whoever typed it
        try:
            card, created = await run(service.issue, db, team, user, admin, _draft(view, t), view.get("id"))
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, t))
            return
        await ack()
        if not created:
            return   # the same submission again: everyone was told the first time
        from .workorders import refresh_cards
        await refresh_cards(client, db, team, card.work_order.id, signoff=False)   # the job card says invoiced
        await _dm(client, user, render.invoice_card(card, t))
        ae = card.client.ae_id
        if ae != user:
            await _dm(client, ae, render.issued_to_ae(card, await reader(db, team, ae, client)))

    @router.action(render.MARK_PAID)
    async def mark_paid_clicked(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        card = await run(service.for_payment, db, team, user, await is_admin(client, user),
                         int(body["actions"][0]["value"]))
        t = await reader(db, team, user, client)
        if card.invoice.paid_on:
            msg = render.paid_notice(card, False, t)
            await tell(client, body, msg["text"], msg["blocks"])
            return
        where = body.get("container") or {}
        meta = {"invoice": card.invoice.id, "home": (body.get("view") or {}).get("type") == "home"}
        if where.get("type") == "message" and not where.get("is_ephemeral"):
            meta.update(channel=where.get("channel_id"), ts=where.get("message_ts"))
        await client.views_open(trigger_id=body["trigger_id"],
                                view=render.paid_modal(card, await today(db, team, user), meta, t))

    @router.view(render.PAID_CALLBACK, own_ack=True)
    async def save_paid(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        meta = metadata_of(view)
        admin = await _admin(client, user)
        t = await reader(db, team, user)
        try:
            card, changed = await run(service.mark_paid, db, team, user, admin, int(meta["invoice"]),
                                      date_of(view, "paid_on"), await today(db, team, user))
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, t))
            return
        await ack()
        if meta.get("channel") and meta.get("ts"):   # the message the button was on now says it is paid
            await client.chat_update(channel=meta["channel"], ts=meta["ts"],
                                     **render.invoice_card(card, await _where(db, team, meta["channel"], t)))
        if meta.get("home"):
            from .home import publish_home
            await publish_home(client, db, team, user)
        if not changed or not (meta.get("ts") or meta.get("home")):
            msg = render.paid_notice(card, changed, t)
            await tell(client, {"user": {"id": user}}, msg["text"], msg["blocks"])
