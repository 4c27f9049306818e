"""The HTTP side: one ASGI app (Starlette under uvicorn) with POST /slack/events and GET /healthz.

A later Teams front end mounts /api/messages on the same app, in the same process.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import aiohttp
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .db import Database


def create_web(app: AsyncApp, db: Database, worker=None) -> Starlette:
    """`worker`: the worker process (bot/worker.py) that `ae-bot run` hands work to, if any."""
    slack = AsyncSlackRequestHandler(app)

    async def events(request: Request):
        return await slack.handle(request)

    async def healthz(_request: Request):
        try:
            await asyncio.to_thread(_ping, db)
        except Exception as e:  # the process is up but cannot reach its database
            return JSONResponse({"ok": False, "database": type(e).__name__}, status_code=503)
        if worker is not None and not worker.alive:
            return JSONResponse({"ok": False, "database": "ok", "worker": "restarting"}, status_code=503)
        return JSONResponse({"ok": True, "database": "ok", **({"worker": "ok"} if worker else {})})

    @asynccontextmanager
    async def lifespan(_app):
        async with keep_alive(app.client):
            watching = asyncio.ensure_future(worker.watch()) if worker else None
            try:
                yield
            finally:
                if watching:
                    watching.cancel()
                    await asyncio.to_thread(worker.stop)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]),
                             Route("/healthz", healthz, methods=["GET"])], lifespan=lifespan)


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
