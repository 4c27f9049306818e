"""`/ae help`: every command with one example, in the reader's language.

Command names and subcommands stay as they are; what they do, the words standing for what one types
(`[title]`, `NAME`) and examples with words in them are translated.
"""
from __future__ import annotations

from ..i18n import N_, Text
from .text import esc, section


class Words(str):
    """A part of a command line that has words in it: translated. A plain str is shown as it is."""


COMMANDS = [
    (Words(N_("/minutes [title]")),
     N_("Write up a meeting: attendees, decisions, action items; attendees sign off."),
     Words(N_("/minutes Spring campaign kick-off"))),
    (Words(N_("/task @person what to do [by YYYY-MM-DD]")),
     N_("Give someone an action item; they get a DM with a Done button."),
     Words(N_("/task @alice send the media plan by 2026-12-04"))),
    ("/task list", N_("Your open action items."), "/task list"),
    ("/task", N_("The same, as a form."), "/task"),
    ("/invoice [list | export]", N_("Finance: issue an invoice from a closed work order; aging; CSV."),
     "/invoice list"),
    (Words(N_("/client add [name] | list | edit NAME")),
     N_("Clients: tier, AE, weekly report day and time, call days."), "/client add Acme"),
    (Words(N_("/call [client]")), N_("Log a phone call or site visit: duration, outcome, follow-up."), "/call Acme"),
    ("/goals", N_("Set this quarter's goals; each quarter I ask which ones you reached."), "/goals"),
    (Words(N_("/workorder [client]")), N_("Open a work order: a job number, a card in the client's channel."),
     "/workorder Acme"),
    ("/ae settings", N_("Your language, time zone, reminder times, and reminders you don't want."), "/ae settings"),
    (Words(N_("/ae away FROM..UNTIL")), N_("No reminders while you are away (`/ae away off` when back)."),
     "/ae away 2026-12-20..2027-01-03"),
    ("/ae help", N_("This list."), "/ae help"),
]


def _shown(part: str, t: Text) -> str:
    return t(part) if isinstance(part, Words) else part


def help_message(t: Text, unknown_word: str | None = None) -> dict:
    """The commands; given the word someone typed that isn't one, says so first (escaped: never a ping)."""
    lines = [t("*`{command}`* — {what}\n    e.g. `{example}`", command=_shown(cmd, t), what=t(what),
               example=_shown(example, t)) for cmd, what, example in COMMANDS]
    blocks = [
        section(t("*ae-bot* keeps your minutes, action items and sign-offs. Commands:")),
        section("\n".join(lines)),
        section(t("Your open items and the minutes waiting for your sign-off are on my *Home* tab.")),
    ]
    text = t("ae-bot commands")
    if unknown_word is not None:
        text = t("I don't know `{word}` yet. Here is what I can do:", word=esc(unknown_word))
        blocks.insert(0, section(text))
    return {"text": text, "blocks": blocks}
