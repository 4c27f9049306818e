"""What a Teams listener gets, and the table that maps commands, card verbs and dialogs to listeners.

The Teams face of each domain is a small `register(commands)` (bot/teams/domains/), the way the Slack
face is `register(router, …)`: text commands by their first word, `Action.Execute` / `Action.Submit`
buttons by their `verb`, dialogs (`task/fetch`, `task/submit`) by the `dialog` field of the data the
opening button carries. Listeners run inside the request's scope: what they send is an effect,
committed before the 200 (acked means kept).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from .. import effects
from ..db import Database
from ..i18n import Text
from . import identity


@dataclass
class Turn:
    """One activity as our listeners see it: who, where, in which language, and how to answer."""
    activity: Any                 # the SDK's parsed activity
    raw: dict                     # the activity as it came (field names as Teams sends them)
    db: Database
    t: Text
    sender: identity.Sender
    args: str = ""                # a text command's words after the command
    value: dict = field(default_factory=dict)   # a card action's or dialog's data

    @property
    def team_id(self) -> str:
        return self.sender.team_id

    @property
    def user_id(self) -> str:
        return self.sender.user_id

    @property
    def conversation_id(self) -> str:
        return self.activity.conversation.id

    @property
    def service_url(self) -> str:
        return self.activity.service_url

    @property
    def conversation_type(self) -> str:
        return (self.raw.get("conversation") or {}).get("conversationType") or "personal"

    async def run(self, fn: Callable, *args, **kw):
        """A service call, off the event loop (services are synchronous and use the request's scope)."""
        return await asyncio.to_thread(fn, *args, **kw)

    def reply(self, text: str | None = None, card: dict | None = None, *, key: str | None = None) -> None:
        """An answer into this conversation, as an effect of the request (a redelivered activity is one
        answer: the key is the activity's id)."""
        self.send(self.conversation_id, text=text, card=card,
                  key=key or f"teams:reply:{self.conversation_id}:{self.activity.id}", reply_to=self.activity.id)

    def send(self, conversation_id: str, *, text: str | None = None, card: dict | None = None, key: str,
             reply_to: str | None = None) -> None:
        activity: dict = {"type": "message"}
        if text:
            activity.update(text=text, textFormat="markdown")
        if card:
            activity["attachments"] = [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]
        if reply_to:
            activity["replyToId"] = reply_to
        effects.record("teams_send", {"service_url": self.service_url, "conversation": conversation_id,
                                      "activity": activity}, key=key, priority=0)


TextListener = Callable[[Turn], Awaitable[None]]
InvokeListener = Callable[[Turn], Awaitable[Any]]   # returns the invoke's answer body (a dict) or None


class Commands:
    """The table the front dispatches on."""

    def __init__(self):
        self.texts: dict[str, TextListener] = {}
        self.actions: dict[str, InvokeListener] = {}
        self.dialog_opens: dict[str, InvokeListener] = {}
        self.dialog_submits: dict[str, InvokeListener] = {}
        self.installed: list[TextListener] = []

    def text(self, *names: str):
        def add(fn: TextListener) -> TextListener:
            for name in names:
                self.texts[name.lower()] = fn
            return fn
        return add

    def action(self, verb: str):
        def add(fn: InvokeListener) -> InvokeListener:
            self.actions[verb] = fn
            return fn
        return add

    def dialog(self, name: str, *, on_open: InvokeListener | None = None,
               on_submit: InvokeListener | None = None) -> None:
        if on_open:
            self.dialog_opens[name] = on_open
        if on_submit:
            self.dialog_submits[name] = on_submit

    def on_install(self, fn: TextListener) -> TextListener:
        self.installed.append(fn)
        return fn
