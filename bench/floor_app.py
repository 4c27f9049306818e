"""The floor of our stack: a bare Bolt AsyncApp that only acks, served like `ae-bot run` serves ours.

Same pieces as bot/web.py + bot/cli.py — Bolt AsyncApp, the Starlette adapter, uvicorn with
log_level warning, access_log off, one worker — and nothing else: every command, action and view
is acked and dropped. bench/ack_latency.py starts it as a subprocess; env:
SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, PORT.
"""
from __future__ import annotations

import os
import re

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def create_floor() -> Starlette:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    anything = re.compile(".*")

    @app.command(anything)
    async def command(ack: AsyncAck):
        await ack()

    @app.action(anything)
    async def action(ack: AsyncAck):
        await ack()

    @app.view(anything)
    async def view(ack: AsyncAck):
        await ack()

    slack = AsyncSlackRequestHandler(app)

    async def events(request: Request):
        return await slack.handle(request)

    async def healthz(_request: Request):
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]),
                             Route("/healthz", healthz, methods=["GET"])])


if __name__ == "__main__":
    # As bot/cli.py runs ours, except bound to loopback only (the benchmark stays on 127.0.0.1).
    uvicorn.run(create_floor(), host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning",
                access_log=False)
