"""Who may talk to /api/messages: Bot Framework's signed JWT, checked before anything else.

RS256 against the keys the OpenID metadata's `jwks_uri` names, issuer, audience (our app id), expiry
and not-before (five minutes' leeway, as Bot Framework allows), and — once the body is read — the
`serviceurl` claim against the activity's `serviceUrl`. The keys are fetched once and again when a
token names a key we don't have (Microsoft rolls them), at most once a minute.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiohttp
import jwt

log = logging.getLogger("ae_bot.teams")

ISSUER = "https://api.botframework.com"
LEEWAY = 300
REFETCH_AFTER = 60.0
KEYS_TTL = 24 * 3600.0


class Refused(Exception):
    """Not a token from Bot Framework for us; `reason` goes to the log, never to the caller."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    app_id: str
    service_url: str
    raw: dict


class InboundAuth:
    def __init__(self, app_id: str, metadata_url: str, session_factory=None):
        self.app_id, self.metadata_url = app_id, metadata_url
        self._keys: dict[str, object] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        self._session_factory = session_factory or (lambda: aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=10)))

    async def _refresh(self, force: bool) -> None:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            if self._keys and (age < REFETCH_AFTER or (not force and age < KEYS_TTL)):
                return
            async with self._session_factory() as http:
                async with http.get(self.metadata_url) as r:
                    r.raise_for_status()
                    jwks_uri = (await r.json(content_type=None))["jwks_uri"]
                async with http.get(jwks_uri) as r:
                    r.raise_for_status()
                    keys = (await r.json(content_type=None)).get("keys") or []
            self._keys = {k["kid"]: jwt.PyJWK(k, algorithm="RS256").key for k in keys if k.get("kid")}
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str):
        if kid not in self._keys or time.monotonic() - self._fetched_at > KEYS_TTL:
            try:
                await self._refresh(force=kid not in self._keys)
            except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as e:
                raise Refused(f"signing keys unavailable: {type(e).__name__}") from None
        key = self._keys.get(kid)
        if key is None:
            raise Refused("token signed with an unknown key")
        return key

    async def verify(self, authorization: str | None) -> Claims:
        """The token's claims, or Refused: missing, malformed, forged, expired, not for us."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Refused("no bearer token")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Refused("malformed token") from None
        if header.get("alg") != "RS256":
            raise Refused(f"algorithm {header.get('alg')!r} refused")
        key = await self._key_for(str(header.get("kid") or ""))
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.app_id, issuer=ISSUER,
                                leeway=LEEWAY, options={"require": ["exp", "iss", "aud"]})
        except jwt.PyJWTError as e:
            raise Refused(f"token refused: {type(e).__name__}") from None
        return Claims(app_id=str(claims.get("aud")), service_url=str(claims.get("serviceurl") or ""), raw=claims)

    @staticmethod
    def check_service_url(claims: Claims, activity: dict) -> None:
        """The token was issued for the service URL the activity says to answer on."""
        wanted = (activity.get("serviceUrl") or "").rstrip("/")
        if not wanted or claims.service_url.rstrip("/") != wanted:
            raise Refused("serviceurl claim does not match the activity")
