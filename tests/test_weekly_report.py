"""Weekly client report: Monday 12:00 in each AE's zone, per channel they wrote minutes in; the draft's
content; Post to channel (once), Edit first (modal → post), Snooze 1 h (one more DM, once)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from fake_slack import _blocks_ok
from harness import example
from rhythm import TEAM, utc
from sqlalchemy import update
from sqlmodel import select

from bot.models import ActionItem, AuditEvent, MeetingKind, Minutes
from bot.render import reports as render
from bot.services import minutes as minutes_service
from bot.services import tasks
from bot.services.reports import Pending, WeeklyDraft
from scheduler.rules.report import WeeklyReport

RULES = [WeeklyReport()]
MONDAY = date(2026, 11, 30)          # ISO week 2026-W49; the report covers Nov 23 – Nov 29


def write(db, author: str, channel: str, held_on: date, title: str = "Kick-off", attendees=(),
          decisions: str = "", items=(), kind=MeetingKind.client_meeting) -> minutes_service.MinutesCard:
    """Minutes through the service, as the /minutes modal would save them (on the day they were held)."""
    draft = minutes_service.MinutesDraft(
        kind=kind, title=title, held_on=held_on, attendee_ids=list(attendees), decisions=decisions,
        items=[minutes_service.ItemDraft(text=t, owner_id=o, due_on=d) for t, o, d in items])
    card, _ = minutes_service.create(db, TEAM, author, channel, draft, today=held_on)
    return card


def tick(rhythm, *args):
    return rhythm.tick(utc(*args), rules=RULES)


def reports_to(rhythm, user=None):
    return [c for c in rhythm.dms(user) if "Weekly report" in (c.text or "")]


def blocks_text(call) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def section_starting(call, title: str) -> str:
    texts = [b["text"]["text"] for b in call.params["blocks"] if b["type"] == "section"]
    [found] = [t for t in texts if t.startswith(title)]
    return found


def button_value(call, action_id: str) -> str:
    for b in call.params["blocks"]:
        for e in b.get("elements", []) if b["type"] == "actions" else []:
            if e["action_id"] == action_id:
                return e["value"]
    raise AssertionError(f"no {action_id} button")


def click_at(bot, action_id: str, value: str, at: datetime | None = None, user: str = "U0AE",
             channel: str = "D0AE", message_ts: str = "1764000000.000101"):
    """A real block_actions payload, stamped by Slack (`action_ts`) at a chosen instant."""
    p = example("block_actions.json")
    p["user"] = {**p["user"], "id": user, "team_id": TEAM}
    p["actions"][0].update(action_id=action_id, value=value,
                           action_ts=f"{(at or utc(2026, 11, 30, 12, 5)).timestamp():.6f}")
    p["channel"] = {"id": channel, "name": "directmessage"}
    p["container"] = {**p["container"], "channel_id": channel, "message_ts": message_ts}
    p["response_url"] = bot.slack.response_url(f"{action_id}-{value}-{at}")
    r = bot.post_payload(p)
    assert r.status_code == 200
    return r


def channel_posts(slack, channel: str):
    return [c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == channel]


def audit_actions(db) -> list[str]:
    with db.transaction() as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))
                if e.action.startswith("weekly_report")]


# --- when, and to whom -----------------------------------------------------------------------------

def test_seoul_and_mexico_city_get_theirs_at_their_own_noon_once(rhythm):
    rhythm.person("U0SEOUL", "Asia/Seoul")
    rhythm.person("U0CDMX", "America/Mexico_City")
    rhythm.person("U0EARLY", "Asia/Seoul", reminder_times={"weekly_report": "08:30"})   # per-person time
    write(rhythm.db, "U0SEOUL", "C0SEOUL", date(2026, 11, 24))
    write(rhythm.db, "U0CDMX", "C0CDMX", date(2026, 11, 20))
    write(rhythm.db, "U0EARLY", "C0EARLY", date(2026, 11, 26))

    tick(rhythm, 2026, 11, 29, 23, 29)                 # Mon 08:29 in Seoul
    assert reports_to(rhythm) == []
    tick(rhythm, 2026, 11, 29, 23, 30)                 # 08:30: the early riser's
    assert [c.params["channel"] for c in reports_to(rhythm)] == ["U0EARLY"]
    tick(rhythm, 2026, 11, 30, 2, 59)                  # 11:59 in Seoul
    assert len(reports_to(rhythm)) == 1
    tick(rhythm, 2026, 11, 30, 3, 0)                   # Monday 12:00 KST
    tick(rhythm, 2026, 11, 30, 3, 1)
    assert [c.params["channel"] for c in reports_to(rhythm)] == ["U0EARLY", "U0SEOUL"]
    tick(rhythm, 2026, 11, 30, 17, 59)                 # 11:59 in Mexico City (CST all year)
    assert len(reports_to(rhythm)) == 2
    tick(rhythm, 2026, 11, 30, 18, 0)                  # Monday 12:00 CST
    tick(rhythm, 2026, 11, 30, 18, 30)
    tick(rhythm, 2026, 11, 30, 18, 0)                  # a tick replayed (restart with an old clock)
    sent = reports_to(rhythm)
    assert [c.params["channel"] for c in sent] == ["U0EARLY", "U0SEOUL", "U0CDMX"]
    assert "C0SEOUL" in sent[1].text and "C0CDMX" in sent[2].text
    rows = rhythm.deliveries(rule="weekly_report")
    assert {(d.recipient, d.subject, d.period, d.due_at) for d in rows} == {
        ("U0EARLY", "C0EARLY", "2026-W49", utc(2026, 11, 29, 23, 30)),
        ("U0SEOUL", "C0SEOUL", "2026-W49", utc(2026, 11, 30, 3, 0)),
        ("U0CDMX", "C0CDMX", "2026-W49", utc(2026, 11, 30, 18, 0)),
    }


def test_only_channels_with_minutes_in_the_last_30_days(rhythm):
    rhythm.person("U0OLD", "UTC")
    rhythm.person("U0EDGE", "UTC")
    write(rhythm.db, "U0OLD", "C0OLD", MONDAY - timedelta(days=31))    # Oct 30: too old on Nov 30
    write(rhythm.db, "U0EDGE", "C0EDGE", MONDAY - timedelta(days=30))  # Oct 31: still counts
    write(rhythm.db, "U0EDGE", "C0OTHER", date(2026, 11, 25), title="Print run")

    tick(rhythm, 2026, 11, 23, 12, 0)                  # the Monday before: both were active then
    assert sorted(c.params["channel"] for c in reports_to(rhythm)) == ["U0EDGE", "U0OLD"]
    tick(rhythm, 2026, 11, 30, 12, 0)
    this_week = reports_to(rhythm)[2:]
    assert sorted((c.params["channel"], c.text.split("<#")[1][:7]) for c in this_week) == [
        ("U0EDGE", "C0EDGE>"), ("U0EDGE", "C0OTHER")]
    # A channel with nothing in the week still gets a useful (short) report.
    quiet = next(c for c in this_week if "C0EDGE" in c.text)
    assert "No meetings this week" in blocks_text(quiet) and "Nothing else to report" in blocks_text(quiet)
    busy = next(c for c in this_week if "C0OTHER" in c.text)
    assert "Meetings held (1)" in blocks_text(busy) and "Print run" in blocks_text(busy)


# --- what the draft says ------------------------------------------------------------------------

def test_the_draft_lists_the_weeks_meetings_decisions_items_and_pending_signoffs(rhythm):
    rhythm.person("U0AE", "America/New_York")
    db = rhythm.db
    kickoff = write(db, "U0AE", "C0CLIENT", date(2026, 11, 24), "Kick-off", ["U0AE", "U0ALICE", "U0BOB"],
                    "Go with concept B.", [("Send the media plan", "U0ALICE", date(2026, 11, 26)),
                                           ("Book the studio", "U0BOB", date(2026, 12, 4)),
                                           ("Draft the brief", "U0ALICE", date(2026, 11, 25))])
    visit = write(db, "U0AE", "C0CLIENT", date(2026, 11, 27), "Site visit at the plant", ["U0AE"],
                  "Move the shoot to the loading dock. " * 40, kind=MeetingKind.site_visit)
    older = write(db, "U0AE", "C0CLIENT", date(2026, 11, 10), "Budget review", ["U0AE", "U0BOB"], "",
                  [("Old task", "U0AE", date(2026, 11, 12)), ("Call the printer", "U0BOB", None)])
    write(db, "U0AE", "C0ELSE", date(2026, 11, 25), "Another client's meeting", ["U0ALICE"], "Secret plan.")
    for who, m in (("U0AE", kickoff), ("U0ALICE", kickoff), ("U0AE", visit), ("U0AE", older)):
        minutes_service.sign_off(db, TEAM, who, m.minutes.id)
    # Done through the service; done_at then set inside the simulated week (the service stamps the real clock).
    items = {i.text: i.id for i in (*kickoff.items, *older.items)}
    tasks.complete(db, TEAM, "U0ALICE", items["Draft the brief"])
    tasks.complete(db, TEAM, "U0AE", items["Old task"])
    with db.transaction() as s:
        s.execute(update(ActionItem).where(ActionItem.id == items["Draft the brief"])
                  .values(done_at=utc(2026, 11, 30, 3, 0)))     # Sun Nov 29 22:00 in New York: in the week
        s.execute(update(ActionItem).where(ActionItem.id == items["Old task"]).values(done_at=utc(2026, 11, 20, 15)))

    tick(rhythm, 2026, 11, 30, 16, 59)
    assert reports_to(rhythm) == []
    tick(rhythm, 2026, 11, 30, 17, 0)                  # 12:00 EST
    sent = reports_to(rhythm, "U0AE")
    assert sorted(c.text.split("<#")[1].split(">")[0] for c in sent) == ["C0CLIENT", "C0ELSE"]   # one per channel
    dm = next(c for c in sent if "C0CLIENT" in c.text)

    meetings = section_starting(dm, "*Meetings held (2)*")
    assert "Kick-off" in meetings and "(Client meeting)" in meetings and "|Nov 24, 2026>" in meetings
    assert "Site visit at the plant" in meetings and "(Site visit)" in meetings
    assert "Budget review" not in meetings                           # held before the week
    decisions = section_starting(dm, "*Decisions*")
    assert "Go with concept B." in decisions and "(cut — see the minutes)" in decisions
    assert len(decisions) < 1200
    done = section_starting(dm, "*Action items done (1)*")
    assert "Draft the brief" in done and "<@U0ALICE>" in done
    overdue = section_starting(dm, "*Overdue (1)*")
    assert "Send the media plan" in overdue and "was due <!date^" in overdue and "|Nov 26, 2026>" in overdue
    open_ = section_starting(dm, "*Open (2)*")
    assert "Book the studio" in open_ and "|Dec 4, 2026>" in open_ and "Call the printer" in open_
    pending = section_starting(dm, "*Sign-offs pending (2)*")
    assert "Kick-off" in pending and "Budget review" in pending and "waiting for <@U0BOB>" in pending
    assert "Site visit" not in pending                                # fully signed
    whole = blocks_text(dm)
    assert "Old task" not in whole and "Secret plan" not in whole and "Another client" not in whole
    assert {e["action_id"] for b in dm.params["blocks"] if b["type"] == "actions" for e in b["elements"]} == {
        render.POST, render.EDIT, render.SNOOZE}
    assert _blocks_ok(dm.params["blocks"], 50)
    other = next(c for c in sent if "C0ELSE" in c.text)       # the other channel's report: only its own
    assert "Secret plan" in blocks_text(other) and "Kick-off" not in blocks_text(other)


def test_huge_weeks_stay_within_block_kit_limits():
    many = [Minutes(id=i, team_id=TEAM, kind="client_meeting", title=f"Meeting {i} " + "x" * 140, channel_id="C0BIG",
                    held_on=date(2026, 11, 23 + i % 7), decisions="Decided a lot. " * 300, author_id="U0AE",
                    content_hash="h", permalink=f"https://acme.slack.com/archives/C0BIG/p{i}")
            for i in range(150)]
    items = [ActionItem(id=i, team_id=TEAM, text="Do a long thing " * 120, owner_id="U0ALICE",
                        due_on=date(2026, 11, 20), creator_id="U0AE") for i in range(400)]
    draft = WeeklyDraft(TEAM, "C0BIG", "U0AE", "2026-W49", date(2026, 11, 23), date(2026, 11, 29), MONDAY,
                        meetings=many, done=items, open=items, overdue=items,
                        pending=[Pending(m, [f"U0P{k:03d}" for k in range(100)]) for m in many])
    dm = render.weekly_dm(draft, 12345)
    for blocks in (dm["blocks"], render.channel_post(draft, "U0AE")["blocks"]):
        assert len(blocks) <= 50 and _blocks_ok(blocks, 50)
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    text = json.dumps(dm["blocks"])
    assert "more" in text and "Meetings held (150)" in text and "Overdue (400)" in text
    modal = render.edit_modal(draft, 12345)
    value = modal["blocks"][0]["element"]["initial_value"]
    assert len(value) <= 3000 and value.endswith("…") and "was cut" in json.dumps(modal)
    assert len(modal["private_metadata"]) < 3000 and _blocks_ok(modal["blocks"], 100)
    assert all(len(e["value"]) <= 2000 for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"])


# --- the buttons ---------------------------------------------------------------------------------

NOON_UTC = utc(2026, 11, 30, 12, 0)


def _one_report(rhythm, tz="UTC", monday_noon=NOON_UTC):
    rhythm.person("U0AE", tz)
    write(rhythm.db, "U0AE", "C0CLIENT", date(2026, 11, 24), "Kick-off", ["U0AE", "U0ALICE"], "Go with concept B.",
          [("Send the media plan", "U0ALICE", date(2026, 12, 4))])
    rhythm.tick(monday_noon, rules=RULES)
    [dm] = reports_to(rhythm, "U0AE")
    [row] = rhythm.deliveries(rule="weekly_report")
    return dm, row


def test_post_to_channel_posts_once_even_when_clicked_twice(rhythm, bot, slack):
    dm, row = _one_report(rhythm)
    value = button_value(dm, render.POST)
    assert json.loads(value) == {"d": row.id, "c": "C0CLIENT", "w": "2026-W49"}
    click_at(bot, render.POST, value, message_ts=row.ts)
    click_at(bot, render.POST, value, message_ts=row.ts)      # a double click / Slack's retry

    updated = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == row.ts)[0]
    assert "Posted to <#C0CLIENT> by <@U0AE> at <!date^" in blocks_text(updated)
    assert not [b for b in updated.params["blocks"] if b["type"] == "actions"]   # no buttons left
    again = slack.wait_for("response_url", where=lambda c: "already" in (c.params.get("text") or ""))[0]
    assert "didn't post it again" in again.params["text"]
    [post] = channel_posts(slack, "C0CLIENT")
    assert "Kick-off" in blocks_text(post) and "Go with concept B." in blocks_text(post)
    assert "Posted by <@U0AE>" in blocks_text(post) and not [b for b in post.params["blocks"] if b["type"] == "actions"]
    click_at(bot, render.POST, value, message_ts=row.ts)      # much later: still once
    slack.wait_for("response_url", 2, where=lambda c: "already" in (c.params.get("text") or ""))
    assert len(channel_posts(slack, "C0CLIENT")) == 1
    assert audit_actions(bot.db) == ["weekly_report.posted"]

    click_at(bot, render.POST, value, user="U0ALICE", channel="C0MEET")   # not hers to post
    slack.wait_for("response_url", where=lambda c: "U0AE>'s to post" in (c.params.get("text") or ""))
    assert len(channel_posts(slack, "C0CLIENT")) == 1


def test_edit_first_opens_the_draft_and_posts_the_edited_text(rhythm, bot, slack):
    dm, row = _one_report(rhythm, tz="Europe/Madrid", monday_noon=utc(2026, 11, 30, 11, 0))
    value = button_value(dm, render.EDIT)
    click_at(bot, render.EDIT, value, message_ts=row.ts)
    view = bot.opened_view()
    assert view["callback_id"] == render.EDIT_CALLBACK and json.loads(view["private_metadata"])["d"] == row.id
    initial = view["blocks"][0]["element"]["initial_value"]
    assert "Kick-off" in initial and "Nov 24, 2026" in initial and "Go with concept B." in initial
    assert "Send the media plan" in initial and "<!date^" not in initial      # plain dates in a text box
    assert len(initial) <= 3000

    r = bot.submit(view, {render.EDIT_BLOCK: "   "}, user="U0AE")
    assert r.json()["response_action"] == "errors" and render.EDIT_BLOCK in r.json()["errors"]
    edited = "*Weekly report*\nKick-off went well; <@U0ALICE> sends the media plan by Friday."
    r = bot.submit(view, {render.EDIT_BLOCK: edited}, user="U0AE")
    assert r.status_code == 200 and not r.content.strip(b"{}")
    post = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0CLIENT")[0]
    assert post.params["text"] == edited and edited in blocks_text(post).replace("\\n", "\n")
    updated = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == row.ts)[0]
    assert "Posted to <#C0CLIENT> by <@U0AE>" in blocks_text(updated)

    bot.submit(view, {render.EDIT_BLOCK: edited + " (again)"}, user="U0AE")   # submitted twice
    click_at(bot, render.POST, button_value(dm, render.POST), message_ts=row.ts)
    slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE" and "already" in c.text)
    slack.wait_for("response_url", where=lambda c: "already" in (c.params.get("text") or ""))
    assert len(channel_posts(slack, "C0CLIENT")) == 1
    with bot.db.transaction() as s:
        events = [json.loads(e.detail) for e in s.exec(select(AuditEvent).where(
            AuditEvent.action == "weekly_report.posted"))]
    assert [e["edited"] for e in events] == [True]


def test_snooze_brings_it_back_an_hour_after_the_click_once(rhythm, bot, slack):
    dm, row = _one_report(rhythm, tz="Europe/Madrid", monday_noon=utc(2026, 11, 30, 11, 0))   # 12:00 CET
    value = button_value(dm, render.SNOOZE)
    clicked = utc(2026, 11, 30, 11, 20)
    click_at(bot, render.SNOOZE, value, at=clicked, message_ts=row.ts)
    updated = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == row.ts)[0]
    assert "Snoozed" in blocks_text(updated) and not [b for b in updated.params["blocks"] if b["type"] == "actions"]
    click_at(bot, render.SNOOZE, value, at=clicked + timedelta(seconds=2), message_ts=row.ts)   # clicked again
    slack.wait_for("response_url", where=lambda c: "Already snoozed" in (c.params.get("text") or ""))
    rows = rhythm.deliveries(rule="weekly_report")
    assert [(d.period, d.due_at) for d in rows] == [("2026-W49", utc(2026, 11, 30, 11, 0)),
                                                    ("2026-W49/snooze-1", clicked + timedelta(hours=1))]

    tick(rhythm, 2026, 11, 30, 11, 30)
    tick(rhythm, 2026, 11, 30, 12, 19)                 # 59 minutes after the click
    assert len(reports_to(rhythm, "U0AE")) == 1
    tick(rhythm, 2026, 11, 30, 12, 20)                 # an hour after the click
    tick(rhythm, 2026, 11, 30, 12, 21)
    tick(rhythm, 2026, 11, 30, 13, 30)
    dms = reports_to(rhythm, "U0AE")
    assert len(dms) == 2
    again = dms[1]
    assert "again, as you asked" in blocks_text(again) and "Kick-off" in blocks_text(again)
    second = json.loads(button_value(again, render.SNOOZE))
    assert second["d"] == rows[1].id and second["w"] == "2026-W49"

    # Snoozing the reminder that came back snoozes once more; posting from it posts the report once.
    click_at(bot, render.SNOOZE, button_value(again, render.SNOOZE), at=utc(2026, 11, 30, 12, 25))
    slack.wait_for("chat.update", 2)
    assert [d.period for d in rhythm.deliveries(rule="weekly_report")][-1] == "2026-W49/snooze-2"
    click_at(bot, render.POST, button_value(again, render.POST))
    slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0CLIENT")
    slack.wait_for("chat.update", 3)
    tick(rhythm, 2026, 11, 30, 13, 25)                 # the second snooze is no longer needed: posted
    assert len(reports_to(rhythm, "U0AE")) == 2
    assert rhythm.deliveries(period="2026-W49/snooze-2")[0].error == "no longer relevant"
    assert audit_actions(bot.db) == ["weekly_report.snoozed", "weekly_report.snoozed", "weekly_report.posted"]
