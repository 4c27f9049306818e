"""App Home: published on app_home_opened and after a Done or Sign off click on it."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.render.home import home_view
from bot.services import home as service

from .common import guarded, learn_person, run


async def publish_home(client: AsyncWebClient, db: Database, team_id: str, user_id: str) -> None:
    data = await run(service.for_user, db, team_id, user_id)
    await client.views_publish(user_id=user_id, view=home_view(data))


def register(app: AsyncApp, db: Database) -> None:
    @app.event("app_home_opened")
    @guarded
    async def home_opened(body: dict, event: dict, client: AsyncWebClient):
        if event.get("tab") != "home":
            return
        team = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id")
        await publish_home(client, db, team, event["user"])
        await learn_person(client, db, team, event["user"])

