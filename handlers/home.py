"""App Home: published on app_home_opened and after a Done or Sign off click on it."""
from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot import effects
from bot.db import Database
from bot.effects import Claimed
from bot.messaging import SlackPort
from bot.render.home import home_view
from bot.services import home as service

from .common import learn_person, reader, run
from .routing import Router


async def publish_home(client: AsyncWebClient, db: Database, team_id: str, user_id: str) -> None:
    """An effect that coalesces: many changes in a burst publish once, from the newest rows."""
    effects.record("home", {"team": team_id, "user": user_id}, key=f"home:{team_id}:{user_id}", team_id=team_id,
                   coalesce=True)


def register(router: Router, db: Database) -> None:
    @router.effect("home")
    async def deliver_home(fx: Claimed, port: SlackPort):
        team, user = fx.payload["team"], fx.payload["user"]
        data = await run(service.for_user, db, team, user)
        t = await reader(db, team, user, port.client)   # the Home is read by the person it belongs to
        await port.call("views_publish", {"user_id": user, "view": home_view(data, t)})

    @router.event("app_home_opened")
    async def home_opened(body: dict, event: dict, client: AsyncWebClient):
        if event.get("tab") != "home":
            return
        team = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id")
        await publish_home(client, db, team, event["user"])
        await learn_person(client, db, team, event["user"])

