"""/minutes: the modal, its "Add action item" button, the summary's Sign off / Request changes / Edit."""
from __future__ import annotations


from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import effects
from bot.db import Database
from bot.effects import Claimed, Failure
from bot.messaging import SlackPort
from bot.errors import InvalidInput, UserError
from bot.i18n import Text, text_for
from bot.models import MeetingKind
from bot.render import minutes as render
from bot.render.problems import modal_errors
from bot.services import minutes as service
from bot.services import readers

from .common import (deliver_tell, metadata_of, date_of, learn_people, learn_person, reader, run, run_now,
                     state_value, team_of, tell, text_of, today, user_of, user_of_select)
from .delivery import post_or_join
from .routing import Router
from .tasks import send_item_dm


def parse_draft(view: dict, meta: dict, current: service.MinutesCard | None) -> service.MinutesDraft:
    kind = ((state_value(view, "kind") or {}).get("selected_option") or {}).get("value")
    ids = meta.get("items") or []
    items = [service.ItemDraft(text=text_of(view, f"item_{i}_text"), owner_id=user_of_select(view, f"item_{i}_owner"),
                               due_on=date_of(view, f"item_{i}_due"), item_id=ids[i] if i < len(ids) else None)
             for i in range(int(meta.get("rows", 1)))]
    old = current.minutes if current else None
    return service.MinutesDraft(
        kind=MeetingKind(kind) if kind in MeetingKind._value2member_map_ else MeetingKind.client_meeting,
        title=text_of(view, "title"), held_on=date_of(view, "held_on"), place=text_of(view, "place"),
        attendee_ids=(state_value(view, "attendees") or {}).get("selected_users") or [],
        external_names=[n for n in text_of(view, "external").splitlines() if n.strip()],
        notes=old.notes if meta.get("keep_notes") and old else text_of(view, "notes"),
        decisions=old.decisions if meta.get("keep_decisions") and old else text_of(view, "decisions"),
        items=items,
    )


async def post_summary(client: AsyncWebClient, db: Database, card: service.MinutesCard,
                       response_url: str | None = None, dm_items: list[int] | None = None) -> None:
    """Post the summary (an effect: once per minutes); the DMs of `dm_items` follow it, so they link to it."""
    m = card.minutes
    if m.message_ts:
        await refresh_summary(client, db, m.team_id, m.id)
        for item_id in dm_items or []:
            effects.record("item_dm", {"team": m.team_id, "item": item_id}, key=f"dm:item:{item_id}", team_id=m.team_id)
        return
    effects.record("minutes_post", {"team": m.team_id, "minutes": m.id, "url": response_url, "dm_items": dm_items or []},
                   key=f"post:minutes:{m.id}", team_id=m.team_id, coalesce=True)


async def refresh_summary(client: AsyncWebClient, db: Database, team_id: str, minutes_id: int) -> None:
    """Update the summary in place. Coalesced in the database: a burst of clicks is one or two updates,
    one at a time however many processes run, each rendered from the newest rows."""
    effects.record("minutes_refresh", {"team": team_id, "minutes": minutes_id}, key=f"refresh:minutes:{minutes_id}",
                   team_id=team_id, coalesce=True)


async def dm_items(client: AsyncWebClient, db: Database, card: service.MinutesCard, items) -> None:
    for item in items:
        await send_item_dm(client, db, item, origin=(card.minutes.title, card.minutes.permalink))


async def channel_text(db: Database, team_id: str, channel_id: str | None) -> Text:
    """The summary is a channel post: in its client's language, else the workspace's."""
    return text_for(await run(readers.channel_language, db, team_id, channel_id))


def _deliverers(router: Router, db: Database) -> None:
    @router.effect("minutes_post")
    async def deliver_post(fx: Claimed, port: SlackPort):
        team, minutes_id = fx.payload["team"], fx.payload["minutes"]
        card = await run(service.load, db, team, minutes_id)
        m = card.minutes
        if not m.message_ts:
            t = await channel_text(db, team, m.channel_id)
            try:
                posted = await post_or_join(port, fx, m.channel_id, render.summary(card, t))
            except Failure as f:
                if f.error not in ("not_in_channel", "channel_not_found", "method_not_supported_for_channel_type"):
                    raise
                notice = render.not_posted(m.channel_id, m.id, await reader(db, team, m.author_id, port.client))
                await deliver_tell(port.client, m.author_id, fx.payload.get("url"), None, notice["text"], notice["blocks"])
                posted = None
            if posted:
                channel, ts = posted["channel"], posted["ts"]
                await run(service.set_message, db, team, m.id, channel, ts, None)   # clickable from now on
                link = (await port.call("chat_getPermalink", {"channel": channel, "message_ts": ts})).get("permalink")
                await run(service.set_message, db, team, m.id, channel, ts, link)
                if render.overflow(card, t):
                    for n, reply in enumerate(render.full_text_replies(card, t)):
                        await port.post(f"{fx.key}:reply:{n}", {"channel": channel, "thread_ts": ts, "text": reply},
                                        recovering=fx.recovering, since=fx.created_at)
        else:   # posted before: a repost is a refresh
            await deliver_refresh(fx, port)
        await run(_record_dms, db, team, fx.payload.get("dm_items") or [])

    @router.effect("minutes_refresh")
    async def deliver_refresh(fx: Claimed, port: SlackPort):
        card = await run(service.load, db, fx.payload["team"], fx.payload["minutes"])
        m = card.minutes
        if m.message_ts:
            t = await channel_text(db, m.team_id, m.message_channel)
            await port.call("chat_update", {"channel": m.message_channel, "ts": m.message_ts,
                                            **render.summary(card, t)})


def _record_dms(db: Database, team: str, item_ids: list[int]) -> None:
    with db.transaction() as s:
        for item_id in item_ids:
            effects.record("item_dm", {"team": team, "item": item_id}, key=f"dm:item:{item_id}", team_id=team, session=s)


def register(router: Router, db: Database) -> None:
    _deliverers(router, db)
    @router.command("/minutes")
    async def open_minutes(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        meta = {"channel": body["channel_id"], "ru": body.get("response_url")}
        t = await reader(db, team, user, client)
        view = render.minutes_modal(meta, title=body.get("text", ""), today=await today(db, team, user),
                                    author_id=user, t=t)
        await client.views_open(trigger_id=body["trigger_id"], view=view)
        await learn_person(client, db, team, user)

    @router.action("minutes_add_item")
    async def add_item(body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        meta = metadata_of(view)
        card = None
        if meta.get("minutes_id"):
            card = await run(service.for_author, db, team, user, meta["minutes_id"])
        items = card.items if card else []
        new_view = render.minutes_modal(meta, today=await today(db, team, user), author_id=user, card=card,
                                        rows=min(int(meta.get("rows", 1)) + 1, service.MAX_ITEMS), item_values=items,
                                        t=await reader(db, team, user))
        # A second click racing the first meets hash_conflict at delivery: one row is enough.
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)

    async def read_draft(body: dict, via) -> tuple[dict, service.MinutesCard | None, service.MinutesDraft]:
        """The submitted modal as a draft, with the minutes it edits (read through `via`)."""
        view = body["view"]
        meta = metadata_of(view)
        current = await via(service.for_author, db, team_of(body), user_of(body), meta["minutes_id"]) \
            if meta.get("minutes_id") else None
        return meta, current, parse_draft(view, meta, current)

    async def check_minutes(body: dict) -> dict | None:
        """Before the ack: the modal's errors, on the right blocks (reads only; the work writes)."""
        try:
            _, current, draft = await read_draft(body, run_now)
            service.validate(draft, await today(db, team_of(body), user_of(body)),
                             {i.id: i for i in current.items} if current else None)
        except InvalidInput as e:
            return {"response_action": "errors", "errors": modal_errors(e, await reader(db, team_of(body), user_of(body)))}
        except UserError:
            return None   # not the author any more, say: the work meets it too and tells them
        return None

    @router.view(render.MODAL_CALLBACK, check=check_minutes)
    async def save_minutes(body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        meta, _, draft = await read_draft(body, run)
        minutes_id = meta.get("minutes_id")
        day = await today(db, team, user)
        if minutes_id:
            result = await run(service.edit, db, team, user, minutes_id, draft, day)
            await _after_edit(client, db, body, result)
            return
        card, items = await run(service.create, db, team, user, meta["channel"], draft, day, view.get("id"))
        await post_summary(client, db, card, response_url=meta.get("ru"), dm_items=[i.id for i in items])
        await learn_people(client, db, team, card.signer_ids + [i.owner_id for i in items])

    async def _after_edit(client, db, body, result: service.EditResult):
        card = result.card
        if not result.changed:
            await tell(client, body, render.nothing_changed(await reader(db, team_of(body), user_of(body), client)))
            return
        await post_summary(client, db, card, dm_items=[i.id for i in result.new_items])
        for signer in card.must_resign:   # each in their own language
            t = await reader(db, card.minutes.team_id, signer, client)
            await client.chat_postMessage(channel=signer, **render.resign_dm(card, t))
        await learn_people(client, db, card.minutes.team_id, card.signer_ids + [i.owner_id for i in result.new_items])

    @router.action("minutes_sign_off")
    async def sign_off(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        minutes_id, _, version = body["actions"][0]["value"].partition(":")
        minutes_id = int(minutes_id)
        # Looked up first when never seen: a refusal (not an attendee, an older version) is in their language.
        t = await reader(db, team, user, client)
        card, counted = await run(service.sign_off, db, team, user, minutes_id, int(version) if version else None)
        if counted:
            await refresh_summary(client, db, team, minutes_id)
        else:
            await tell(client, body, render.already_signed(card.minutes.version, t))
        clicked = body.get("container") or {}
        if counted and (clicked.get("channel_id") or "").startswith("D") and clicked.get("message_ts"):
            # Signed from a DM (a nudge, a "sign again"): that message says so and loses its button.
            signed = next(s for s in reversed(card.approvals) if s.signer_id == user)
            await client.chat_update(channel=clicked["channel_id"], ts=clicked["message_ts"],
                                     **render.signed_notice(card, signed, t))
        if (body.get("view") or {}).get("type") == "home":
            from .home import publish_home
            await publish_home(client, db, team, user)

    @router.action("minutes_request_changes")
    async def ask_changes(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)   # before the check, so that its refusal is in their language
        m = await run_now(service.check_signer, db, team, user, int(body["actions"][0]["value"].partition(":")[0]))
        await client.views_open(trigger_id=body["trigger_id"], view=render.changes_modal(m.id, m.title, t))

    @router.view(render.CHANGES_CALLBACK, own_ack=True)
    async def save_changes(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        comment = text_of(view, "comment")
        if not comment.strip():
            error = InvalidInput.one("comment", "minutes_no_comment")
            await ack(response_action="errors", errors=modal_errors(error, await reader(db, team, user)))
            return
        await ack()
        minutes_id = metadata_of(view)["minutes_id"]
        card, counted = await run(service.request_changes, db, team, user, minutes_id, comment)
        if counted:
            await refresh_summary(client, db, team, minutes_id)
            author = card.minutes.author_id
            dm = render.changes_dm(card, user, comment, await reader(db, team, author, client),
                                   await run(readers.person_name, db, team, user))
            await client.chat_postMessage(channel=author, **dm)

    @router.action("minutes_edit")
    async def open_edit(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        t = await reader(db, team, user, client)   # before the check, so that its refusal is in their language
        card = await run_now(service.for_author, db, team, user, int(body["actions"][0]["value"]))
        meta = {"channel": card.minutes.channel_id, "minutes_id": card.minutes.id}
        view = render.minutes_modal(meta, today=await today(db, team, user), author_id=user, card=card, t=t)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @router.action("minutes_repost")
    async def repost(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        card = await run(service.for_author, db, team, user, int(body["actions"][0]["value"]))
        await post_summary(client, db, card, response_url=body.get("response_url"))


