"""The weekly report DM's buttons: Post to channel, Edit first (a modal), Snooze 1 h.

The AE who clicks reads the answers, the modal and the DM's updates in their own language; what goes
to the channel reads in the client's language (a client's report) or the channel's (`post_text`)."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot import effects
from bot.db import Database
from bot.effects import Claimed, Failure
from bot.errors import InvalidInput
from bot.i18n import Text, text_for
from bot.messaging import SlackPort
from bot.models import Delivery, utcnow
from bot.render import reports as render
from bot.render.problems import modal_errors
from bot.render.text import mention, moment
from bot.services import readers
from bot.services import reports as service

from .common import deliver_tell, metadata_of, reader, response_url_of, run, team_of, tell, text_of, user_of
from .delivery import post_or_join
from .routing import Router


def _ref(body: dict) -> dict:
    """What the button carries: {"d": delivery id, "c": the report's subject (client:<id> or a channel), "w": week}."""
    return json.loads(body["actions"][0]["value"])


def clicked_at(body: dict) -> datetime:
    """The instant of the click as Slack stamped it (`action_ts`); now when it is missing."""
    try:
        return datetime.fromtimestamp(float(body["actions"][0]["action_ts"]), UTC)
    except (KeyError, IndexError, TypeError, ValueError):
        return utcnow()


def _dm_of(body: dict, d: Delivery) -> tuple[str | None, str | None]:
    """The DM to update: the message clicked, else the one the scheduler recorded sending."""
    c = body.get("container") or {}
    if c.get("type") == "message" and c.get("channel_id") and c.get("message_ts"):
        return c["channel_id"], c["message_ts"]
    return d.channel, d.ts


async def _update_dm(client: AsyncWebClient, where: tuple[str | None, str | None], message: dict) -> None:
    channel, ts = where
    if channel and ts:
        message = {k: v for k, v in message.items() if k != "channel"}
        await client.chat_update(channel=channel, ts=ts, **message)


async def post_text(db: Database, r: service.WeeklyDraft) -> Text:
    """What the report reads in once posted: a client's report in the client's language (else the
    workspace's), a channel's in the channel's."""
    if service.client_id_of(r.subject) is not None:
        lang = r.client_language or await run(readers.workspace_language, db, r.team_id)
    else:
        lang = await run(readers.channel_language, db, r.team_id, r.channel_id)
    return text_for(lang)


async def _post(client: AsyncWebClient, db: Database, body: dict, claim: service.PostClaim, message: dict,
                t: Text) -> None:
    """Post the report (an effect: once per claim), then say so in the AE's DM (in `t`, the AE's language)."""
    d, r = claim.delivery, claim.draft
    where = _dm_of(body, d)
    dm = render.weekly_dm(r, d.id, t, status=render.posted_line(r, claim.posted, t))
    effects.record("report_post", {
        "team": d.team_id, "ae": d.recipient, "delivery": d.id, "channel": r.channel_id, "message": message,
        "dm": list(where), "dm_message": {k: v for k, v in dm.items() if k != "channel"},
        "tell": {"user": user_of(body), "url": response_url_of(body),
                 "channel": (body.get("channel") or {}).get("id")}},
        key=f"post:report:{d.id}:{claim.posted.at.isoformat() if claim.posted else ''}", team_id=d.team_id)


async def _already(client: AsyncWebClient, body: dict, claim: service.PostClaim, t: Text) -> None:
    p = claim.posted
    await tell(client, body, t("This report is already in {channel} (posted by {person} at {when}), so I didn't "
                               "post it again.", channel=render.channel_ref(claim.draft.channel_id), person=mention(p.by),
                               when=moment(p.at, t)))


def register(router: Router, db: Database) -> None:
    @router.effect("report_post")
    async def deliver_post(fx: Claimed, port: SlackPort):
        p = fx.payload
        try:
            await post_or_join(port, fx, p["channel"], p["message"])
        except Failure as f:
            if not f.permanent:
                raise
            await run(service.post_failed, db, p["team"], p["ae"], p["delivery"], f.error)
            who = p["tell"]
            t = await reader(db, p["team"], p["ae"], port.client)
            await deliver_tell(port.client, who["user"], who["url"], who["channel"],
                               t("I couldn't post to {channel} ({error}). If it's a private channel, invite me with "
                                 "`/invite @ae-bot`, then click *{button}* again.", channel=render.channel_ref(p["channel"]),
                                 error=f.error, button=t("Post to channel")), None)
            return
        channel, ts = p["dm"]
        if channel and ts:
            await port.call("chat_update", {"channel": channel, "ts": ts, **p["dm_message"]})

    @router.action(render.POST)
    async def post_report(body: dict, client: AsyncWebClient):
        ref, team, user = _ref(body), team_of(body), user_of(body)
        claim = await run(service.claim_post, db, team, user, int(ref["d"]), ref["c"], ref["w"])
        t = await reader(db, team, user, client)
        if not claim.first:
            await _already(client, body, claim, t)
            return
        await _post(client, db, body, claim, render.channel_post(claim.draft, user, await post_text(db, claim.draft)), t)

    @router.action(render.EDIT)
    async def edit_report(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        d, draft = await run(service.for_edit, db, team, user, int(_ref(body)["d"]))
        # The AE's modal around the draft as it will be posted: in the channel's language.
        view = render.edit_modal(draft, d.id, await reader(db, team, user, client), await post_text(db, draft))
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    @router.view(render.EDIT_CALLBACK, own_ack=True)
    async def post_edited(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        text = text_of(view, render.EDIT_BLOCK).strip()
        t = await reader(db, team, user)
        problem = (InvalidInput.one(render.EDIT_BLOCK, "report_empty") if not text else
                   InvalidInput.one(render.EDIT_BLOCK, "report_too_long", limit=render.EDIT_MAX)
                   if len(text) > render.EDIT_MAX else None)
        if problem:
            await ack(response_action="errors", errors=modal_errors(problem, t))
            return
        await ack()
        ref = metadata_of(view)
        claim = await run(service.claim_post, db, team, user, int(ref["d"]), ref["c"], ref["w"], edited=True)
        dm_body = {"user": {"id": user}}     # a modal has no channel to answer in: tell by DM
        if not claim.first:
            await _already(client, dm_body, claim, t)
            return
        await _post(client, db, dm_body, claim, render.edited_post(text, user, await post_text(db, claim.draft)), t)

    @router.action(render.SNOOZE)
    async def snooze_report(body: dict, client: AsyncWebClient):
        team, user = team_of(body), user_of(body)
        result = await run(service.snooze, db, team, user, int(_ref(body)["d"]), clicked_at(body))
        t = await reader(db, team, user, client)
        if not result.created:
            await tell(client, body, t("Already snoozed: it comes back at {when}.", when=moment(result.due_at, t)))
            return
        await _update_dm(client, _dm_of(body, result.delivery),
                         render.weekly_dm(result.draft, result.delivery.id, t,
                                          snoozed="/snooze-" in result.delivery.period,
                                          status=render.snoozed_line(result.due_at, t)))
