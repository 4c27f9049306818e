"""/workorder: the modal, the job card's buttons (deliver, close, request sign-off) and the sign-off card's.

`refresh_cards` is what another flow (the invoice) calls after it moves a work order.
"""
from __future__ import annotations


from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import effects
from bot.db import Database
from bot.effects import Claimed, Failure
from bot.errors import InvalidInput, UserError
from bot.i18n import Text, text_for
from bot.messaging import SlackPort
from bot.render import workorders as render
from bot.render.problems import describe, modal_errors
from bot.services import readers
from bot.services import workorders as service

from .common import (date_of, deliver_tell, is_admin, learn_person, metadata_of, reader, response_url_of, run,
                     state_value, team_of, tell, text_of, today, user_of)
from .delivery import post_or_join
from .routing import Router

_CANT_POST = ("not_in_channel", "channel_not_found", "method_not_supported_for_channel_type", "is_archived")


def _selected(view: dict, block_id: str) -> str | None:
    return ((state_value(view, block_id) or {}).get("selected_option") or {}).get("value")


def parse_draft(view: dict) -> service.WorkOrderDraft:
    client = _selected(view, "client")
    return service.WorkOrderDraft(
        client_id=int(client) if client and client.isdigit() else None, kind=_selected(view, "kind"),
        title=text_of(view, "title"), brief=text_of(view, "brief"), cost=text_of(view, "cost"),
        currency=_selected(view, "currency"), vendor=text_of(view, "vendor"),
        due_on=date_of(view, "due_on"))


def _meta(body: dict) -> dict:
    return metadata_of(body["view"])


async def channel_text(db: Database, card: service.WorkOrderCard) -> Text:
    """The cards and their thread replies are posts about the client: in the client's language."""
    return text_for(await run(readers.client_language, db, card.wo.team_id, card.client))


async def post_card(client: AsyncWebClient, db: Database, card: service.WorkOrderCard,
                    fallback_channel: str | None) -> None:
    """The job card goes to the client's channel (else where /workorder was run); the author hears if it can't."""
    wo = card.wo
    channel = card.client.channel_id or fallback_channel
    if not channel:
        t = await reader(db, wo.team_id, wo.created_by)
        await tell(client, {"user": {"id": wo.created_by}}, render.no_channel(wo.number, card.client.name, t))
        return
    effects.record("workorder_post", {"team": wo.team_id, "wo": wo.id, "channel": channel},
                   key=f"post:workorder:{wo.id}", team_id=wo.team_id)


async def refresh_cards(client: AsyncWebClient, db: Database, team_id: str, work_order_id: int,
                        signoff: bool = True) -> None:
    """Update the job card (and the sign-off card) in place with the newest state: coalesced, one
    holder at a time in the database, rendered from the rows when it is sent."""
    effects.record("workorder_refresh", {"team": team_id, "wo": work_order_id, "signoff": signoff},
                   key=f"refresh:workorder:{work_order_id}:{int(signoff)}", team_id=team_id, coalesce=True)


def _deliverers(router: Router, db: Database) -> None:
    @router.effect("workorder_post")
    async def deliver_post(fx: Claimed, port: SlackPort):
        p = fx.payload
        card = await run(service.load, db, p["team"], p["wo"])
        if card.wo.message_ts:
            return
        try:
            posted = await post_or_join(port, fx, p["channel"], render.job_card(card, await channel_text(db, card)))
        except Failure as f:
            if f.error not in _CANT_POST:
                raise
            t = await reader(db, p["team"], card.wo.created_by, port.client)
            await deliver_tell(port.client, card.wo.created_by, None, None,
                               render.not_posted(p["channel"], card.wo.number, t), None)
            return
        await run(service.set_message, db, p["team"], card.wo.id, posted["channel"], posted["ts"])

    @router.effect("workorder_refresh")
    async def deliver_refresh(fx: Claimed, port: SlackPort):
        p = fx.payload
        card = await run(service.load, db, p["team"], p["wo"])
        wo, t = card.wo, await channel_text(db, card)
        if wo.message_ts:
            await port.call("chat_update", {"channel": wo.message_channel, "ts": wo.message_ts, **render.job_card(card, t)})
        if p.get("signoff", True) and wo.signoff_ts:
            await port.call("chat_update", {"channel": wo.signoff_channel, "ts": wo.signoff_ts,
                                            **render.signoff_card(card, t)})

    @router.effect("workorder_signoff_post")
    async def deliver_signoff(fx: Claimed, port: SlackPort):
        p = fx.payload
        card = await run(service.load, db, p["team"], p["wo"])
        wo, t = card.wo, await channel_text(db, card)
        if wo.signoff_ts and wo.signoff_ts != p.get("old_ts"):
            return   # posted before this holder's predecessor died
        if p.get("old_ts"):   # the older request loses its buttons: one place to sign
            await port.call("chat_update", {"channel": p["old_channel"], "ts": p["old_ts"],
                                            **render.superseded(card, t)})
        try:
            posted = await post_or_join(port, fx, p["channel"], render.signoff_card(card, t))
        except Failure as f:
            if f.error not in _CANT_POST:
                raise
            who = p["tell"]
            mine = await reader(db, p["team"], who["user"], port.client)
            await deliver_tell(port.client, who["user"], who["url"], who["channel"],
                               render.not_posted(p["channel"], wo.number, mine), None)
            return
        await run(service.set_signoff_message, db, p["team"], wo.id, posted["channel"], posted["ts"])
        await deliver_refresh(Claimed(fx.id, fx.key, fx.kind, fx.team_id, {**p, "signoff": False}, fx.attempts,
                                      fx.token, fx.created_at, fx.recovering), port)


async def _submit(ack: AsyncAck, client: AsyncWebClient, body: dict, t: Text, fn, *args, **kwargs):
    """Run a modal's service before acking, so its validation lands on the modal's blocks (in the words
    of `t`, the person who submitted it)."""
    try:
        result = await run(fn, *args, **kwargs)
    except InvalidInput as e:
        await ack(response_action="errors", errors=modal_errors(e, t))
        return None
    except UserError as e:
        await ack()
        await tell(client, body, describe(e, t))
        return None
    await ack()
    return result


def register(router: Router, db: Database) -> None:
    _deliverers(router, db)
    @router.command("/workorder")
    async def open_workorder(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        await learn_person(client, db, team, user)   # the author's zone dates the job number and the due date
        t = await reader(db, team, user, client)
        clients, total = await run(service.clients, db, team, user)
        if not clients:
            await tell(client, body, render.no_clients(t))
            return
        view = render.workorder_modal(clients, total, channel_id=body.get("channel_id"), text=body.get("text", ""),
                                      today=await today(db, team, user), t=t)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @router.view(render.MODAL_CALLBACK, own_ack=True)
    async def save_workorder(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        draft, t = parse_draft(view), await reader(db, team, user)
        # The costs are read in the author's notation ("1.200,50" in Spanish): the service gets `t` for that only.
        try:
            service.validate(draft, await today(db, team, user), t)
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, t))
            return
        await ack()
        card, created = await run(service.create, db, team, user, draft, None, view.get("id"), notation=t)
        if created:   # a repeated submission of the same modal posts nothing twice
            await post_card(client, db, card, _meta(body).get("channel"))

    # --- delivered ---------------------------------------------------------------------------
    @router.action("workorder_deliver")
    async def open_deliver(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)   # first: a refusal below is worded in their language too
        card = await run(service.check_can_deliver, db, team, user, int(body["actions"][0]["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=render.deliver_modal(card, t))

    @router.view(render.DELIVER_CALLBACK, own_ack=True)
    async def save_deliver(ack: AsyncAck, body: dict, client: AsyncWebClient):
        team, user, wo_id = team_of(body), user_of(body), _meta(body)["work_order_id"]
        t = await reader(db, team, user)
        result = await _submit(ack, client, body, t, service.deliver, db, team, user, wo_id,
                               text_of(body["view"], "deliverable"))
        if result is None:
            return
        card, changed = result
        if not changed:
            await tell(client, body, render.same_deliverable(card.wo.number, t))
            return
        await refresh_cards(client, db, team, wo_id)
        if card.must_resign and card.wo.signoff_ts:   # a thread reply reaches guests too (a DM may not)
            await client.chat_postMessage(channel=card.wo.signoff_channel, thread_ts=card.wo.signoff_ts,
                                          text=render.resign_reply(card, await channel_text(db, card)))

    # --- closed (finance) ---------------------------------------------------------------------
    @router.action("workorder_close")
    async def open_close(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)
        card = await run(service.check_can_close, db, team, user, await is_admin(client, user),
                         int(body["actions"][0]["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=render.close_modal(card, t))

    @router.view(render.CLOSE_CALLBACK, own_ack=True)
    async def save_close(ack: AsyncAck, body: dict, client: AsyncWebClient):
        team, user, wo_id = team_of(body), user_of(body), _meta(body)["work_order_id"]
        admin = await is_admin(client, user)   # asked again: the role is checked where the write happens
        t = await reader(db, team, user)   # the actual cost is read in the closer's notation
        card = await _submit(ack, client, body, t, service.close, db, team, user, admin, wo_id,
                             text_of(body["view"], "actual_cost"), notation=t)
        if card is not None:
            await refresh_cards(client, db, team, wo_id)

    # --- the deliverable's sign-off -----------------------------------------------------------
    @router.action("workorder_request_signoff")
    async def open_signers(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)
        card, contacts = await run(service.check_can_request, db, team, user, int(body["actions"][0]["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=render.signers_modal(card, contacts, t))

    @router.view(render.SIGNERS_CALLBACK, own_ack=True)
    async def save_signers(ack: AsyncAck, body: dict, client: AsyncWebClient):
        team, user, wo_id = team_of(body), user_of(body), _meta(body)["work_order_id"]
        picked = (state_value(body["view"], "signers") or {}).get("selected_users") or []
        t = await reader(db, team, user)
        card = await _submit(ack, client, body, t, service.request_signoff, db, team, user, wo_id, picked)
        if card is None:
            return
        wo = card.wo
        channel = card.client.channel_id or wo.message_channel
        if not channel:
            await tell(client, body, render.no_signoff_channel(wo.number, card.client.name, t))
            return
        effects.record("workorder_signoff_post", {
            "team": team, "wo": wo.id, "channel": channel, "old_channel": wo.signoff_channel, "old_ts": wo.signoff_ts,
            "tell": {"user": user, "url": response_url_of(body), "channel": None}},
            key=f"post:workorder-signoff:{wo.id}:{card.wo.version}:{wo.signoff_ts or ''}", team_id=team)

    @router.action("workorder_sign_off")
    async def sign_off(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)   # a guest's own team is in user.team_id; team.id is ours
        wo_id, _, version = body["actions"][0]["value"].partition(":")
        t = await reader(db, team, user, client)
        card, counted = await run(service.sign_off, db, team, user, int(wo_id), int(version) if version else None)
        if counted:
            await refresh_cards(client, db, team, int(wo_id))
        else:
            await tell(client, body, render.already_signed(card, t))

    @router.action("workorder_request_changes")
    async def open_changes(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)
        wo = await run(service.check_signer, db, team, user, int(body["actions"][0]["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=render.changes_modal(wo, t))

    @router.view(render.CHANGES_CALLBACK, own_ack=True)
    async def save_changes(ack: AsyncAck, body: dict, client: AsyncWebClient):
        team, user, wo_id = team_of(body), user_of(body), _meta(body)["work_order_id"]
        comment = text_of(body["view"], "comment")
        result = await _submit(ack, client, body, await reader(db, team, user), service.request_changes, db, team,
                               user, wo_id, comment)
        if result is None:
            return
        card, counted = result
        if counted:
            await refresh_cards(client, db, team, wo_id)
            ae = await reader(db, team, card.client.ae_id, client)   # the DM is the AE's to read
            await client.chat_postMessage(channel=card.client.ae_id, **render.changes_dm(card, user, comment, ae))
