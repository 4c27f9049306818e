"""/client add [name] · /client list · /client edit NAME, and the client modal's submission."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.render import clients as render
from bot.render.problems import describe, modal_errors
from bot.services import clients as service
from bot.services import readers

from .common import learn_person, metadata_of, reader, run, state_value, team_of, tell, text_of, user_of, user_of_select

from .routing import Router


def _picked(view: dict, block_id: str) -> str | None:
    return ((state_value(view, block_id) or {}).get("selected_option") or {}).get("value")


def parse_client(view: dict, meta: dict) -> service.ClientDraft:
    return service.ClientDraft(
        name=text_of(view, "name"), tier=_picked(view, "tier"), ae_id=user_of_select(view, "ae"),
        channel_id=(state_value(view, "channel") or {}).get("selected_conversation"),
        report_day=_picked(view, "report_day"), report_time=text_of(view, "report_time"),
        call_days=[o["value"] for o in (state_value(view, "call_days") or {}).get("selected_options") or []],
        contacts=(state_value(view, "contacts") or {}).get("selected_users") or [],
        payment_terms=text_of(view, "payment_terms"), opened_tier=meta.get("tier"),
        language=_picked(view, "language"))


def register(router: Router, db: Database) -> None:
    @router.command("/client", own_ack=True)
    async def client_command(ack: AsyncAck, body: dict, respond: AsyncRespond, client: AsyncWebClient):
        word, _, rest = (body.get("text") or "").strip().partition(" ")
        word, rest = word.lower(), rest.strip()
        team, user, channel = team_of(body), user_of(body), body.get("channel_id")
        t = await reader(db, team, user, client)
        if word == "add":
            await ack()
            view = render.client_modal(name=rest, ae_id=user, channel_id=channel, reply_channel=channel, t=t)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            await learn_person(client, db, team, user)
        elif word == "list":
            await ack()
            await respond(response_type="ephemeral", **render.client_list(await run(service.list_for, db, team), t))
        elif word == "edit" and rest:
            await ack()
            try:
                row = await run(service.find, db, team, rest)
            except NotFound as e:
                await respond(response_type="ephemeral", text=describe(e, t))
                return
            view = render.client_modal(client=row.client, contacts=row.contacts, reply_channel=channel, t=t)
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        elif word == "edit":
            await ack(**render.usage(render.which_client(t), t))
        else:
            await ack(**render.usage(render.unknown_word(word, t) if word else None, t))

    @router.view(render.CLIENT_CALLBACK, own_ack=True)
    async def client_submitted(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        meta = metadata_of(view)
        t = await reader(db, team, user)
        try:
            saved = await run(service.save, db, team, user, parse_client(view, meta), meta.get("client_id"),
                              view.get("id"))
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, t))
            return
        await ack()
        if saved.repeat:
            return    # the same form submitted again: it was saved (and answered) the first time
        readers.forget_all()   # the client's language may have changed: its channel's posts follow at once
        # The report runs in the AE's zone: learn it now, so the next report shown is the real one.
        await learn_person(client, db, team, saved.client.ae_id)
        row = await run(service.load, db, team, saved.client.id)
        saved.next_report = row.next_report
        reply = render.saved_reply(saved, t)
        where = {"user": {"id": user}}
        if meta.get("reply"):
            where["channel"] = {"id": meta["reply"]}
        await tell(client, where, reply["text"], reply["blocks"])
