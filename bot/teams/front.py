"""`POST /api/messages`: the Teams front, on the same server as `/slack/events`.

Every request's Bot Framework JWT is checked before its body is read (401, nothing parsed, nothing
written); then the body must be a readable activity (400); then the token's `serviceurl` must be the
activity's (401). Only then does the Teams SDK see it — it checks the token again with the same keys —
and route it to our listeners. A listener's answer is an effect, committed before the 200, and sent
through the connector by a worker: acked means kept, as for Slack.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import effects
from ..i18n import language_of, text_for
from ..services import readers
from ..settings import Settings
from ..uow import RequestScope
from . import identity
from .auth import InboundAuth, Refused
from .sdk import StarletteAdapter, build_app
from .tokens import OutboundTokens

log = logging.getLogger("ae_bot.teams")

MAX_BODY = 256 * 1024
_MENTION = re.compile(r"<at>[^<]*</at>", re.I)


def command_text(text: str | None) -> str:
    """What the person typed, without the bot's @mention (`<at>ae-bot</at> minutes Kick-off`)."""
    return " ".join(_MENTION.sub(" ", text or "").replace("&nbsp;", " ").split())


def _shape_error(activity) -> str | None:
    """The fields we read, type-checked before anything uses them."""
    if not isinstance(activity, dict):
        return "not an object"
    for name in ("type", "serviceUrl"):
        if not isinstance(activity.get(name), str) or not activity[name]:
            return f"{name} missing"
    for name in ("conversation", "from", "recipient"):
        part = activity.get(name)
        if not isinstance(part, dict) or not isinstance(part.get("id"), str):
            return f"{name}.id missing"
    for name in ("text", "locale", "id"):
        if name in activity and activity[name] is not None and not isinstance(activity[name], str):
            return f"{name} not text"
    return None


class TeamsFront:
    def __init__(self, settings: Settings, db):
        self.settings, self.db = settings, db
        self.auth = InboundAuth(settings.teams_app_id, settings.teams_openid_metadata_url)
        self.tokens = OutboundTokens(settings.teams_app_id, settings.teams_app_password,
                                     settings.teams_token_endpoint)
        self.adapter = StarletteAdapter()
        self.app = build_app(app_id=settings.teams_app_id, tokens=self.tokens,
                             tenant_id=settings.teams_tenant_id or None,
                             metadata_url=settings.teams_openid_metadata_url,
                             service_url="https://smba.trafficmanager.net/teams", adapter=self.adapter)
        self._listen()

    async def start(self) -> None:
        await self.app.initialize()

    async def endpoint(self, request: Request) -> Response:
        try:
            claims = await self.auth.verify(request.headers.get("authorization"))
        except Refused as e:
            log.warning("refused a Teams request: %s", e.reason)
            return Response(b"", status_code=401)
        raw = await request.body()
        try:
            if len(raw) > MAX_BODY:
                raise ValueError("too large")
            activity = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            log.warning("refused an unreadable Teams activity: %s", e)
            return Response(b"", status_code=400)
        problem = _shape_error(activity)
        if problem:
            log.warning("refused a Teams activity: %s", problem)
            return Response(b"", status_code=400)
        try:
            self.auth.check_service_url(claims, activity)
        except Refused as e:
            log.warning("refused a Teams request: %s", e.reason)
            return Response(b"", status_code=401)
        handler = self.adapter.routes.get(("POST", "/api/messages"))
        # One transaction: who wrote and where (identity), and what the listeners answered (effects).
        scope = RequestScope(self.db)
        try:
            with scope.active():
                await asyncio.to_thread(identity.observe, self.db, activity)
                result = await handler({"body": activity, "headers": dict(request.headers)})
            if result["status"] < 300:
                await asyncio.to_thread(scope.commit)
            else:
                scope.rollback()
        except Exception:
            scope.rollback()
            log.exception("a Teams activity failed (type=%s); Bot Framework will send it again",
                          activity.get("type"))
            return Response(b"", status_code=503)
        body = result.get("body")
        return JSONResponse(body, status_code=result["status"]) if body is not None \
            else Response(b"", status_code=result["status"])

    # --- listeners ------------------------------------------------------------------------------------
    def _listen(self) -> None:
        @self.app.on_message
        async def on_message(ctx):
            activity = ctx.activity
            t = text_for(await asyncio.to_thread(self._language, activity))
            words = command_text(activity.text).split(" ", 1)
            command = words[0].lower() if words and words[0] else "help"
            text = help_text(t) if command == "help" else not_yet(t, command)
            await self._reply(activity, text)

    def _language(self, activity) -> str:
        """The person's language (their /settings choice, else their Teams locale), as for Slack."""
        tenant = activity.conversation.tenant_id or ""
        who = activity.from_
        lang = readers.person_language(self.db, identity.team_key(tenant),
                                       identity.user_key(tenant, who.aad_object_id or who.id))
        return lang or language_of(getattr(activity, "locale", None))

    async def _reply(self, activity, text: str) -> None:
        """The answer: an effect of the request's scope, committed before the 200 (a redelivered
        activity is one answer)."""
        effects.record("teams_send", {"service_url": activity.service_url, "conversation": activity.conversation.id,
                                      "activity": {"type": "message", "text": text, "textFormat": "markdown",
                                                   "replyToId": activity.id}},
                       key=f"teams:reply:{activity.conversation.id}:{activity.id}", priority=0)


async def teams_port(settings: Settings):
    """The port a worker sends Teams effects through: an SDK app with our identity, no server."""
    from .port import TeamsPort

    tokens = OutboundTokens(settings.teams_app_id, settings.teams_app_password, settings.teams_token_endpoint)
    app = build_app(app_id=settings.teams_app_id, tokens=tokens, tenant_id=settings.teams_tenant_id or None,
                    metadata_url=settings.teams_openid_metadata_url,
                    service_url="https://smba.trafficmanager.net/teams", adapter=StarletteAdapter())
    await app.initialize()
    return TeamsPort(app)


def help_text(t) -> str:
    return t("**ae-bot in Teams** is being built. For now, write **help** to see this. Minutes, action "
             "items, clients, work orders and invoices are in Slack today and come to Teams next.")


def not_yet(t, command: str) -> str:
    return t("I can't do “{command}” in Teams yet. Write **help** to see what I can do here.",
             command=command[:40])
