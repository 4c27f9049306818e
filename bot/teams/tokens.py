"""The bot's own token for the Bot Connector: client credentials posted to Microsoft's token
endpoint, kept until shortly before it expires, one fetch at a time. Never logged."""
from __future__ import annotations

import asyncio
import logging
import time

import aiohttp

log = logging.getLogger("ae_bot.teams")

SCOPE = "https://api.botframework.com/.default"
EARLY = 300.0   # fetch a new token this long before the old one expires


class TokenError(Exception):
    pass


class OutboundTokens:
    def __init__(self, app_id: str, password: str, token_url: str):
        self.app_id, self._password, self.token_url = app_id, password, token_url
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    def __repr__(self) -> str:   # the secret and the token stay out of any log line
        return f"OutboundTokens(app_id={self.app_id!r}, token_url={self.token_url!r})"

    async def get(self, *_args) -> str:
        """A valid bearer token (the SDK calls this as its token provider: scope, tenant)."""
        if self._token and time.monotonic() < self._expires - EARLY:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires - EARLY:
                return self._token
            form = {"grant_type": "client_credentials", "client_id": self.app_id,
                    "client_secret": self._password, "scope": SCOPE}
            try:
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
                    async with http.post(self.token_url, data=form) as r:
                        body = await r.json(content_type=None)
                        if r.status != 200 or "access_token" not in body:
                            raise TokenError(f"token endpoint answered {r.status} {body.get('error', '')}")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                raise TokenError(f"token endpoint unreachable: {type(e).__name__}") from None
            self._token = body["access_token"]
            self._expires = time.monotonic() + float(body.get("expires_in") or 3600)
            self.fetches += 1
            return self._token
