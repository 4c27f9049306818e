"""The core loop: /minutes → modal → database → summary with sign-offs → action items by DM."""
from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import select

from harness import eventually

from bot.models import ActionItem, Attendee, AuditEvent, Minutes, SignOff

SOON = date.today() + timedelta(days=10)


def write_minutes(bot, slack, **over):
    r = bot.command("/minutes", "Spring campaign kick-off")
    assert r.status_code == 200
    view = bot.opened_view(over.pop("n", 1))
    values = {"kind": "client_meeting", "title": "Spring campaign kick-off", "held_on": date.today(),
              "place": "Acme HQ", "attendees": ["U0AE", "U0ALICE", "U0BOB"], "external": "Dana (Acme)",
              "notes": "Budget is tight.", "decisions": "Go with concept B.",
              "item_0_text": "Send the media plan", "item_0_owner": "U0ALICE", "item_0_due": SOON}
    values.update(over)
    return view, bot.submit(view, values)


def summary_text(call) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def test_full_loop(bot, slack):
    view, r = write_minutes(bot, slack)
    assert r.status_code == 200 and r.content in (b"", b"{}")
    assert view["callback_id"] == "minutes_modal"
    assert json.loads(view["private_metadata"])["channel"] == "C0MEET"
    assert {"item_0_text", "item_0_owner", "item_0_due"} <= {b.get("block_id") for b in view["blocks"]}

    post = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0MEET")[0]
    text = summary_text(post)
    assert "Spring campaign kick-off" in text and "<@U0ALICE>" in text and "concept B" in text
    assert "0 of 3 signed" in text
    assert "<!date^" in text                      # due date shown in each reader's zone
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0ALICE")[0]
    assert "Send the media plan" in summary_text(dm) and '"item_done"' in summary_text(dm)

    def stored():
        with bot.db.transaction() as s:
            m = s.exec(select(Minutes)).one()
            assert (m.message_channel, m.message_ts) == ("C0MEET", post_ts(slack))
            assert m.permalink and m.version == 1 and len(m.content_hash) == 64
            assert {a.user_id or a.external_name for a in s.exec(select(Attendee))} == \
                {"U0AE", "U0ALICE", "U0BOB", "Dana (Acme)"}
            item = s.exec(select(ActionItem)).one()
            assert (item.owner_id, item.due_on, item.dm_channel) == ("U0ALICE", SOON, "D0ALICE")
            return m, item
    m, item = eventually(stored)

    # Alice signs off: the summary is updated in place.
    assert bot.click("minutes_sign_off", str(m.id), user="U0ALICE", message_ts=m.message_ts).status_code == 200
    upd = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == m.message_ts)[0]
    assert "1 of 3 signed" in summary_text(upd) and "<@U0ALICE>" in summary_text(upd)

    # Alice marks her item done from the DM: the DM and the summary both show it.
    bot.click("item_done", str(item.id), user="U0ALICE", channel="D0ALICE", message_ts=item.dm_ts)
    slack.wait_for("chat.update", where=lambda c: c.params["ts"] == item.dm_ts)
    slack.wait_for("chat.update", 2, where=lambda c: c.params["ts"] == m.message_ts)
    with bot.db.transaction() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["item.created", "minutes.created", "minutes.approve", "item.done"]


def post_ts(slack):
    """The ts the fake gave the first message (it numbers messages from .000101)."""
    return "1764000000.000101"


def test_non_attendee_cannot_sign(bot, slack):
    write_minutes(bot, slack)
    summary_recorded(bot)
    bot.click("minutes_sign_off", "1", user="U0MALLORY")
    reply = slack.wait_for("response_url")[0]
    assert "only the attendees of this meeting can sign off" in reply.params["text"].lower()
    assert reply.params["response_type"] == "ephemeral"
    with bot.db.transaction() as s:
        assert s.exec(select(SignOff)).all() == []


def summary_recorded(bot) -> None:
    """Wait until the summary's ts is stored: in Slack nobody can click before the message exists."""
    def check():
        with bot.db.transaction() as s:
            m = s.exec(select(Minutes)).first()
            assert m and m.message_ts
    eventually(check)


def test_double_click_counts_once(bot, slack):
    write_minutes(bot, slack)
    summary_recorded(bot)
    bot.click("minutes_sign_off", "1", user="U0BOB")
    bot.click("minutes_sign_off", "1", user="U0BOB")
    slack.wait_for("response_url")        # the second click is told it already counted
    slack.wait_for("chat.update")         # the first one's summary refresh (it may land after the reply)
    with bot.db.transaction() as s:
        assert len(s.exec(select(SignOff)).all()) == 1
        assert len([e for e in s.exec(select(AuditEvent)) if e.action == "minutes.approve"]) == 1
    assert len(slack.calls_to("chat.update")) == 1
