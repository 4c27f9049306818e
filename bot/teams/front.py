"""`POST /api/messages`: the Teams front, on the same server as `/slack/events`.

Every request's Bot Framework JWT is checked before its body is read (401, nothing parsed, nothing
written); then the body must be a readable activity (400); then the token's `serviceurl` must be the
activity's (401). Only then does the Teams SDK see it — it checks the token again with the same keys —
and route it to our listeners. A listener's answer is an effect, committed before the 200, and sent
through the connector by a worker: acked means kept, as for Slack.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..i18n import language_of, text_for
from ..services import readers
from ..settings import Settings
from ..uow import RequestScope
from . import identity
from .auth import InboundAuth, Refused
from .sdk import StarletteAdapter, build_app
from .domains import commands
from .domains.help import not_yet
from .tokens import OutboundTokens
from .turns import Turn

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
        self.commands = commands()
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
                _current_raw.set(activity)
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

    # --- listeners: dispatch on the domains' table (bot/teams/domains) ------------------------------
    def _listen(self) -> None:
        table = self.commands

        @self.app.on_message
        async def on_message(ctx):
            turn = await self._turn(ctx)
            words = command_text(ctx.activity.text).split(" ", 1)
            command = words[0].lower() if words and words[0] else "help"
            turn.args = words[1] if len(words) > 1 else ""
            listener = table.texts.get(command)
            if listener is None:
                turn.value = _value(turn.raw)
                verb = turn.value.get("verb") if isinstance(turn.value.get("verb"), str) else None
                if verb in table.actions:      # an Action.Submit fallback arrives as a message with a value
                    await table.actions[verb](turn)
                    return
                turn.reply(not_yet(turn.t, command))
                return
            await listener(turn)

        @self.app.on_card_action_execute
        async def on_card_action(ctx):
            turn = await self._turn(ctx)
            action = (turn.raw.get("value") or {}).get("action") or {}
            turn.value = action.get("data") if isinstance(action.get("data"), dict) else {}
            listener = table.actions.get(str(action.get("verb") or ""))
            if listener is None:
                return _card_message(not_yet(turn.t, str(action.get("verb") or "")[:40]))
            return await listener(turn)

        @self.app.on_dialog_open
        async def on_dialog_open(ctx):
            turn = await self._turn(ctx)
            turn.value = _dialog_data(turn.raw)
            listener = table.dialog_opens.get(str(turn.value.get("dialog") or ""))
            return await listener(turn) if listener else _dialog_message(not_yet(turn.t, "dialog"))

        @self.app.on_dialog_submit
        async def on_dialog_submit(ctx):
            turn = await self._turn(ctx)
            turn.value = _dialog_data(turn.raw)
            listener = table.dialog_submits.get(str(turn.value.get("dialog") or ""))
            return await listener(turn) if listener else _dialog_message(not_yet(turn.t, "dialog"))

        @self.app.on_install_add
        async def on_install(ctx):
            if table.installed:
                turn = await self._turn(ctx)
                for listener in table.installed:
                    await listener(turn)

    async def _turn(self, ctx) -> Turn:
        raw = _current_raw.get()
        sender = identity.sender_of(raw)
        t = text_for(await asyncio.to_thread(self._language, ctx.activity))
        return Turn(activity=ctx.activity, raw=raw, db=self.db, t=t, sender=sender)

    def _language(self, activity) -> str:
        """The person's language (their /settings choice, else their Teams locale), as for Slack."""
        tenant = activity.conversation.tenant_id or ""
        who = activity.from_
        lang = readers.person_language(self.db, identity.team_key(tenant),
                                       identity.user_key(tenant, who.aad_object_id or who.id))
        return lang or language_of(getattr(activity, "locale", None))


_current_raw: contextvars.ContextVar[dict] = contextvars.ContextVar("teams_raw_activity")


def _value(raw: dict) -> dict:
    value = raw.get("value")
    return value if isinstance(value, dict) else {}


def _dialog_data(raw: dict) -> dict:
    data = _value(raw).get("data")
    return data if isinstance(data, dict) else {}


def _card_message(text: str) -> dict:
    """An `adaptiveCard/action` answer that shows a message instead of a new card."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def _dialog_message(text: str) -> dict:
    """A `task/fetch` or `task/submit` answer that shows a message in the dialog."""
    return {"task": {"type": "message", "value": text}}


async def teams_port(settings: Settings):
    """The port a worker sends Teams effects through: an SDK app with our identity, no server."""
    from .port import TeamsPort

    tokens = OutboundTokens(settings.teams_app_id, settings.teams_app_password, settings.teams_token_endpoint)
    app = build_app(app_id=settings.teams_app_id, tokens=tokens, tenant_id=settings.teams_tenant_id or None,
                    metadata_url=settings.teams_openid_metadata_url,
                    service_url="https://smba.trafficmanager.net/teams", adapter=StarletteAdapter())
    await app.initialize()
    return TeamsPort(app)

