"""`/ae help`: every command with one example."""
from __future__ import annotations

from .text import section

COMMANDS = [
    ("/minutes [title]", "Write up a meeting: attendees, decisions, action items; attendees sign off.",
     "/minutes Spring campaign kick-off"),
    ("/task @person what to do [by YYYY-MM-DD]", "Give someone an action item; they get a DM with a Done button.",
     "/task @alice send the media plan by 2026-12-04"),
    ("/task list", "Your open action items.", "/task list"),
    ("/task", "The same, as a form.", "/task"),
    ("/invoice [list | export]", "Finance: issue an invoice from a closed work order; aging; CSV.", "/invoice list"),
    ("/client add [name] | list | edit NAME", "Clients: tier, AE, weekly report day and time, call days.", "/client add Acme"),
    ("/call [client]", "Log a phone call or site visit: duration, outcome, follow-up.", "/call Acme"),
    ("/goals", "Set this quarter's goals; each quarter I ask which ones you reached.", "/goals"),
    ("/workorder [client]", "Open a work order: a job number, a card in the client's channel.", "/workorder Acme"),
    ("/ae settings", "Your time zone, reminder times, and reminders you don't want.", "/ae settings"),
    ("/ae away FROM..UNTIL", "No reminders while you are away (`/ae away off` when back).",
     "/ae away 2026-12-20..2027-01-03"),
    ("/ae help", "This list.", "/ae help"),
]


def help_message() -> dict:
    lines = [f"*`{cmd}`* — {what}\n    e.g. `{example}`" for cmd, what, example in COMMANDS]
    return {"text": "ae-bot commands", "blocks": [
        section("*ae-bot* keeps your minutes, action items and sign-offs. Commands:"),
        section("\n".join(lines)),
        section("Your open items and the minutes waiting for your sign-off are on my *Home* tab."),
    ]}
