"""Thin Slack listeners, one module per domain; each module's face is `register(router, db)`."""
from __future__ import annotations

from bot.db import Database

from .routing import Router


def routes(db: Database) -> Router:
    from . import (audience, calls, clients, delivery, goals, help, home, invoices, minutes, reports, settings,
                   tasks, workorders)

    router = Router()
    for module in (delivery, minutes, tasks, home, help, goals, settings, reports, calls, invoices, workorders, clients,
                   audience):
        module.register(router, db)
    from bot.teams import deliver as teams_deliver   # the Teams connector's effects

    teams_deliver.register(router, db)
    return router
