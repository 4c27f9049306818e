"""/task (quick form, modal, list), the Done button, App Home, /ae help, workspaces and restarts."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from sqlmodel import select

from harness import eventually
from test_minutes_loop import write_minutes

from bot.models import ActionItem, AuditEvent, Inbound, ItemStatus, Minutes, SignOff

SOON = date.today() + timedelta(days=20)
LATER = date.today() + timedelta(days=40)
HOME = {"type": "home", "id": "V0HOME", "hash": "h0home"}


def dump(call) -> str:
    return json.dumps({k: call.params.get(k) for k in ("text", "blocks", "view")})


def to(channel):
    return lambda c: c.params.get("channel") == channel


def task(bot, slack, text, user="U0AE", team="T0ACME"):
    """A valid quick /task: empty ack, then (after the DM) the ephemeral confirmation."""
    n = len(slack.calls_to("response_url"))
    r = bot.command("/task", text, user=user, team=team)
    assert r.status_code == 200 and r.content in (b"", b"{}"), r.text
    return slack.wait_for("response_url", n + 1)[n]


def ack_text(r) -> str:
    """What a command's ack said: Bolt answers a text-only ack as text/plain (Slack shows either)."""
    return r.json()["text"] if "json" in r.headers.get("content-type", "") else r.text


def rows(bot, model=ActionItem, **where):
    with bot.db.transaction() as s:
        return [r for r in s.exec(select(model).order_by(model.id))
                if all(getattr(r, k) == v for k, v in where.items())]


def item_by_text(bot, text) -> ActionItem:
    return eventually(lambda: _one_with_dm(bot, text))


def _one_with_dm(bot, text):
    found = rows(bot, text=text)
    assert len(found) == 1 and found[0].dm_ts, found
    return found[0]


def actions(bot) -> list[str]:
    return [e.action for e in rows(bot, AuditEvent)]


def buttons(view: dict, action_id: str) -> list[tuple[str, str]]:
    """(section text, button value) for each section whose accessory is that button, in order."""
    return [(b["text"]["text"], b["accessory"]["value"]) for b in view["blocks"]
            if b.get("accessory", {}).get("action_id") == action_id]


def published_to(slack, user) -> list:
    return [c for c in slack.calls_to("views.publish") if c.params.get("user_id") == user]


def published(slack, user, n=1) -> dict:
    call = slack.wait_for("views.publish", n, where=lambda c: c.params.get("user_id") == user)[n - 1]
    assert call.params["view"]["type"] == "home"
    return call.params["view"]


# --- 1. quick form ------------------------------------------------------------------------------

def test_quick_task_creates_item_dms_owner_and_confirms(bot, slack):
    reply = task(bot, slack, f"<@U0BOB|bob> send the brief by {SOON}")
    assert reply.params["response_type"] == "ephemeral" and "<@U0BOB>" in dump(reply)
    item = item_by_text(bot, "send the brief")
    assert (item.team_id, item.owner_id, item.creator_id, item.due_on, item.status) == \
        ("T0ACME", "U0BOB", "U0AE", SOON, ItemStatus.open)
    assert item.dm_channel == "D0BOB" and item.dm_ts.startswith("1764000000.")
    dm = slack.wait_for("chat.postMessage", where=to("U0BOB"))[0]
    done = [e for b in dm.params["blocks"] for e in b.get("elements", []) if e.get("action_id") == "item_done"]
    assert "send the brief" in dump(dm) and [e["value"] for e in done] == [str(item.id)]
    assert actions(bot) == ["item.created"]

    task(bot, slack, "<@U0BOB> call Dana about the shoot")
    undated = item_by_text(bot, "call Dana about the shoot")
    assert (undated.owner_id, undated.due_on) == ("U0BOB", None)
    assert "No due date" in dump(slack.wait_for("chat.postMessage", 2, where=to("U0BOB"))[1])
    assert actions(bot) == ["item.created", "item.created"]


# --- 2. bad input -------------------------------------------------------------------------------

def test_bad_quick_input_gets_one_line_usage_and_writes_nothing(bot, slack):
    for text in ("<@U0BOB> call the printer by tomorrowish", "send the brief", "<@U0BOB> x by 2026-02-30"):
        r = bot.command("/task", text)
        assert r.status_code == 200, text
        answer = ack_text(r)
        assert "/task @person" in answer and "\n" not in answer, (text, answer)
    bot.command("/task", "<@U0BOB> x by 2020-01-01")
    past = slack.wait_for("response_url")[0]
    assert past.params["response_type"] == "ephemeral" and "Jan 1, 2020 is in the past" in past.params["text"]
    assert rows(bot) == [] and rows(bot, AuditEvent) == [] and slack.calls_to("chat.postMessage") == []

    task(bot, slack, "<@U0BOB> call the printer by phone")        # "by phone" is not a date
    item = item_by_text(bot, "call the printer by phone")
    assert (item.owner_id, item.due_on) == ("U0BOB", None)


# --- 3. modal -----------------------------------------------------------------------------------

def test_task_modal_validates_then_creates(bot, slack):
    r = bot.command("/task", "")
    assert r.status_code == 200
    view = bot.opened_view()
    assert view["callback_id"] == "task_modal"
    assert {"item_0_text", "item_0_owner", "item_0_due"} <= {b.get("block_id") for b in view["blocks"]}

    r = bot.submit(view, {"item_0_text": "Book the studio"})
    assert r.status_code == 200 and r.json()["response_action"] == "errors"
    assert set(r.json()["errors"]) == {"item_0_owner"}
    r = bot.submit(view, {"item_0_text": "Book the studio", "item_0_owner": "U0BOB", "item_0_due": date(2020, 1, 1)})
    assert r.json()["response_action"] == "errors" and set(r.json()["errors"]) == {"item_0_due"}
    assert rows(bot) == [] and slack.calls_to("chat.postMessage") == []

    r = bot.submit(view, {"item_0_text": "Book the studio", "item_0_owner": "U0BOB", "item_0_due": SOON})
    assert r.status_code == 200 and r.content in (b"", b"{}")
    item = item_by_text(bot, "Book the studio")
    assert (item.owner_id, item.creator_id, item.due_on) == ("U0BOB", "U0AE", SOON)
    assert "Book the studio" in dump(slack.wait_for("chat.postMessage", where=to("U0BOB"))[0])
    note = slack.wait_for("chat.postEphemeral")[0]      # the author hears it went out, in the channel
    assert (note.params["channel"], note.params["user"]) == ("C0MEET", "U0AE")


# --- 4. /task list ------------------------------------------------------------------------------

def test_task_list_shows_only_my_open_items(bot, slack):
    task(bot, slack, f"<@U0AE> mine and open by {SOON}")
    task(bot, slack, "<@U0AE> mine but done")
    task(bot, slack, "<@U0BOB> bob's, not mine")
    done = item_by_text(bot, "mine but done")
    bot.click("item_done", str(done.id), user="U0AE", channel="D0AE", message_ts=done.dm_ts)
    slack.wait_for("chat.update", where=lambda c: c.params["ts"] == done.dm_ts)

    n = len(slack.calls_to("response_url"))
    bot.command("/task", "list")
    listing = slack.wait_for("response_url", n + 1)[n]
    assert listing.params["response_type"] == "ephemeral"
    assert "mine and open" in dump(listing)
    assert "mine but done" not in dump(listing) and "bob" not in dump(listing)


# --- 5. Done ------------------------------------------------------------------------------------

def test_done_by_owner_once_and_refused_to_stranger(bot, slack):
    task(bot, slack, f"<@U0BOB> send the brief by {SOON}")
    item = item_by_text(bot, "send the brief")

    bot.click("item_done", str(item.id), user="U0MALLORY", channel="D0BOB", message_ts=item.dm_ts)
    refusal = slack.wait_for("response_url", 2)[1]
    assert refusal.params["response_type"] == "ephemeral" and "only" in refusal.params["text"].lower()
    assert rows(bot)[0].status == ItemStatus.open and slack.calls_to("chat.update") == []

    bot.click("item_done", str(item.id), user="U0BOB", channel="D0BOB", message_ts=item.dm_ts)
    upd = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == item.dm_ts)[0]
    assert upd.params["channel"] == "D0BOB"
    assert "Done by <@U0BOB>" in dump(upd) and '"item_done"' not in dump(upd)
    after = rows(bot)[0]
    assert (after.status, after.done_by) == (ItemStatus.done, "U0BOB") and after.done_at is not None

    bot.click("item_done", str(item.id), user="U0BOB", channel="D0BOB", message_ts=item.dm_ts)
    assert "already done" in slack.wait_for("response_url", 3)[2].params["text"]
    assert len(slack.calls_to("chat.update")) == 1
    assert actions(bot) == ["item.created", "item.done"]


# --- 6. App Home --------------------------------------------------------------------------------

def test_home_lists_my_items_nearest_due_first_and_done_republishes(bot, slack):
    for text in (f"<@U0BOB> later by {LATER}", "<@U0BOB> someday", f"<@U0BOB> soon by {SOON}",
                 "<@U0ALICE> alice's"):
        task(bot, slack, text)
    bot.home_opened(user="U0BOB")
    home = published(slack, "U0BOB")
    items = buttons(home, "item_done")
    assert [t.split("\n")[0] for t, _ in items] == ["soon", "later", "someday"]
    soon = item_by_text(bot, "soon")
    assert items[0][1] == str(soon.id)

    bot.click("item_done", str(soon.id), user="U0BOB", view={**HOME, "blocks": home["blocks"]})
    again = published(slack, "U0BOB", 2)
    assert [t.split("\n")[0] for t, _ in buttons(again, "item_done")] == ["later", "someday"]
    slack.wait_for("chat.update", where=lambda c: c.params["ts"] == soon.dm_ts)
    assert rows(bot, text="soon")[0].status == ItemStatus.done


def test_home_shows_minutes_to_sign_and_my_unsigned_minutes(bot, slack):
    write_minutes(bot, slack)                      # by U0AE; attendees U0AE, U0ALICE, U0BOB
    slack.wait_for("chat.postMessage", where=to("C0MEET"))
    m = eventually(lambda: _with_permalink(bot))

    bot.home_opened(user="U0BOB")
    bob = published(slack, "U0BOB")
    [(text, value)] = buttons(bob, "minutes_sign_off")
    assert value == f"{m.id}:1" and "Spring campaign kick-off" in text and m.permalink in text
    bot.home_opened(user="U0AE")
    ae = published(slack, "U0AE")
    assert re.search(r"Spring campaign kick-off.*0 of 3 signed", json.dumps(ae["blocks"]))

    bot.click("minutes_sign_off", str(m.id), user="U0BOB", view={**HOME, "blocks": bob["blocks"]})
    assert buttons(published(slack, "U0BOB", 2), "minutes_sign_off") == []
    assert len(rows(bot, SignOff, signer_id="U0BOB")) == 1
    bot.home_opened(user="U0AE")
    assert "1 of 3 signed" in json.dumps(published(slack, "U0AE", 2)["blocks"])


def _with_permalink(bot):
    [m] = rows(bot, Minutes)
    assert m.permalink
    return m


# --- 7. /ae help --------------------------------------------------------------------------------

def test_ae_help_lists_commands_with_examples(bot, slack):
    r = bot.command("/ae", "help")
    assert r.status_code == 200
    body = json.dumps(r.json())
    examples = re.findall(r"e\.g\. `([^`]+)`", body)
    for cmd in ("/minutes", "/task", "/ae"):
        assert any(e.split()[0] == cmd for e in examples), (cmd, examples)

    r = bot.command("/ae", "bogus")
    body = json.dumps(r.json())
    assert "know" in body and "bogus" in body and "/minutes" in body and "/task" in body


def test_ae_unknown_word_is_not_echoed_raw(bot, slack):
    r = bot.command("/ae", "<!channel> hello")
    assert r.status_code == 200 and "/task" in json.dumps(r.json())
    assert "<!channel>" not in r.text        # echoing it raw would ping the whole channel


# --- 8. workspaces ------------------------------------------------------------------------------

def test_workspaces_never_see_each_others_rows(bot, slack):
    task(bot, slack, f"<@U0BOB> acme secret by {SOON}")
    item = item_by_text(bot, "acme secret")
    write_minutes(bot, slack)
    slack.wait_for("chat.postMessage", where=to("C0MEET"))
    m = eventually(lambda: _with_permalink(bot))
    n = len(slack.calls_to("response_url"))

    # The bot is installed in T0ACME: a signed request from another workspace is refused at the door,
    # answered in words for a command, and nothing of ours is read, written or sent.
    inbound = len(rows(bot, Inbound))
    listing = bot.command("/task", "list", user="U0BOB", team="T0OTHER")
    assert listing.status_code == 200 and "isn't installed in this workspace" in listing.text
    assert "acme secret" not in listing.text
    assert bot.home_opened(user="U0BOB", team="T0OTHER").status_code == 200
    assert bot.click("item_done", str(item.id), user="U0BOB", team="T0OTHER", channel="D0BOB",
                     message_ts=item.dm_ts).status_code == 200
    assert bot.click("minutes_sign_off", str(m.id), user="U0BOB", team="T0OTHER",
                     message_ts=m.message_ts).status_code == 200
    assert len(rows(bot, Inbound)) == inbound
    assert len(slack.calls_to("response_url")) == n and not published_to(slack, "U0BOB")

    assert rows(bot, text="acme secret")[0].status == ItemStatus.open
    assert rows(bot, SignOff) == [] and slack.calls_to("chat.update") == []
    assert {e.team_id for e in rows(bot, AuditEvent)} == {"T0ACME"}


# --- 9. restart ---------------------------------------------------------------------------------

def test_done_works_after_restart_on_same_database(make_bot, slack):
    first = make_bot()
    task(first, slack, f"<@U0BOB> survive a restart by {SOON}")
    item = item_by_text(first, "survive a restart")
    first.stop()

    second = make_bot()
    second.click("item_done", str(item.id), user="U0BOB", channel="D0BOB", message_ts=item.dm_ts)
    upd = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == item.dm_ts)[0]
    assert upd.params["channel"] == "D0BOB" and "Done by <@U0BOB>" in dump(upd)
    assert rows(second)[0].status == ItemStatus.done
    assert actions(second) == ["item.created", "item.done"]
