"""The Slack app factory: a Bolt AsyncApp whose Web API client honours SLACK_API_URL and 429s."""
from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (AsyncConnectionErrorRetryHandler,
                                                         AsyncRateLimitErrorRetryHandler,
                                                         AsyncServerErrorRetryHandler)
from slack_sdk.web.async_client import AsyncWebClient

from .db import Database
from .settings import Settings

log = logging.getLogger("ae_bot")


def web_client(settings: Settings) -> AsyncWebClient:
    client = AsyncWebClient(token=settings.slack_bot_token or None, base_url=settings.slack_api_url,
                            timeout=10)
    client.retry_handlers.extend([
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),   # sleeps for Retry-After, then retries
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ])
    if not any(isinstance(h, AsyncConnectionErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(AsyncConnectionErrorRetryHandler())
    return client


def create_app(settings: Settings, db: Database, offload=None) -> AsyncApp:
    """The front: verifies, routes and acks. Work behind the ack goes to `offload` (default: a task
    of this process; `ae-bot run` passes the worker process, bot/worker.py)."""
    from handlers import routes
    from handlers.routing import InProcess

    app = AsyncApp(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
        request_verification_enabled=not settings.socket_mode or bool(settings.slack_signing_secret),
        ignoring_self_events_enabled=True,
        # Answer the moment a listener acks; our listeners put everything slow behind the ack.
        process_before_response=True,
    )
    app.error(_on_error)
    router = routes(db)
    router.install(app, offload or InProcess(router, app.client))
    return app


async def _on_error(error: Exception, body: dict, client: AsyncWebClient, response: BoltResponse | None):
    """Last resort for errors outside our listeners (middleware): Slack never sees a 500 from us."""
    if response is not None:
        response.status, response.body = 200, ""
    from handlers.common import report

    await report(client, body, error)
