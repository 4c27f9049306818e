"""/ae settings (the modal and its submission) and /ae away; /ae itself is dispatched in handlers/help.py."""
from __future__ import annotations

import asyncio
import logging

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.errors import InvalidInput
from bot.render import settings as render
from bot.render.problems import modal_errors
from bot.services import people
from bot.services import settings as service

from .common import metadata_of, reader, run, state_value, team_of, tell, text_of, today, user_of
from .routing import Router

log = logging.getLogger("ae_bot.handlers")


async def _profile(client: AsyncWebClient, user_id: str) -> dict:
    try:
        return (await client.users_info(user=user_id, include_locale=True))["user"]
    except SlackApiError as e:
        log.warning("users.info failed for %s: %s", user_id, e.response.get("error"))
        return {}


def _is_admin(profile: dict) -> bool:
    return bool(profile.get("is_admin") or profile.get("is_owner") or profile.get("is_primary_owner"))


async def open_settings(ack: AsyncAck, body: dict, client: AsyncWebClient, db: Database) -> None:
    """`/ae settings`: the modal, pre-filled; the workspace's zone only for admins (asked of Slack now)."""
    await ack()
    team, user = team_of(body), user_of(body)
    profile = await _profile(client, user)
    if profile:   # the same answer refreshes the cached zone the modal shows as "your Slack time zone"
        await run(people.remember, db, team, user, name=profile.get("real_name") or profile.get("name", ""),
                  tz=profile.get("tz"), locale=profile.get("locale"))
    cur = await run(service.current, db, team, user)
    t = await reader(db, team, user)   # after remember: a first-time user's locale is known
    await client.views_open(trigger_id=body["trigger_id"],
                            view=render.settings_modal(cur, _is_admin(profile), t, body.get("channel_id")))


async def away(ack: AsyncAck, body: dict, respond: AsyncRespond, db: Database, text: str) -> None:
    """`/ae away FROM..UNTIL` or `/ae away off`, answered privately."""
    team, user = team_of(body), user_of(body)
    t = await reader(db, team, user)   # one cached lookup before the ack
    try:
        span = service.parse_away(text)
    except InvalidInput as e:
        await ack(**render.away_usage(e.problem, t))
        return
    await ack()
    if span is None:
        await respond(response_type="ephemeral",
                      **render.away_cleared(await run(service.clear_away, db, team, user), t))
        return
    try:
        await run(service.set_away, db, team, user, *span, await today(db, team, user))
    except InvalidInput as e:
        await respond(response_type="ephemeral", **render.away_usage(e.problem, t))
        return
    await respond(response_type="ephemeral", **render.away_set(*span, t))


def _choices(view: dict) -> service.Choices:
    def selected(block_id: str) -> list[str]:
        return [o["value"] for o in (state_value(view, block_id) or {}).get("selected_options") or []]

    def chosen(block_id: str) -> str | None:
        return ((state_value(view, block_id) or {}).get("selected_option") or {}).get("value")

    blocks = (view.get("state") or {}).get("values", {})
    return service.Choices(
        tz_override=text_of(view, "tz"),
        times={rule: text_of(view, f"time_{rule}") for rule in service.RULE_TIMES},
        opt_out=selected("opt_out"),
        weekly_planning="on" in selected("weekly_planning"),
        workspace_tz=text_of(view, "workspace_tz") if "workspace_tz" in blocks else None,
        language=chosen("language"),
        workspace_language=chosen("workspace_language"),
        roles={r: (state_value(view, r) or {}).get("selected_users") or [] for r in ("finance", "lead")}
        if "finance" in blocks else None,
    )


def register(router: Router, db: Database) -> None:
    @router.view(render.SETTINGS_CALLBACK, own_ack=True)
    async def save_settings(ack: AsyncAck, body: dict, client: AsyncWebClient):
        view, team, user = body["view"], team_of(body), user_of(body)
        choices = _choices(view)
        # Never trust the form for who is an admin: ask Slack again (within the 3 s of the ack).
        is_admin = False
        if choices.workspace_tz is not None or choices.roles is not None or choices.workspace_language:
            is_admin = _is_admin(await asyncio.wait_for(_profile(client, user), 2.0))
        try:
            cur = await run(service.save, db, team, user, choices, is_admin)
        except InvalidInput as e:
            await ack(response_action="errors", errors=modal_errors(e, await reader(db, team, user)))
            return
        await ack()
        channel = metadata_of(view).get("channel") or ""
        # Read after the save (which forgot the cached language): the confirmation is in the new one.
        reply = render.saved_reply(cur, await reader(db, team, user), workspace=is_admin)
        await tell(client, {"user": {"id": user}, "channel": {"id": channel}}, reply["text"], reply["blocks"])
