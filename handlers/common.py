"""What every handler needs: run a service off the event loop, and tell a person something."""
from __future__ import annotations

import asyncio
import functools
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Callable, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.db import Database
from bot.errors import UserError
from bot.services import people

T = TypeVar("T")
log = logging.getLogger("ae_bot.handlers")


async def run(fn: Callable[..., T], *args, **kwargs) -> T:
    """Services are synchronous; run them in a worker thread so the event loop keeps acking."""
    return await asyncio.to_thread(fn, *args, **kwargs)


# Short reads on the interactive path (before an ack, or before views.open with a 3-second trigger)
# get threads of their own, so they never queue behind the writes other requests do after acking.
_interactive = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ae-bot-interactive")


async def run_now(fn: Callable[..., T], *args, **kwargs) -> T:
    return await asyncio.get_running_loop().run_in_executor(_interactive, functools.partial(fn, *args, **kwargs))


def team_of(body: dict) -> str:
    return body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")


def user_of(body: dict) -> str:
    return body.get("user_id") or (body.get("user") or {}).get("id")


def response_url_of(body: dict) -> str | None:
    if body.get("response_url"):
        return body["response_url"]
    urls = body.get("response_urls") or []
    return urls[0]["response_url"] if urls else None


async def tell(client: AsyncWebClient, body: dict, text: str, blocks: list | None = None,
               response_url: str | None = None) -> None:
    """An ephemeral answer where the person is; a DM when there is no channel to answer in."""
    user = user_of(body) or (body.get("event") or {}).get("user")
    url = response_url or response_url_of(body)
    try:
        if url:
            session = getattr(client, "session", None)   # the pooled connections, when the server has them
            resp = await AsyncWebhookClient(url, session=session).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            if resp.status_code == 200:
                return
        channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
        if channel and not channel.startswith("D"):
            try:
                await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
                return
            except SlackApiError:
                pass  # not in that channel: fall through to a DM
        if user:
            await client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except Exception:
        log.exception("could not tell user=%s: %s", user, text[:200])


async def learn_person(client: AsyncWebClient, db: Database, team_id: str, user_id: str) -> None:
    """Cache the person's name, time zone and locale from users.info (refreshed daily)."""
    if not team_id or not user_id or people.cached_zone(team_id, user_id):
        return   # known to this process within the hour: no query at all
    if not await run(people.needs_refresh, db, team_id, user_id):
        return
    try:
        info = (await client.users_info(user=user_id, include_locale=True))["user"]
    except SlackApiError as e:
        log.warning("users.info failed for %s: %s", user_id, e.response.get("error"))
        return
    await run(people.remember, db, team_id, user_id, name=info.get("real_name") or info.get("name", ""),
              tz=info.get("tz"), locale=info.get("locale"))


async def learn_people(client: AsyncWebClient, db: Database, team_id: str, user_ids) -> None:
    """Learn the zones of everyone a reminder may reach (owners, attendees), once a day at most."""
    for user_id in dict.fromkeys(u for u in user_ids if u):
        await learn_person(client, db, team_id, user_id)


async def is_admin(client: AsyncWebClient, user_id: str) -> bool:
    """Workspace admin or owner, per Slack (asked each time: roles matter more than a call saved)."""
    try:
        u = (await client.users_info(user=user_id))["user"]
    except SlackApiError:
        return False
    return bool(u.get("is_admin") or u.get("is_owner") or u.get("is_primary_owner"))


async def today(db: Database, team_id: str, user_id: str) -> date:
    """The person's local date; from the in-process zone cache when it can (no thread, no query)."""
    zone = people.cached_zone(team_id, user_id) or await run_now(people.zone_of, db, team_id, user_id)
    return people.today_in(zone)


def state_value(view: dict, block_id: str) -> dict | None:
    block = (view.get("state") or {}).get("values", {}).get(block_id)
    return block.get("value") if block else None


def text_of(view: dict, block_id: str) -> str:
    v = state_value(view, block_id)
    return (v or {}).get("value") or ""


def date_of(view: dict, block_id: str) -> date | None:
    v = (state_value(view, block_id) or {}).get("selected_date")
    return date.fromisoformat(v) if v else None


def user_of_select(view: dict, block_id: str) -> str | None:
    return (state_value(view, block_id) or {}).get("selected_user")


def guarded(listener):
    """Every listener's safety net: a person always hears what went wrong, Slack always gets a 200.

    Errors are handled here rather than left to Bolt, whose async runner can lose an ack()
    (and answer 404) when a listener fails within milliseconds of acking.
    """
    @functools.wraps(listener)
    async def wrapper(**kwargs):
        try:
            return await listener(**kwargs)
        except Exception as error:
            ack = kwargs.get("ack")
            if ack is not None and ack.response is None:
                await ack()
            await report(kwargs.get("client"), kwargs.get("body") or {}, error)

    return wrapper


EXPIRED_TRIGGER = ("Slack closed the window for that form before I could open it (I was busy for a moment). "
                   "Please try again.")


async def report(client: AsyncWebClient | None, body: dict, error: Exception) -> None:
    if isinstance(error, UserError):
        await tell(client, body, str(error))
        return
    if isinstance(error, SlackApiError) and error.response.get("error") == "expired_trigger_id":
        # A modal opened more than 3 s after the click (the worker had a backlog): not a bug to chase.
        log.warning("trigger expired before views.open context=%s", context_of(body))
        await tell(client, body, EXPIRED_TRIGGER)
        return
    ref = secrets.token_hex(3).upper()
    log.error("unexpected error ref=%s context=%s", ref, context_of(body), exc_info=error)
    await tell(client, body, f"Sorry — that failed (ref {ref}). Please try again in a minute; "
                             "if it keeps failing, send this ref to whoever runs ae-bot.")


def context_of(body: dict) -> dict:
    """Who and what a request was about, for log lines."""
    event = body.get("event") or {}
    what = (body.get("command") or (body.get("view") or {}).get("callback_id")
            or ",".join(a.get("action_id", "") for a in body.get("actions") or [])
            or event.get("type") or body.get("type"))
    return {"team": team_of(body) or (body.get("authorizations") or [{}])[0].get("team_id"),
            "user": user_of(body) or event.get("user"), "what": what}
