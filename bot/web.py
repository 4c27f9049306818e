"""The HTTP side: one ASGI app (Starlette under uvicorn) with POST /slack/events and GET /healthz.

A later Teams front end mounts /api/messages on the same app, in the same process.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from . import ingress
from .db import Database

log = logging.getLogger("ae_bot.web")

NOT_INSTALLED = ("ae-bot isn't installed in this workspace, so I can't do that here. "
                 "Ask a workspace admin to install it, or use it in the workspace where it is installed.")


class Installation:
    """The workspace our bot token belongs to (auth.test), asked once and kept."""

    def __init__(self, client: AsyncWebClient):
        self.client, self.team_id, self._lock = client, None, asyncio.Lock()

    async def team(self) -> str | None:
        if self.team_id is None:
            async with self._lock:
                if self.team_id is None:
                    try:
                        self.team_id = (await self.client.auth_test()).get("team_id")
                    except (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError) as e:
                        log.warning("auth.test failed (%s); requests wait until it answers", e)
        return self.team_id


def create_web(app: AsyncApp | None, db: Database, worker=None, supervisor=None, secret: str | None = None,
               teams=None) -> Starlette:
    """`worker`: a bot.work.Worker run inside this process (tests, one-process setups); `supervisor`:
    the worker process `ae-bot run` keeps beside it; `teams`: a bot.teams.front.TeamsFront, served on
    `/api/messages` beside `/slack/events`."""
    if app is not None:   # Slack (app None: a Teams-only bot)
        installed = Installation(app.client)
        router = app.ae_router
        secret = secret if secret is not None else app.ae_signing_secret
        if worker is not None:
            app.inbox.on_written.append(worker.wake)

    async def events(request: Request):
        raw = await request.body()
        refused = ingress.verify(secret, raw, request.headers)
        if refused:
            log.warning("refused a request: %s", refused.reason)
            return PlainTextResponse("", status_code=refused.status)
        body, refused = ingress.parse(raw, request.headers.get("content-type", ""))
        if refused:
            log.warning("refused a signed request: %s", refused.reason)
            return PlainTextResponse("", status_code=refused.status)
        team = ingress.team_of_request(body)
        if body.get("type") not in ("url_verification", "ssl_check") and team and team != await installed.team():
            log.warning("refused a request from workspace %s (installed in %s)", team, installed.team_id)
            return PlainTextResponse(NOT_INSTALLED if "command" in body else "", status_code=200)
        kind = router.kind_of(body)
        if kind is not None:   # ours: kept and answered here, without Bolt parsing it all again
            answer = await router.keep(kind, body, raw.decode("utf-8"), db, app.inbox, app.client)
            return _ack_response(answer)
        bolt = AsyncBoltRequest(body=raw.decode("utf-8"), query=request.url.query,
                                headers={k: [v] for k, v in request.headers.items()})
        resp = await app.async_dispatch(bolt)
        return Response(resp.body, status_code=resp.status,
                        headers={k: v[0] for k, v in resp.headers.items() if k.lower() != "content-length"})

    async def healthz(_request: Request):
        try:
            await asyncio.to_thread(_ping, db)
        except Exception as e:  # the process is up but cannot reach its database
            return JSONResponse({"ok": False, "database": type(e).__name__}, status_code=503)
        if supervisor is not None and not supervisor.alive:
            return JSONResponse({"ok": False, "database": "ok", "worker": "restarting"}, status_code=503)
        return JSONResponse({"ok": True, "database": "ok", **({"worker": "ok"} if supervisor else {})})

    @asynccontextmanager
    async def lifespan(_app):
        # Own-ack requests run their services in threads; PostgreSQL lets eight at once (handlers/routing.py),
        # each may wait on another's row: enough threads that the one holding the lock always gets one.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32,
                                                                           thread_name_prefix="ae-bot-front"))
        if teams is not None:
            await teams.start()
        async with (keep_alive(app.client) if app is not None else contextlib.nullcontext()):
            stop, serving = asyncio.Event(), None
            if worker is not None:
                serving = asyncio.ensure_future(_serve(worker, stop))
            watching = asyncio.ensure_future(supervisor.watch()) if supervisor else None
            try:
                yield
            finally:
                stop.set()
                if serving:
                    await serving
                if watching:
                    watching.cancel()
                    await asyncio.to_thread(supervisor.stop)

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if app is not None:
        routes.append(Route("/slack/events", events, methods=["POST"]))
    if teams is not None:
        routes.append(Route("/api/messages", teams.endpoint, methods=["POST"]))
    return Starlette(routes=routes, lifespan=lifespan)


def _ack_response(answer: dict | None) -> Response:
    """What Bolt's ack() would have answered: nothing, or the JSON of what it was given."""
    if not answer:
        return Response(b"", status_code=200)
    return Response(json.dumps(answer, separators=(",", ":")).encode(), status_code=200,
                    media_type="application/json")


async def _serve(worker, stop: asyncio.Event) -> None:
    async with keep_alive(worker.client):
        await worker.serve(stop)


@asynccontextmanager
async def keep_alive(client: AsyncWebClient):
    """One pooled HTTP session for the Web API client while the server runs (without it, every call
    opens a new connection, and against Slack a new TLS handshake)."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        client.session = session
        try:
            yield
        finally:
            client.session = None


def _ping(db: Database) -> None:
    with db.engine.connect() as c:
        c.execute(text("SELECT 1"))
