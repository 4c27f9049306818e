"""What every handler needs: run a service off the event loop, and tell a person something."""
from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import re
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Callable, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import effects
from bot.db import Database
from bot.errors import UserError
from bot.i18n import Text, text_for
from bot.messaging import in_scope
from bot.render.problems import describe
from bot.services import audience, people, readers

T = TypeVar("T")
log = logging.getLogger("ae_bot.handlers")


async def run(fn: Callable[..., T], *args, **kwargs) -> T:
    """Services are synchronous; run them in a worker thread so the event loop keeps acking."""
    return await asyncio.to_thread(fn, *args, **kwargs)


# Short reads on the interactive path (before an ack, or before views.open with a 3-second trigger)
# get threads of their own, so they never queue behind the writes other requests do after acking.
_interactive = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ae-bot-interactive")


async def run_now(fn: Callable[..., T], *args, **kwargs) -> T:
    ctx = contextvars.copy_context()   # a request's scope goes along (run_in_executor doesn't copy it)
    return await asyncio.get_running_loop().run_in_executor(
        _interactive, functools.partial(ctx.run, fn, *args, **kwargs))


_REFUSED = re.compile("[\x00\ud800-\udfff]")


def clean(value):
    """The payload without what a database refuses: NUL (PostgreSQL text) and lone surrogates."""
    if isinstance(value, str):
        return _REFUSED.sub("", value) if _REFUSED.search(value) else value
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


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
    """An ephemeral answer where the person is; a DM when there is no channel to answer in. Inside a
    request it is an effect, delivered by `deliver_tell` once the request has committed."""
    user = user_of(body) or (body.get("event") or {}).get("user")
    url = response_url or response_url_of(body)
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    if in_scope():
        effects.record("tell", {"user": user, "url": url, "channel": channel, "text": text, "blocks": blocks},
                       team_id=team_of(body) or "")
        return
    await deliver_tell(client, user, url, channel, text, blocks)


async def deliver_tell(client: AsyncWebClient, user: str | None, url: str | None, channel: str | None,
                       text: str, blocks: list | None) -> None:
    try:
        if url:
            session = getattr(client, "session", None)   # the pooled connections, when the server has them
            resp = await AsyncWebhookClient(url, session=session).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            if resp.status_code == 200:
                return
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
    """Cache the person's name, time zone and locale from users.info (refreshed daily). Inside a
    request, an effect: the Slack call happens behind the commit, never inside the transaction."""
    if not team_id or not user_id or people.cached_zone(team_id, user_id):
        return   # known to this process within the minute: no query at all
    if in_scope() and await run(people.known, db, team_id, user_id):
        # Known, perhaps stale: refreshed behind the commit. Someone never seen is looked up now, so
        # that what this request dates (a due date, a modal's "today") is in their zone, not UTC.
        effects.record("learn_person", {"team": team_id, "user": user_id}, key=f"learn:{team_id}:{user_id}",
                       team_id=team_id, coalesce=True)
        return
    if not await run(people.needs_refresh, db, team_id, user_id):
        return
    try:
        info = (await client.users_info(user=user_id, include_locale=True))["user"]
    except SlackApiError as e:   # (a body that isn't JSON has no "error" to read)
        data = e.response.data
        log.warning("users.info failed for %s: %s", user_id,
                    data.get("error") if isinstance(data, dict) else e.response.status_code)
        return
    await run(people.remember, db, team_id, user_id, name=info.get("real_name") or info.get("name", ""),
              tz=info.get("tz"), locale=info.get("locale"))
    if audience.is_external(info, team_id):   # a Slack Connect member or a guest: sees only what is theirs
        await run(audience.mark_external, db, team_id, user_id, True)


async def learn_people(client: AsyncWebClient, db: Database, team_id: str, user_ids) -> None:
    """Learn the zones of everyone a reminder may reach (owners, attendees), once a day at most:
    behind the commit, each its own coalescing effect (sixty attendees are not sixty calls in a row)."""
    for user_id in dict.fromkeys(u for u in user_ids if u):
        if not team_id or people.cached_zone(team_id, user_id):
            continue
        if in_scope():
            effects.record("learn_person", {"team": team_id, "user": user_id}, key=f"learn:{team_id}:{user_id}",
                           team_id=team_id, coalesce=True)
        else:
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


def metadata_of(view: dict) -> dict:
    """What a modal carried; unreadable metadata (a client bug, a hand-made payload) is none."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


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


async def reader(db: Database, team_id: str | None, user_id: str | None,
                 client: AsyncWebClient | None = None) -> Text:
    """The `Text` of the person who will read an answer (their language, cached a minute). Given a
    client, someone we have never seen is looked up first, so a first answer is in their language."""
    if not team_id or not user_id:
        return text_for(None)
    lang = readers.cached_person_language(team_id, user_id) or await run_now(readers.person_language, db, team_id,
                                                                              user_id)
    if lang is None and client is not None:
        await learn_person(client, db, team_id, user_id)
        lang = await run_now(readers.person_language, db, team_id, user_id)
    return text_for(lang)


def expired_trigger(t: Text) -> str:
    return t("Slack closed the window for that form before I could open it (I was busy for a moment). "
             "Please try again.")


async def report(client: AsyncWebClient | None, body: dict, error: Exception, t: Text | None = None) -> None:
    t = t or text_for(None)
    if isinstance(error, UserError):
        await tell(client, body, describe(error, t))
        return
    if isinstance(error, SlackApiError) and error.response.get("error") == "expired_trigger_id":
        # A modal opened more than 3 s after the click (the worker had a backlog): not a bug to chase.
        log.warning("trigger expired before views.open context=%s", context_of(body))
        await tell(client, body, expired_trigger(t))
        return
    ref = secrets.token_hex(3).upper()
    log.error("unexpected error ref=%s context=%s", ref, context_of(body), exc_info=error)
    await tell(client, body, sorry(ref, t))


def sorry(ref: str, t: Text | None = None) -> str:
    t = t or text_for(None)
    return t(
        "Sorry — that failed (ref {ref}), and nothing was saved. Please try again in a minute; "
        "if it keeps failing, send this ref to whoever runs ae-bot.", ref=ref)


def context_of(body: dict) -> dict:
    """Who and what a request was about, for log lines."""
    event = body.get("event") or {}
    what = (body.get("command") or (body.get("view") or {}).get("callback_id")
            or ",".join(a.get("action_id", "") for a in body.get("actions") or [])
            or event.get("type") or body.get("type"))
    return {"team": team_of(body) or (body.get("authorizations") or [{}])[0].get("team_id"),
            "user": user_of(body) or event.get("user"), "what": what}
