"""People from outside the agency (issue 11): a Slack Connect member of the client's organisation, or
a guest. They may confirm what they are asked to confirm, and mark done what is theirs; every other
command or click gets a polite refusal that says where to go, and never runs — so no list, cost,
invoice or colleague's task can reach them through it. The services still check each confirmation
(only attendees sign minutes, only named signers sign a deliverable)."""
from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.i18n import Text
from bot.services import audience

from .common import learn_person, reader, run, team_of, tell, user_of

# What an outsider may do: confirm or ask for changes, and mark their own item done.
MAY = {
    ("action", "minutes_sign_off"), ("action", "minutes_request_changes"), ("view", "minutes_changes_modal"),
    ("action", "workorder_sign_off"), ("action", "workorder_request_changes"), ("view", "workorder_changes_modal"),
    ("action", "item_done"),
    # Slack telling us about channels is not a person acting.
    ("event", "channel_shared"), ("event", "channel_unshared"), ("event", "member_joined_channel"),
    ("event", "member_left_channel"),
}


def refusal(t: Text) -> str:
    return t("ae-bot works for the agency's team, so I can't do that for you here. What you're asked to "
             "confirm comes to you as a message with buttons; for anything else, ask your account executive.")


def home_view(t: Text) -> dict:
    return {"type": "home", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "ae-bot"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": t(
            "I'm the agency team's assistant. When they ask you to confirm something — minutes of a meeting "
            "you attended, a deliverable — it comes to you as a message with buttons. For anything else, "
            "ask your account executive.")}}]}


async def is_outsider(db: Database, client: AsyncWebClient, team_id: str, user_id: str | None) -> bool:
    if not team_id or not user_id:
        return False
    known = audience.cached_outsider(team_id, user_id)   # most requests: a dict lookup, no thread
    if known is None:
        known = await run(audience.is_outsider, db, team_id, user_id)
    if known is None:   # a first contact: users.info first, then we know
        await learn_person(client, db, team_id, user_id)
        known = audience.cached_outsider(team_id, user_id)   # most requests: a dict lookup, no thread
    if known is None:
        known = await run(audience.is_outsider, db, team_id, user_id)
    return bool(known)


async def refuse(kind: str, key: str, body: dict, db: Database, client: AsyncWebClient, ack=None) -> bool:
    """True when the person may not do this: they have been answered politely and nothing runs."""
    if (kind, key) in MAY:
        return False
    team = team_of(body) or ""
    user = user_of(body) or (body.get("event") or {}).get("user")
    if not await is_outsider(db, client, team, user):
        return False
    t = await reader(db, team, user, client)
    if kind == "event" and key == "app_home_opened":
        await client.views_publish(user_id=user, view=home_view(t))
    elif kind == "command" and ack is not None:
        await ack(text=refusal(t))
    else:
        if ack is not None:
            await ack()
        await tell(client, body, refusal(t))
    return True
