"""/goals: the goals modal, and the quarterly review's Done / Not done and "Set this quarter's goals"."""
from __future__ import annotations

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.errors import InvalidInput
from bot.render import goals as render
from bot.services import goals as service

from bot.render.problems import modal_errors

from .common import learn_person, metadata_of, reader, run, team_of, tell, text_of, user_of
from .routing import Router


async def open_goals(client: AsyncWebClient, db: Database, body: dict, channel: str | None) -> None:
    team, user = team_of(body), user_of(body)
    period = await run(service.this_quarter, db, team, user)
    goals = await run(service.for_period, db, team, user, period)
    t = await reader(db, team, user, client)
    await client.views_open(trigger_id=body["trigger_id"], view=render.goals_modal(period, goals, t, channel))


def register(router: Router, db: Database) -> None:
    @router.command("/goals")
    async def goals_command(body: dict, client: AsyncWebClient):
        await open_goals(client, db, body, body.get("channel_id"))
        await learn_person(client, db, team_of(body), user_of(body))

    @router.action(render.OPEN_GOALS)
    async def goals_button(body: dict, client: AsyncWebClient):
        await open_goals(client, db, body, (body.get("container") or {}).get("channel_id"))

    @router.view(render.GOALS_CALLBACK, own_ack=True)
    async def save_goals(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        meta = metadata_of(view)
        try:
            saved = await run(service.set_goals, db, team, user, meta.get("period") or "", text_of(view, "goals"))
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, await reader(db, team, user)))
            return
        await ack()
        reply = render.saved_reply(saved.period, saved.goals, await reader(db, team, user))
        await tell(client, {"user": {"id": user}, "channel": {"id": meta.get("channel") or ""}},
                   reply["text"], reply.get("blocks"))

    async def mark(body: dict, client: AsyncWebClient, done: bool) -> None:
        team, user = team_of(body), user_of(body)
        goal, changed = await run(service.mark, db, team, user, int(body["actions"][0]["value"]), done)
        if not changed:
            return   # a repeated click: the message already shows it
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        if channel and ts:
            goals = await run(service.for_period, db, team, user, goal.period)
            # Only the goal's owner may mark it, so whoever clicked reads their own review.
            t = await reader(db, team, user)
            await client.chat_update(channel=channel, ts=ts, **render.quarterly_review(goal.period, goals, t))

    @router.action(render.GOAL_DONE)
    async def goal_done(body: dict, client: AsyncWebClient):
        await mark(body, client, True)

    @router.action(render.GOAL_NOT_DONE)
    async def goal_not_done(body: dict, client: AsyncWebClient):
        await mark(body, client, False)
