"""The long-running process ticks every minute through APScheduler (in-memory job store: our own
tables are the source of truth) and refreshes people's time zones from Slack."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.services import people
from bot.settings import Settings

from .engine import tick
from .sender import SlackSender, reminder_client

log = logging.getLogger("ae_bot.scheduler")


def start(db: Database, settings: Settings, port: SlackSender | None = None) -> AsyncIOScheduler:
    """Call from inside the running event loop (the worker's). `port`: the worker's messaging port."""
    if port is None:
        import aiohttp

        # One keep-alive session for the life of the process.
        port = SlackSender(reminder_client(settings, aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))))
    sender, client = port, port.client

    async def tick_now() -> None:
        await tick(db, sender, datetime.now(timezone.utc))

    async def refresh() -> None:
        await refresh_people(db, client)

    scheduler = AsyncIOScheduler(timezone=timezone.utc)
    # Every minute, and once right away: after a restart, what was missed goes out now.
    scheduler.add_job(tick_now, CronTrigger(second=0, timezone=timezone.utc), id="tick",
                      max_instances=1, coalesce=True, misfire_grace_time=50,
                      next_run_time=datetime.now(timezone.utc))
    scheduler.add_job(refresh, CronTrigger(minute="*/15", second=30, timezone=timezone.utc), id="people",
                      max_instances=1, coalesce=True)
    scheduler.start()
    log.info("reminders: ticking every minute")
    return scheduler


async def refresh_people(db: Database, client: AsyncWebClient, limit: int = 50) -> int:
    """Re-read time zone and locale from users.info for people not refreshed for a day."""
    import asyncio

    stale = await asyncio.to_thread(people.stale, db, limit)
    for team_id, user_id in stale:
        try:
            info = (await client.users_info(user=user_id, include_locale=True))["user"]
        except SlackApiError as e:
            log.warning("users.info %s: %s", user_id, e.response.get("error"))
            continue
        await asyncio.to_thread(people.remember, db, team_id, user_id,
                                name=info.get("real_name") or info.get("name", ""),
                                tz=info.get("tz"), locale=info.get("locale"))
    return len(stale)
