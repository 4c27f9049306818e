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
from .inbox import InboxWriter
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


def create_app(settings: Settings, db: Database, inbox: InboxWriter | None = None) -> AsyncApp:
    """The front: verifies, routes, keeps the request (the inbox), acks."""
    from handlers import routes

    app = AsyncApp(
        client=web_client(settings),
        signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
        # Over HTTP, bot/ingress.py has checked the signature over the raw bytes before Bolt sees the
        # request; Socket Mode requests come over Slack's own authenticated connection.
        request_verification_enabled=False,
        ignoring_self_events_enabled=True,
        # Answer the moment a listener acks; our listeners put everything slow behind the ack.
        process_before_response=True,
    )
    app.error(_on_error)
    app.inbox = inbox or InboxWriter(db)
    app.ae_signing_secret = settings.slack_signing_secret     # bot/ingress.py checks it before Bolt parses
    app.ae_router = routes(db)
    app.ae_router.install(app, db, app.inbox)   # Socket Mode's way in; HTTP goes straight to the router
    return app


async def _on_error(error: Exception, body: dict, client: AsyncWebClient, response: BoltResponse | None):
    """Last resort for errors outside our listeners (middleware, or the inbox is unreachable): the
    request was not kept, so Slack hears a failure and the person sees it; logged once."""
    log.error("request not handled: %s: %s", type(error).__name__, error)
    if response is not None:
        response.status, response.body = 500, ""
