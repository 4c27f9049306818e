"""`help` in Teams, and the answer to what is not there yet."""
from __future__ import annotations

from ..turns import Commands, Turn


def register(commands: Commands) -> None:
    @commands.text("help")
    async def help_(turn: Turn) -> None:
        turn.reply(help_text(turn.t))


def help_text(t) -> str:
    return t("**ae-bot in Teams** is being built. For now, write **help** to see this. Minutes, action "
             "items, clients, work orders and invoices are in Slack today and come to Teams next.")


def not_yet(t, command: str) -> str:
    return t("I can't do “{command}” in Teams yet. Write **help** to see what I can do here.",
             command=command[:40])
