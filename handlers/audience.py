"""Who can see a channel, asked of Slack when our record is missing or old; refreshed when Slack says
a channel was shared or unshared or its members changed (issue 11)."""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.services import audience

from .common import run, team_of
from .routing import Router

log = logging.getLogger("ae_bot.handlers")
MEMBERS_LOOKED_AT = 200


async def client_facing(client: AsyncWebClient, db: Database, team_id: str, channel_id: str | None) -> bool:
    """Whether a post in this channel may be read by people from outside the agency."""
    if not channel_id or channel_id.startswith("D"):
        return False   # a DM to one of us
    known = await run(audience.cached, db, team_id, channel_id)
    if known is not None:
        return known
    facts = await _facts(client, team_id, channel_id)
    return (await run(audience.decide, db, team_id, channel_id, facts))[0]


async def _facts(client: AsyncWebClient, team_id: str, channel_id: str) -> audience.ChannelFacts:
    try:
        info = (await client.conversations_info(channel=channel_id))["channel"]
        members = (await client.conversations_members(channel=channel_id, limit=MEMBERS_LOOKED_AT)).get("members") or []
    except SlackApiError as e:
        log.warning("conversations.info/members failed for %s: %s (counted as client-facing)", channel_id,
                    e.response.get("error"))
        return audience.ChannelFacts(known=False)
    outsiders: list[str] = []
    if info.get("is_shared") and not info.get("is_ext_shared"):
        for user_id in members[:MEMBERS_LOOKED_AT]:
            try:
                user = (await client.users_info(user=user_id))["user"]
            except SlackApiError:
                continue
            if audience.is_external(user, team_id):
                outsiders.append(user_id)
    return audience.ChannelFacts(is_ext_shared=bool(info.get("is_ext_shared")), is_shared=bool(info.get("is_shared")),
                                 members=tuple(members), external_members=tuple(outsiders))


def register(router: Router, db: Database) -> None:
    async def _changed(body: dict):
        event = body.get("event") or {}
        channel = event.get("channel")
        if isinstance(channel, dict):
            channel = channel.get("id")
        if channel:
            await run(audience.forget, db, team_of(body) or event.get("team") or "", channel)

    for event_type in ("channel_shared", "channel_unshared", "member_joined_channel", "member_left_channel"):
        router.event(event_type)(_changed)
