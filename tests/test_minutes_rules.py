"""Minutes: validation, editing and re-signing, change requests, Block Kit limits, channels."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from harness import eventually
from sqlmodel import select
from test_minutes_loop import SOON, summary_text, write_minutes

from bot.models import ActionItem, AuditEvent, Minutes, MinutesVersion, SignOff


def channel_post(slack, channel="C0MEET", n=1):
    return slack.wait_for("chat.postMessage", n, where=lambda c: c.params["channel"] == channel)[n - 1]


def posted_minutes(bot) -> Minutes:
    def check():
        with bot.db.transaction() as s:
            m = s.exec(select(Minutes)).first()
            assert m and m.message_ts
            return m
    return eventually(check)


def count(bot, model) -> int:
    with bot.db.transaction() as s:
        return len(s.exec(select(model)).all())


# --- validation --------------------------------------------------------------------------------

def test_past_due_date_is_refused_on_its_row(bot, slack):
    # Yesterday where the author is (the fake's users.info puts everyone in New York), whatever the hour.
    yesterday = datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=1)
    _, r = write_minutes(bot, slack, item_0_due=yesterday)
    assert r.status_code == 200
    body = r.json()
    assert body["response_action"] == "errors"
    assert "in the past" in body["errors"]["item_0_due"]
    assert count(bot, Minutes) == 0 and count(bot, ActionItem) == 0


def test_title_empty_or_too_long_and_item_without_owner(bot, slack):
    _, r = write_minutes(bot, slack, title="   ", item_0_owner=None)
    errors = r.json()["errors"]
    assert set(errors) == {"title", "item_0_owner"}
    _, r = write_minutes(bot, slack, n=2, title="x" * 151)
    assert "150" in r.json()["errors"]["title"]
    assert count(bot, Minutes) == 0


def test_add_action_item_adds_a_row_with_the_view_hash(bot, slack):
    bot.command("/minutes", "Review")
    view = bot.opened_view()
    bot.click("minutes_add_item", user="U0AE", view=view)
    upd = slack.wait_for("views.update")[0]
    assert upd.params["view_id"] == view["id"] and upd.params["hash"] == view["hash"]
    ids = {b.get("block_id") for b in upd.params["view"]["blocks"]}
    assert {"item_1_text", "item_1_owner", "item_1_due"} <= ids
    two_rows = {**upd.params["view"], "id": view["id"]}
    r = bot.submit(two_rows, {"kind": "internal_meeting", "title": "Review", "held_on": date.today(),
                              "attendees": ["U0AE"], "item_0_text": "A", "item_0_owner": "U0AE",
                              "item_1_text": "B", "item_1_owner": "U0BOB", "item_1_due": SOON})
    assert r.status_code == 200 and not r.content.strip(b"{}")
    def two_items():
        assert count(bot, ActionItem) == 2
    eventually(two_items)
    slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0BOB")


# --- editing and re-signing ------------------------------------------------------------------

def test_edit_makes_a_new_version_and_asks_signers_again(bot, slack):
    write_minutes(bot, slack)
    m = posted_minutes(bot)
    bot.click("minutes_sign_off", str(m.id), user="U0ALICE")
    bot.click("minutes_sign_off", str(m.id), user="U0BOB")
    # Two clicks close together may be one update (the refresh coalesces); the last shows both.
    slack.wait_for("chat.update", where=lambda c: "2 of 3 signed" in summary_text(c))

    bot.click("minutes_edit", str(m.id), user="U0ALICE")       # not the author
    assert "Only <@U0AE>" in slack.wait_for("response_url")[0].params["text"]

    bot.click("minutes_edit", str(m.id), user="U0AE")
    edit_view = bot.opened_view(2)
    assert edit_view["title"]["text"] == "Edit minutes"
    title_block = next(b for b in edit_view["blocks"] if b.get("block_id") == "title")
    assert title_block["element"]["initial_value"] == "Spring campaign kick-off"
    r = bot.submit(edit_view, {"kind": "client_meeting", "title": "Spring campaign kick-off", "held_on": date.today(),
                               "place": "Acme HQ", "attendees": ["U0AE", "U0ALICE", "U0BOB"],
                               "external": "Dana (Acme)", "notes": "Budget is tight.",
                               "decisions": "Go with concept C instead.",
                               "item_0_text": "Send the media plan", "item_0_owner": "U0ALICE",
                               "item_0_due": SOON})
    assert r.status_code == 200
    upd = slack.wait_for("chat.update", where=lambda c: "concept C" in summary_text(c))[-1]
    text = summary_text(upd)
    assert "concept C" in text and "version 2" in text and "0 of 3 signed" in text
    assert "please sign again: <@U0ALICE>, <@U0BOB>" in text
    for who in ("U0ALICE", "U0BOB"):
        dm = slack.wait_for("chat.postMessage", where=lambda c, w=who: c.params["channel"] == w
                            and "sign again" in json.dumps(c.params.get("blocks")))
        assert dm
    with bot.db.transaction() as s:
        m2 = s.get(Minutes, m.id)
        assert m2.version == 2 and m2.content_hash != m.content_hash
        old = s.exec(select(SignOff)).all()
        assert {o.content_hash for o in old} == {m.content_hash}      # history kept, no longer counting
        assert [v.version for v in s.exec(select(MinutesVersion).order_by(MinutesVersion.version))] == [1, 2]

    bot.click("minutes_sign_off", str(m.id), user="U0ALICE")
    text = summary_text(slack.wait_for("chat.update", where=lambda c: "1 of 3 signed" in summary_text(c)
                                       and "concept C" in summary_text(c))[-1])
    assert "1 of 3 signed" in text and "please sign again: <@U0BOB>" in text
    with bot.db.transaction() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("minutes.edited") == 1 and actions.count("minutes.approve") == 3


def test_saving_an_unchanged_edit_keeps_the_signoffs(bot, slack):
    write_minutes(bot, slack)
    m = posted_minutes(bot)
    bot.click("minutes_sign_off", str(m.id), user="U0ALICE")
    slack.wait_for("chat.update")
    bot.click("minutes_edit", str(m.id), user="U0AE")
    view = bot.opened_view(2)
    values = {"kind": "client_meeting", "title": "Spring campaign kick-off", "held_on": date.today(),
              "place": "Acme HQ", "attendees": ["U0AE", "U0ALICE", "U0BOB"], "external": "Dana (Acme)",
              "notes": "Budget is tight.", "decisions": "Go with concept B.",
              "item_0_text": "Send the media plan", "item_0_owner": "U0ALICE", "item_0_due": SOON}
    bot.submit(view, values)
    assert "Nothing changed" in slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE")[0].text
    with bot.db.transaction() as s:
        assert s.get(Minutes, m.id).version == 1


def test_request_changes_reaches_the_author(bot, slack):
    write_minutes(bot, slack)
    m = posted_minutes(bot)
    bot.click("minutes_request_changes", str(m.id), user="U0MALLORY")
    assert "only the attendees" in slack.wait_for("response_url")[0].params["text"].lower()

    bot.click("minutes_request_changes", str(m.id), user="U0BOB")
    view = bot.opened_view(2)
    assert view["callback_id"] == "minutes_changes_modal"
    assert bot.submit(view, {"comment": "  "}, user="U0BOB").json()["errors"] == {"comment": "Say what should change."}
    bot.submit(view, {"comment": "The budget figure is wrong"}, user="U0BOB")
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE")[0]
    assert "The budget figure is wrong" in summary_text(dm) and "<@U0BOB>" in summary_text(dm)
    assert "asked for changes" in summary_text(slack.wait_for("chat.update")[0])
    with bot.db.transaction() as s:
        so = s.exec(select(SignOff)).one()
        assert (so.signer_id, so.decision, so.comment) == ("U0BOB", "changes_requested", "The budget figure is wrong")
        assert "minutes.changes_requested" in [e.action for e in s.exec(select(AuditEvent))]


# --- Block Kit limits --------------------------------------------------------------------------

def test_sixty_attendees_and_5000_character_notes(bot, slack):
    people = [f"U0P{i:03d}" for i in range(60)]
    notes = "".join(f"Line {i}: " + "word " * 18 + "\n" for i in range(50)).ljust(5000, "!")
    assert len(notes) == 5000
    write_minutes(bot, slack, attendees=people, notes=notes)
    post = channel_post(slack)
    text = summary_text(post)
    assert "0 of 60 signed" in text and "…" in text and "full text is in the thread" in text
    m = posted_minutes(bot)
    thread = slack.wait_for("chat.postMessage", 2, where=lambda c: c.params.get("thread_ts") == m.message_ts)
    assert "Line 0:" in thread[0].text and "Line 49" in thread[1].text and "Decisions" not in thread[0].text
    assert len(m.notes) == 5000
    for p in people:
        bot.click("minutes_sign_off", str(m.id), user=p)
    last = eventually(lambda: _signed_all(slack), timeout=20)
    assert last and not slack.calls_to("response_url")        # nobody was told "Sorry — that failed"

    bot.click("minutes_edit", str(m.id), user="U0AE")           # the long notes can't go into an input
    view = bot.opened_view(2)
    assert "notes" not in {b.get("block_id") for b in view["blocks"]}
    assert json.loads(view["private_metadata"])["keep_notes"] is True


def _signed_all(slack):
    texts = [summary_text(c) for c in slack.calls_to("chat.update")]
    assert any("60 of 60 signed" in t for t in texts)
    return True


# --- channels ------------------------------------------------------------------------------------

def test_joins_a_public_channel_it_is_not_in(bot, slack):
    slack.not_in_channel.add("C0MEET")
    write_minutes(bot, slack)
    slack.wait_for("conversations.join")
    assert channel_post(slack, n=2).params["channel"] == "C0MEET"
    assert posted_minutes(bot).message_ts


def test_private_channel_tells_the_author_how_to_invite(bot, slack):
    slack.not_in_channel.add("C0MEET")
    slack.private_channels.add("C0MEET")
    write_minutes(bot, slack)
    notice = slack.wait_for("response_url")[0]
    assert "/invite @ae-bot" in json.dumps(notice.params) and notice.params["response_type"] == "ephemeral"
    with bot.db.transaction() as s:
        m = s.exec(select(Minutes)).one()
        assert m.message_ts is None                                   # saved, not posted
    slack.not_in_channel.discard("C0MEET")                            # the author invited the bot
    bot.click("minutes_repost", str(m.id), user="U0AE")
    assert posted_minutes(bot).message_channel == "C0MEET"


def test_signing_from_a_dm_confirms_there_and_binds_to_the_version_shown(bot, slack):
    write_minutes(bot, slack)
    m = posted_minutes(bot)
    # A DM button for version 1 (e.g. a nudge) clicked after the author saved version 2.
    with bot.db.transaction() as s:
        row = s.get(Minutes, m.id)
        row.version, row.content_hash = 2, "f" * 64
        s.add(row)
    bot.click("minutes_sign_off", f"{m.id}:1", user="U0BOB", channel="D0BOB", message_ts="1764000009.000001")
    assert "changed since that message (now version 2)" in slack.wait_for("response_url")[0].params["text"]
    assert count(bot, SignOff) == 0
    bot.click("minutes_sign_off", f"{m.id}:2", user="U0BOB", channel="D0BOB", message_ts="1764000009.000001")
    upd = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == "1764000009.000001")[0]
    assert "You signed" in str(upd.params["blocks"]) and "minutes_sign_off" not in str(upd.params["blocks"])
    with bot.db.transaction() as s:
        assert s.exec(select(SignOff)).one().version == 2
