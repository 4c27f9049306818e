"""`ae-bot run | tick --at ISO-TIME | db upgrade`."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime, timezone

from . import logs
from .db import Database
from .settings import Settings

log = logging.getLogger("ae_bot")

MISSING = """ae-bot can't start: {names} {verb} not set. Set {them} in the environment or in a .env file next to where you run ae-bot. Get them from
https://api.slack.com/apps → your app (create it from app_manifest.yml if you have none):
SLACK_BOT_TOKEN is the "Bot User OAuth Token" (xoxb-…) under OAuth & Permissions after you
install the app; SLACK_SIGNING_SECRET is under Basic Information → App Credentials; for Socket
Mode set SLACK_APP_TOKEN to an app-level token (xapp-…) with connections:write, made under
Basic Information → App-Level Tokens. See README.md, "Create the Slack app"."""

TEAMS_MISSING = """set {names}: TEAMS_APP_ID is the bot's Microsoft App ID and TEAMS_APP_PASSWORD a client
secret of it (Azure portal → your Azure Bot → Configuration, or the Teams Developer Portal → Tools →
Bot management); TEAMS_TENANT_ID only for a single-tenant bot. See README.md, "Create the Teams app"."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ae-bot", description="The account executive's assistant for Slack.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="serve Slack (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT), "
                              "with a worker process beside it")
    sub.add_parser("worker", help="work and reminders only, no HTTP (scale out on PostgreSQL)")
    tick = sub.add_parser("tick", help="run one reminder tick at an instant, then exit")
    tick.add_argument("--at", required=True, help="ISO-8601 instant, e.g. 2026-11-30T12:00:00+01:00")
    tp = sub.add_parser("teams", help="Microsoft Teams commands")
    tp.add_argument("action", choices=["package"])
    tp.add_argument("--out", default="ae-bot-teams.zip", help="where to write the app package")
    tp.add_argument("--domain", default=None, help="the host serving /api/messages (validDomains)")
    dbp = sub.add_parser("db", help="database commands")
    dbp.add_argument("action", choices=["upgrade"])
    args = parser.parse_args(argv)

    settings = Settings()
    logs.configure(settings.log_level)
    if args.cmd == "db":
        Database(settings.database_url).upgrade()
        print("database is up to date")
        return 0
    if args.cmd == "teams":
        from pathlib import Path

        from .teams.package import PackageError, write

        try:
            out = write(Path(args.out), settings.teams_app_id, args.domain)
        except PackageError as e:
            print(f"ae-bot teams package: {e}", file=sys.stderr)
            return 2
        print(f"wrote {out}: upload it in Teams → Apps → Manage your apps → Upload an app")
        return 0
    if args.cmd == "tick":
        return _tick(settings, args.at)
    if args.cmd == "worker":
        if not settings.slack_bot_token and not settings.teams:   # a Teams-only worker needs no Slack token
            print(MISSING.format(names="SLACK_BOT_TOKEN", verb="is", them="it"), file=sys.stderr)
            return 2
        from .work import main as work

        return work(settings)
    return _run(settings)


def _tick(settings: Settings, at: str) -> int:
    try:
        now = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        print(f"ae-bot tick: can't read --at {at!r}; use ISO-8601 like 2026-11-30T12:00:00Z", file=sys.stderr)
        return 2
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    if not settings.slack_bot_token:
        print(MISSING.format(names="SLACK_BOT_TOKEN", verb="is", them="it"), file=sys.stderr)
        return 2
    from scheduler.engine import tick
    from scheduler.sender import open_sender

    db = Database(settings.database_url)
    db.upgrade()

    async def one_tick():
        async with open_sender(settings) as sender:
            return await tick(db, sender, now)

    report = asyncio.run(one_tick())
    print(f"tick at {now.astimezone(timezone.utc).isoformat()}: {report.line()}")
    return 0


def _slack_missing(missing: list[str]) -> str:
    many = len(missing) > 1
    return MISSING.format(names=" and ".join(missing), verb="are" if many else "is", them="them" if many else "it")


def _refusal(settings: Settings) -> str | None:
    """Why `ae-bot run` can't start (Slack only, Teams only, or both), naming what is missing for each."""
    teams_started = bool(settings.teams_app_id or settings.teams_app_password)
    if not settings.slack and not teams_started:
        return (_slack_missing(settings.missing_for_run()) + "\n\nOr, for Microsoft Teams: "
                + TEAMS_MISSING.format(names=" and ".join(settings.missing_for_teams())))
    if settings.slack and settings.missing_for_run():
        return _slack_missing(settings.missing_for_run())
    if teams_started and settings.missing_for_teams():
        return "ae-bot can't start Teams: " + TEAMS_MISSING.format(names=" and ".join(settings.missing_for_teams()))
    return None


def _run(settings: Settings) -> int:
    refusal = _refusal(settings)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    db = Database(settings.database_url)
    db.upgrade()
    from .slack_app import create_app
    from .supervise import Supervisor

    # This process keeps each request and acks; the worker process does the work behind the acks and
    # ticks the reminders. They share nothing but the database.
    supervisor = Supervisor().start()
    app = create_app(settings, db) if settings.slack else None
    teams = None
    if settings.teams:
        from .teams.front import TeamsFront

        teams = TeamsFront(settings, db)
    if settings.socket_mode and teams is not None:
        print("Teams needs HTTP (/api/messages): run Slack over HTTP (unset SLACK_APP_TOKEN, set "
              "SLACK_SIGNING_SECRET) to serve both from one process.", file=sys.stderr)
        supervisor.stop()
        return 2
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        from .web import keep_alive

        async def socket_mode() -> None:
            import signal

            loop, me = asyncio.get_running_loop(), asyncio.current_task()
            for sig in (signal.SIGTERM, signal.SIGINT):   # stop cleanly, and stop the worker with us
                loop.add_signal_handler(sig, me.cancel)
            async with keep_alive(app.client):   # the handler opens its aiohttp session in this loop
                watching = asyncio.ensure_future(supervisor.watch())
                try:
                    await AsyncSocketModeHandler(app, settings.slack_app_token).start_async()
                except asyncio.CancelledError:
                    log.info("stopping")
                finally:
                    watching.cancel()

        log.info("starting in Socket Mode")
        try:
            asyncio.run(socket_mode())
        finally:
            supervisor.stop()
        return 0
    import uvicorn

    from .web import create_web

    web = create_web(app, db, supervisor=supervisor, teams=teams)
    log.info("serving HTTP on port %s:%s%s GET /healthz", settings.port, " POST /slack/events," if app else "",
             " POST /api/messages," if teams else "")
    uvicorn.run(web, host="0.0.0.0", port=settings.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
