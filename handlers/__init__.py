"""Thin Slack listeners, one module per domain; each module's face is `register(app, db)`."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.db import Database


def register_all(app: AsyncApp, db: Database) -> None:
    from . import calls, goals, help, home, minutes, reports, settings, tasks, workorders
    from . import invoices
    from . import clients

    for module in (minutes, tasks, home, help, goals, settings, reports, calls, invoices, workorders, clients):
        module.register(app, db)
