"""How our listeners meet Bolt: the front acks, the work runs behind it (in this process or a worker).

Bolt sees one listener per kind (command, action, view, event) whose matcher is one regular
expression over our ids; the listener looks the id up in a table. Forty listeners would otherwise
cost forty matcher calls on every request before the ack.

A route is one of:

- **work** (the default): the front acks at once — after `check`, if the route has one, which may
  answer with modal errors instead — and hands the request to an `Offload`, which runs the listener
  `(body, client[, event])` behind the ack.
- **own_ack**: a Bolt-style listener `(ack, body, client[, respond])` that acks itself, for answers
  that depend on work (a usage reply, a write that decides between modal errors and success). The
  `Offload` runs it and the front acks with what it acks, within ACK_WAIT.

The `Offload` is `InProcess` (tasks of this event loop: tests, one-process runs) or the worker process
that `ae-bot run` starts (bot/worker.py). The Bolt app runs with `process_before_response=True`, so an
ack is answered when the front returns rather than at Bolt's next 10 ms poll.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import re
from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.text import late_errors

from .common import guarded, tell

log = logging.getLogger("ae_bot.handlers")

KINDS = ("command", "action", "view", "event")
ACK_WAIT = 2.5   # seconds an own_ack listener may take before the front acks for it (Slack allows 3)


def route_key(kind: str, body: dict) -> str | None:
    """The id a request is routed by."""
    if kind == "command":
        return body.get("command")
    if kind == "action":
        return ((body.get("actions") or [{}])[0]).get("action_id")
    if kind == "view":
        return (body.get("view") or {}).get("callback_id")
    return (body.get("event") or {}).get("type")


@dataclass
class Route:
    fn: Callable[..., Awaitable]
    args: tuple[str, ...]                       # the names the listener asks for
    own_ack: bool = False
    check: Callable[[dict], Awaitable[dict | None]] | None = None

    async def call(self, **available) -> None:
        await self.fn(**{name: available.get(name) for name in self.args})


class Router:
    def __init__(self) -> None:
        self.routes: dict[str, dict[str, Route]] = {k: {} for k in KINDS}

    def command(self, name: str, **kw):
        return self._add("command", name, **kw)

    def action(self, action_id: str, **kw):
        return self._add("action", action_id, **kw)

    def view(self, callback_id: str, **kw):
        return self._add("view", callback_id, **kw)

    def event(self, event_type: str, **kw):
        return self._add("event", event_type, **kw)

    def _add(self, kind: str, key: str, own_ack: bool = False, check=None):
        def decorate(fn):
            if key in self.routes[kind]:
                raise ValueError(f"two listeners for {kind} {key!r}")
            args = tuple(inspect.signature(fn).parameters)
            if own_ack != ("ack" in args):
                raise TypeError(f"{fn.__name__}: an own_ack listener takes ack; a work listener must not")
            self.routes[kind][key] = Route(guarded(fn), args, own_ack, check)
            return fn
        return decorate

    def find(self, kind: str, body: dict) -> Route | None:
        return self.routes.get(kind, {}).get(route_key(kind, body) or "")

    # --- the front: what Bolt calls --------------------------------------------------------------
    def install(self, app: AsyncApp, offload: Offload) -> None:
        for kind, table in self.routes.items():
            if table:
                pattern = re.compile("^(?:" + "|".join(re.escape(k) for k in table) + ")$")
                getattr(app, kind)(pattern)(self._front(kind, offload))

    def _front(self, kind: str, offload: Offload):
        async def front(ack: AsyncAck, body: dict, client: AsyncWebClient, respond, request) -> None:
            route = self.find(kind, body)
            if route is None:   # the pattern matched, so this can't happen; ack rather than 404
                await ack()
                return
            raw, content_type = request.raw_body or None, _content_type(request.headers)
            if route.own_ack:
                await offload.answer(kind, body, raw, content_type, ack=ack, client=client, respond=respond)
                return
            if route.check is not None:
                answer = await _checked(route, body)
                if answer:
                    await ack(**answer)
                    return
            await ack()
            offload.submit(kind, body, raw, content_type)

        front.__name__ = f"front_{kind}"
        return front


async def until_acked(route: Route, ack, pending: set, deadline: float | None = None, **available) -> None:
    """Run an own_ack listener as a task and return as soon as it acks (the rest goes on behind).
    `ack` is Bolt's, or the worker's stand-in that sends the answer back to the front."""
    deadline = ACK_WAIT if deadline is None else deadline
    acked = asyncio.Event()

    class _Ack:
        response = property(lambda _self: ack.response)

        async def __call__(self, *args, **kwargs):
            if ack.response is not None and kwargs.get("response_action") == "errors":
                # Too late for the modal (we acked it empty at the deadline): say what was wrong.
                await tell(available.get("client"), available.get("body") or {}, late_errors(kwargs["errors"]))
                return ack.response
            try:
                return await ack(*args, **kwargs)
            finally:
                acked.set()

    task = asyncio.ensure_future(route.call(ack=_Ack(), **available))
    pending.add(task)
    task.add_done_callback(pending.discard)
    waiter = asyncio.ensure_future(acked.wait())
    await asyncio.wait({task, waiter}, timeout=deadline, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if ack.response is None:   # finished without acking, or still busy: Slack must hear from us anyway
        if not task.done():
            log.warning("listener %s did not ack within %.1f s", route.fn.__name__, deadline)
        await ack()


async def _checked(route: Route, body: dict) -> dict | None:
    try:
        return await route.check(body)
    except Exception as error:   # a check that fails is the work's to report: let it run and say so
        log.warning("check %s failed (%s); the work will report it", route.check.__name__, error)
        return None


def _content_type(headers: dict) -> str | None:
    values = headers.get("content-type") or []
    return values[0] if values else None


class Offload(Protocol):
    def submit(self, kind: str, body: dict, raw: str | None, content_type: str | None) -> None:
        """Run a work route behind the ack the front has sent."""

    async def answer(self, kind: str, body: dict, raw: str | None, content_type: str | None, *,
                     ack: AsyncAck, client: AsyncWebClient, respond) -> None:
        """Run an own_ack route and ack with what it acks (within ACK_WAIT)."""


class InProcess:
    """Runs every listener as a task of this process's event loop (tests, one-process runs)."""

    def __init__(self, router: Router, client: AsyncWebClient):
        self.runner = WorkRunner(router, client)
        self._tasks: set[asyncio.Task] = set()

    def submit(self, kind: str, body: dict, raw: str | None, content_type: str | None) -> None:
        task = asyncio.ensure_future(self.runner.run(kind, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def answer(self, kind, body, raw, content_type, *, ack, client, respond) -> None:
        await until_acked(self.runner.router.find(kind, body), ack, self._tasks, body=body, client=client,
                          respond=respond, event=body.get("event"))


class WorkRunner:
    """Runs one routed request's listener (here or in the worker process)."""

    def __init__(self, router: Router, client: AsyncWebClient):
        self.router, self.client = router, client

    async def run(self, kind: str, body: dict) -> None:
        route = self.router.find(kind, body)
        if route is None or route.own_ack:
            log.error("no work listener for %s %s", kind, route_key(kind, body))
            return
        await route.call(body=body, client=self.client, event=body.get("event"))
