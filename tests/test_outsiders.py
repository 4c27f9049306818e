"""People from outside the agency (issue 11): a Slack Connect member of the client's organisation
may confirm what they are asked to and mark their own item done — and every command, and App Home,
answers them politely with nothing of ours (issue 11, part 3: tested for every command)."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from bot.models import ActionItem, ItemStatus
from harness import eventually
from test_tasks_home import ack_text, item_by_text, published, rows

# The gate reads one flag through the same code on either database; test_audience.py runs on both.
pytestmark = pytest.mark.sqlite_only

DANA = "U0DANA"          # Dana Ortiz, of the client (another organisation)
REFUSAL = "works for the agency's team"

COMMANDS = [("/ae", "help"), ("/ae", "settings"), ("/ae", "away 2026-12-20..2026-12-24"), ("/ae", ""),
            ("/call", "Acme"), ("/client", "list"), ("/client", "add Beta"), ("/client", "edit Acme"),
            ("/goals", ""), ("/invoice", ""), ("/invoice", "list"), ("/invoice", "export"),
            ("/minutes", "Kick-off"), ("/task", "list"), ("/task", "<@U0AE> leak the costs"), ("/task", ""),
            ("/workorder", "")]


@pytest.fixture
def outsider(slack):
    slack.users[DANA] = {"team_id": "T0CLIENT", "real_name": "Dana Ortiz"}
    return DANA


def _writes(bot) -> int:
    with bot.db.engine.connect() as c:
        return sum(c.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                   for t in ("minutes", "actionitem", "client", "work_order", "invoice", "call_log", "goal"))


def _answer(bot, slack, r) -> str:
    """What the outsider was told: the ack's text, or the ephemeral reply that followed."""
    text = ack_text(r) if r.content else ""
    if REFUSAL in text:
        return text
    return eventually(lambda: _told(slack))


def _told(slack) -> str:
    said = [c.params.get("text", "") for c in slack.calls_to("response_url") + slack.calls_to("chat.postEphemeral")
            + slack.calls_to("chat.postMessage")]
    assert any(REFUSAL in s for s in said), said
    return next(s for s in said if REFUSAL in s)


@pytest.mark.parametrize("command,text", COMMANDS)
def test_every_command_answers_an_outsider_politely_and_shows_nothing(bot, slack, outsider, command, text):
    before = _writes(bot)
    r = bot.command(command, text, user=outsider)
    assert r.status_code == 200
    assert REFUSAL in _answer(bot, slack, r)
    time.sleep(0.2)
    assert not slack.calls_to("views.open") and not slack.calls_to("files.getUploadURLExternal")
    assert _writes(bot) == before
    for call in slack.calls:     # nothing else was said or shown to anyone
        if call.method in ("chat.postMessage", "chat.postEphemeral", "response_url", "chat.update"):
            assert REFUSAL in (call.params.get("text") or ""), call


def test_a_colleague_is_not_refused(bot, slack):
    r = bot.command("/task", "list", user="U0AE")
    assert REFUSAL not in ack_text(r)
    reply = slack.wait_for("response_url")[0].params["text"]
    assert REFUSAL not in reply


def test_an_outsiders_home_says_what_comes_to_them_and_nothing_else(bot, slack, outsider):
    bot.home_opened(user=outsider)
    view = published(slack, outsider)
    text = str(view)
    assert "confirm" in text and "Action item" not in text and "invoice" not in text.lower()


def test_an_outsider_marks_their_own_item_done(bot, slack, outsider):
    bot.command("/task", f"<@{outsider}> Send the signed brief back", user="U0AE")
    item = item_by_text(bot, "Send the signed brief back")
    bot.click("item_done", str(item.id), user=outsider, channel="D0DANA", message_ts=item.dm_ts)
    eventually(lambda: _done(bot, item.id))


def _done(bot, item_id: int) -> None:
    assert rows(bot, ActionItem, id=item_id)[0].status == ItemStatus.done
