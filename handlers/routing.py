"""How our listeners meet Bolt: the front keeps the request, acks, and a worker does the work.

Bolt sees one listener per kind (command, action, view, event) whose matcher is one regular
expression over our ids; the listener looks the id up in a table.

A route is one of:

- **work** (the default): the front runs `check` if the route has one (read-only; it may answer
  with modal errors instead), writes the request to the inbox (bot/inbox.py) and only then acks. A
  worker — in this process or any other on the same database — claims it and runs the listener
  `(body, client[, event, respond])` in a request scope (bot/uow.py): one transaction for all its
  writes, its Slack calls recorded as effects, the request marked done in that same commit.
- **own_ack**: a listener `(ack, body, client[, respond])` whose answer depends on a write (modal
  errors or success, a usage reply). The front runs it in a request scope, commits, then acks with
  what it acked: the domain rows and their effects are in the database before Slack hears "200".

Effects (`router.effect(kind)`) are delivered by the worker through the messaging port.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Awaitable, Callable

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import Database
from bot.effects import Claimed
from bot.inbox import InboxWriter, Request
from bot.messaging import EffectClient, RecordedRespond, SlackPort
from bot.uow import LeaseLost, RequestScope

from . import outsiders
from .common import clean, context_of, reader, report, response_url_of, team_of, user_of

log = logging.getLogger("ae_bot.handlers")

KINDS = ("command", "action", "view", "event")
# NUL or a lone surrogate, as they arrive: raw, %-encoded, or \u-escaped in JSON (itself %-encoded in a form).
_REFUSED_IN_RAW = re.compile(r"\x00|%00|(?:\\|%5C)u(?:0000|d[89a-f][0-9a-f]{2})", re.I)


def route_key(kind: str, body: dict) -> str | None:
    """The id a request is routed by (the front has checked the shape: bot/ingress.py)."""
    if kind == "command":
        return body.get("command")
    if kind == "action":
        return ((body.get("actions") or [{}])[0]).get("action_id")
    if kind == "view":
        return (body.get("view") or {}).get("callback_id")
    return (body.get("event") or {}).get("type")


def dedup_key(kind: str, body: dict) -> str:
    """What makes a second delivery of the same request the same request: Slack retries events (same
    `event_id`); it never retries a command or a click, and two clicks are two requests (the services
    make the second one change nothing), so those get a key of their own."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    return f"{kind}:{uuid.uuid4().hex}"


@dataclass
class Route:
    fn: Callable[..., Awaitable]
    args: tuple[str, ...]                       # the names the listener asks for
    own_ack: bool = False
    check: Callable[[dict], Awaitable[dict | None]] | None = None
    opens_view: bool = False                    # its work opens a modal: claimed ahead of the rest
                                                # (commands and clicks always are: they usually do)
    kind: str = ""
    key: str = ""

    async def call(self, **available) -> None:
        await self.fn(**{name: available.get(name) for name in self.args})


class Router:
    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Route]] = {k: {} for k in KINDS}
        self.deliverers: dict[str, Callable[[Claimed, SlackPort], Awaitable[None]]] = {}
        self.platform_of: dict[str, str] = {}

    def command(self, name: str, **kw):
        return self._add("command", name, **kw)

    def action(self, action_id: str, **kw):
        return self._add("action", action_id, **kw)

    def view(self, callback_id: str, **kw):
        return self._add("view", callback_id, **kw)

    def event(self, event_type: str, **kw):
        return self._add("event", event_type, **kw)

    def effect(self, kind: str, platform: str = "slack"):
        """A deliverer `(fx, port)` for effects of `kind`; `port` is that platform's messaging port."""
        def decorate(fn):
            if kind in self.deliverers:
                raise ValueError(f"two deliverers for effect {kind!r}")
            self.deliverers[kind] = fn
            self.platform_of[kind] = platform
            return fn
        return decorate

    def _add(self, kind: str, key: str, own_ack: bool = False, check=None, opens_view: bool = False):
        def decorate(fn):
            if key in self.routes[kind]:
                raise ValueError(f"two listeners for {kind} {key!r}")
            args = tuple(inspect.signature(fn).parameters)
            if own_ack != ("ack" in args):
                raise TypeError(f"{fn.__name__}: an own_ack listener takes ack; a work listener must not")
            self.routes[kind][key] = Route(fn, args, own_ack, check, opens_view, kind, key)
            return fn
        return decorate

    def find(self, kind: str, body: dict) -> Route | None:
        return self.routes.get(kind, {}).get(route_key(kind, body) or "")

    # --- the front: what Bolt calls --------------------------------------------------------------
    def install(self, app: AsyncApp, db: Database, inbox: InboxWriter) -> None:
        for kind, table in self.routes.items():
            if table:
                pattern = re.compile("^(?:" + "|".join(re.escape(k) for k in table) + ")$")
                getattr(app, kind)(pattern)(self._front(kind, db, inbox))

    def _front(self, kind: str, db: Database, inbox: InboxWriter):
        async def front(ack: AsyncAck, body: dict, client: AsyncWebClient, request) -> None:
            answer_ = await self.keep(kind, body, request.raw_body or "", db, inbox, client)
            await ack(**(answer_ or {}))

        front.__name__ = f"front_{kind}"
        return front

    def kind_of(self, body: dict) -> str | None:
        """The kind of a request we route ourselves (None: Bolt's to answer, e.g. url_verification)."""
        kind = ("command" if "command" in body else
                {"block_actions": "action", "view_submission": "view", "event_callback": "event"}.get(body.get("type")))
        return kind if kind and self.find(kind, body) is not None else None

    async def keep(self, kind: str, body: dict, raw: str, db: Database, inbox: InboxWriter,
                   client: AsyncWebClient) -> dict | None:
        """Keep the request (inbox, or its own transaction), then say what to ack with. The same for a
        request through Bolt (Socket Mode) and one the HTTP front routes itself (bot/web.py)."""
        if _REFUSED_IN_RAW.search(raw):   # rare: look before walking the payload
            body = clean(body)
        route = self.find(kind, body)
        if route is None:
            return None
        if route.own_ack:
            return await answer(route, db, body, client)
        if route.check is not None:
            checked = await _checked(route, body)
            if checked:
                return checked
        fresh = await inbox.put(dedup_key(kind, body), team_of(body) or "", kind, route_key(kind, body) or "",
                                body, priority=0 if route.opens_view or kind in ("command", "action") else 1)
        if not fresh:
            log.info("repeat delivery of %s %s ignored", kind, dedup_key(kind, body))
        return None


class _CapturedAck:
    """Bolt's ack() held back until the request's transaction has committed."""

    def __init__(self):
        self.response: dict | None = None

    async def __call__(self, text: str = "", **kwargs):
        if self.response is None:
            self.response = {**({"text": text} if text else {}), **kwargs}
        return self.response


_gates: dict[int, asyncio.Semaphore] = {}


def _gate(db: Database) -> asyncio.Semaphore:
    """SQLite has one writer: scopes of this process take turns, or a scope holding the write lock
    could wait for a thread that other scopes' writes are blocking. PostgreSQL locks rows: eight."""
    key = id(asyncio.get_running_loop())
    if key not in _gates:
        _gates[key] = asyncio.Semaphore(1 if db.url.startswith("sqlite") else 8)
    return _gates[key]


async def answer(route: Route, db: Database, body: dict, real: AsyncWebClient) -> dict:
    """An own_ack route in the front: run it in a scope, commit, then ack with its answer."""
    async with _gate(db):
        return await _answer(route, db, body, real)


async def _answer(route: Route, db: Database, body: dict, real: AsyncWebClient) -> dict:
    held = _CapturedAck()
    scope = RequestScope(db)
    try:
        with scope.active():
            client = _client(real, body)
            if not await outsiders.refuse(route.kind, route.key, body, db, client, held):
                await route.call(ack=held, body=body, client=client, event=body.get("event"),
                                 respond=RecordedRespond(response_url_of(body), team_of(body) or ""))
        if scope.idle:
            scope.commit()   # nothing to write: no thread, no round trip
        else:
            await asyncio.to_thread(scope.commit)
    except Exception as error:
        scope.rollback()
        await _report(db, real, body, error, None)
        held.response = held.response if (held.response or {}).get("response_action") == "errors" else {}
    return held.response or {}


async def run_request(router: Router, db: Database, real: AsyncWebClient, req: Request) -> None:
    """A worker runs one claimed request: all of it commits, or none of it and the person is told."""
    body = req.body
    route = router.routes.get(req.kind, {}).get(req.route)
    scope = RequestScope(db, req.id, req.token)
    try:
        if route is None or route.own_ack:
            raise LookupError(f"no work listener for {req.kind} {req.route}")
        with scope.active():
            client = _client(real, body)
            if not await outsiders.refuse(route.kind, route.key, body, db, client):
                await route.call(body=body, client=client,
                                 respond=RecordedRespond(response_url_of(body), req.team_id), event=body.get("event"))
        await asyncio.to_thread(scope.commit)
    except LeaseLost:
        log.warning("request %s was taken over by another worker; this run is dropped", req.id)
    except Exception as error:
        scope.rollback()
        await _report(db, real, body, error, req)


async def _report(db: Database, real: AsyncWebClient, body: dict, error: Exception, req: Request | None) -> None:
    """Tell the person what went wrong — recorded, with the request marked done, in a fresh scope."""
    scope = RequestScope(db, req.id if req else None, req.token if req else None)
    try:
        with scope.active():
            client = _client(real, body)
            await report(client, body, error, await reader(db, team_of(body), user_of(body), client))
        await asyncio.to_thread(scope.commit)
    except LeaseLost:
        pass
    except Exception:
        scope.rollback()
        log.exception("could not record the error report for %s", req.id if req else "a front request")


def _client(real: AsyncWebClient, body: dict) -> EffectClient:
    return EffectClient(real, team_of(body) or "", user_of(body), response_url_of(body), context_of(body)["what"])


async def _checked(route: Route, body: dict) -> dict | None:
    try:
        return await route.check(body)
    except Exception as error:   # a check that fails is the work's to report: let it run and say so
        log.warning("check %s failed (%s); the work will report it", route.check.__name__, error)
        return None
