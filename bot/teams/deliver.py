"""The Teams connector's effects, delivered through the Teams port."""
from __future__ import annotations

from ..db import Database
from ..effects import Claimed


def register(router, db: Database) -> None:
    @router.effect("teams_send", platform="teams")
    async def send(fx: Claimed, port):
        p = fx.payload
        await port.send(p["service_url"], p["conversation"], p["activity"])
