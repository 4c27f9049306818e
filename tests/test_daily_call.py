"""Daily progress call: weekdays 09:30 in each AE's zone, only AEs with open work; Log call → a call log."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from harness import eventually, example, fill_state
from rhythm import TEAM, utc
from sqlmodel import select

from bot.models import (ActionItem, Attendee, AuditEvent, CallLog, Decision, ItemStatus, MeetingKind, Minutes,
                        Person, SignOff, utcnow)
from bot.i18n import text_for
from bot.render.calls import call_modal, daily_call
from bot.services.calls import ChannelWork
from scheduler.rules import all_rules
from scheduler.rules.calls import DailyCall

RULES = [DailyCall()]
WRITTEN = utc(2026, 11, 20, 12)      # minutes written ten days before the Monday most tests use


def add_minutes(db, author: str, channel: str, *, created: datetime = WRITTEN, attendees=(), signed=(),
                items=(), team: str = TEAM, title: str = "Kick-off", held_on: date = date(2026, 11, 20),
                hash_: str = "v1", signed_hash: str | None = None) -> int:
    """Minutes as the bot stores them; `items` are (owner, due, status); `signed` approved `signed_hash`."""
    with db.transaction() as s:
        m = Minutes(team_id=team, kind=MeetingKind.client_meeting, title=title, held_on=held_on,
                    channel_id=channel, author_id=author, content_hash=hash_, created_at=created,
                    permalink=f"https://acme.slack.com/archives/{channel}/p1")
        s.add(m)
        s.flush()
        for u in attendees:
            s.add(Attendee(team_id=team, minutes_id=m.id, user_id=u))
        for u in signed:
            s.add(SignOff(team_id=team, subject_kind="minutes", subject_id=m.id, version=1,
                          content_hash=signed_hash or hash_, signer_id=u, decision=Decision.approve))
        for owner, due, status in items:
            s.add(ActionItem(team_id=team, text=f"Item for {owner} due {due}", owner_id=owner, due_on=due,
                             status=status, minutes_id=m.id, creator_id=author))
        return m.id


OPEN, DONE, CANCELLED = ItemStatus.open, ItemStatus.done, ItemStatus.cancelled
LATER = date(2026, 12, 18)


def call_dms(rhythm, user=None):
    return [c for c in rhythm.dms(user) if (c.text or "").startswith("Calls for today")]


def sections(call) -> list[dict]:
    return [b for b in call.params["blocks"] if b["type"] == "section"]


# --- when, and to whom --------------------------------------------------------------------------------

def test_seoul_and_mexico_city_get_their_call_list_at_their_own_half_past_nine(rhythm):
    rhythm.person("U0SEOUL", "Asia/Seoul")
    rhythm.person("U0CDMX", "America/Mexico_City")
    add_minutes(rhythm.db, "U0SEOUL", "C0KIMCHI", items=[("U0SEOUL", LATER, OPEN)])
    add_minutes(rhythm.db, "U0CDMX", "C0TACO", items=[("U0ANA", LATER, OPEN)])
    rhythm.tick(utc(2026, 11, 29, 12), RULES)                  # Sunday: looks back 12 h, a Sunday in Seoul too
    rhythm.tick(utc(2026, 11, 30, 0, 29), RULES)               # Monday 09:29 in Seoul
    assert call_dms(rhythm) == []
    rhythm.tick(utc(2026, 11, 30, 0, 30), RULES)               # Monday 09:30 KST
    assert [c.params["channel"] for c in call_dms(rhythm)] == ["U0SEOUL"]
    rhythm.tick(utc(2026, 11, 30, 15, 29), RULES)
    assert len(call_dms(rhythm)) == 1
    rhythm.tick(utc(2026, 11, 30, 15, 30), RULES)              # Monday 09:30 in Mexico City (no DST)
    rhythm.tick(utc(2026, 11, 30, 20, 0), RULES)
    assert [c.params["channel"] for c in call_dms(rhythm)] == ["U0SEOUL", "U0CDMX"]
    sent = {d.recipient: (d.subject, d.period, d.due_at) for d in rhythm.deliveries(rule="daily_call")}
    assert sent == {"U0SEOUL": ("-", "2026-11-30", utc(2026, 11, 30, 0, 30)),
                    "U0CDMX": ("-", "2026-11-30", utc(2026, 11, 30, 15, 30))}


def test_weekends_are_skipped(rhythm):
    rhythm.person("U0MAD", "Europe/Madrid")
    add_minutes(rhythm.db, "U0MAD", "C0PAELLA", items=[("U0MAD", LATER, OPEN)])
    rhythm.tick(utc(2026, 12, 4, 7), RULES)                      # Friday before the first call
    for day in (4, 5, 6, 7):                                     # Fri, Sat, Sun, Mon at 09:30 CET and later
        rhythm.tick(utc(2026, 12, day, 8, 30), RULES)
        rhythm.tick(utc(2026, 12, day, 18, 0), RULES)
    assert [d.period for d in rhythm.deliveries()] == ["2026-12-04", "2026-12-07"]
    assert len(call_dms(rhythm, "U0MAD")) == 2


def test_a_personal_time_moves_the_call_list(rhythm):
    rhythm.person("U0MAD", "Europe/Madrid", reminder_times={"daily_call": "11:15"})
    add_minutes(rhythm.db, "U0MAD", "C0PAELLA", items=[("U0MAD", LATER, OPEN)])
    rhythm.tick(utc(2026, 11, 30, 6), RULES)
    rhythm.tick(utc(2026, 11, 30, 8, 30), RULES)                 # 09:30 CET: not for this AE
    rhythm.tick(utc(2026, 11, 30, 10, 14), RULES)
    assert call_dms(rhythm) == []
    rhythm.tick(utc(2026, 11, 30, 10, 15), RULES)                # 11:15 CET
    assert len(call_dms(rhythm, "U0MAD")) == 1


def test_only_aes_with_open_work_are_called(rhythm):
    for u in ("U0BUSY", "U0DONE", "U0SIGN", "U0OLD", "U0OWNER"):
        rhythm.person(u, "UTC")
    add_minutes(rhythm.db, "U0BUSY", "C0A", items=[("U0OWNER", LATER, OPEN)])
    add_minutes(rhythm.db, "U0DONE", "C0B", attendees=["U0DONE", "U0X"], signed=["U0DONE", "U0X"],
                items=[("U0DONE", LATER, DONE), ("U0X", LATER, CANCELLED)])
    add_minutes(rhythm.db, "U0SIGN", "C0C", attendees=["U0SIGN", "U0X"], signed=["U0SIGN"])
    add_minutes(rhythm.db, "U0OLD", "C0D", created=utc(2026, 10, 30), items=[("U0OLD", LATER, OPEN)])  # 31 days
    rhythm.tick(utc(2026, 11, 30, 1), RULES)
    rhythm.tick(utc(2026, 11, 30, 9, 30), RULES)
    assert sorted(c.params["channel"] for c in call_dms(rhythm)) == ["U0BUSY", "U0SIGN"]
    assert sorted(d.recipient for d in rhythm.deliveries(rule="daily_call")) == ["U0BUSY", "U0SIGN"]


def test_away_ae_gets_no_call_list(rhythm):
    rhythm.person("U0AWAY", "UTC", away_from=date(2026, 11, 30), away_until=date(2026, 12, 1))
    add_minutes(rhythm.db, "U0AWAY", "C0A", items=[("U0AWAY", LATER, OPEN)])
    rhythm.tick(utc(2026, 11, 30, 1), RULES)
    for day in (30, 1, 2):
        t = utc(2026, 11, day, 9, 30) if day == 30 else utc(2026, 12, day, 9, 30)
        rhythm.tick(t, RULES)
    assert [(d.period, d.status, d.error) for d in rhythm.deliveries()] == [
        ("2026-11-30", "skipped", "away"), ("2026-12-01", "skipped", "away"), ("2026-12-02", "sent", "")]


# --- what it says -------------------------------------------------------------------------------------

def test_each_client_channel_shows_open_overdue_and_unsigned_with_a_log_call_button(rhythm):
    db = rhythm.db
    rhythm.person("U0AE", "UTC")
    add_minutes(db, "U0AE", "C0ACME", attendees=["U0AE", "U0BOB"], signed=["U0AE"], items=[
        ("U0BOB", date(2026, 11, 25), OPEN), ("U0AE", date(2026, 12, 5), OPEN), ("U0AE", None, OPEN),
        ("U0AE", date(2026, 11, 2), DONE), ("U0BOB", date(2026, 11, 2), CANCELLED)])
    # Another AE's fully signed minutes in the same client channel: their open item is the client's work too.
    add_minutes(db, "U0ZED", "C0ACME", attendees=["U0ZED"], signed=["U0ZED"], items=[("U0ZED", LATER, OPEN)])
    add_minutes(db, "U0AE", "C0BETA", attendees=["U0CAROL"])
    # Signed, then edited: the approval was for an older version, so it waits again.
    add_minutes(db, "U0AE", "C0BETA", attendees=["U0CAROL"], signed=["U0CAROL"], hash_="v2", signed_hash="v1")
    add_minutes(db, "U0AE", "C0GAMMA", attendees=["U0AE"], signed=["U0AE"], items=[("U0AE", LATER, DONE)])
    add_minutes(db, "U0AE2", "C0ACME", team="T0OTHER", items=[("U0AE2", date(2026, 11, 1), OPEN)])
    with db.transaction() as s:   # a call's follow-up counts for the channel the call was about
        item = ActionItem(team_id=TEAM, text="Send the quote", owner_id="U0AE", due_on=date(2026, 11, 27),
                          creator_id="U0AE")
        s.add(item)
        s.flush()
        s.add(CallLog(team_id=TEAM, user_id="U0AE", channel_id="C0DELTA", who="Dana", minutes=10,
                      called_on=date(2026, 11, 26), follow_up_item_id=item.id))
    rhythm.tick(utc(2026, 11, 30, 1), RULES)
    rhythm.tick(utc(2026, 11, 30, 9, 30), RULES)
    [dm] = call_dms(rhythm, "U0AE")
    assert dm.text == "Calls for today: 3 clients with open work"
    head, acme, delta, beta = sections(dm)
    assert "3 clients have open work" in head["text"]["text"]
    assert acme["text"]["text"] == ("<#C0ACME>\n4 open action items · *1 overdue* · "
                                    "1 set of minutes waiting for sign-off")
    assert delta["text"]["text"] == "<#C0DELTA>\n1 open action item · *1 overdue*"
    assert beta["text"]["text"] == "<#C0BETA>\n2 sets of minutes waiting for sign-off"
    assert [(s["accessory"]["action_id"], s["accessory"]["value"]) for s in (acme, delta, beta)] == [
        ("call_log", "C0ACME"), ("call_log", "C0DELTA"), ("call_log", "C0BETA")]
    # U0ZED works on Acme too; T0OTHER's AE hears about T0OTHER's work only, separately.
    assert sorted(c.params["channel"] for c in call_dms(rhythm)) == ["U0AE", "U0AE2", "U0ZED"]
    [other] = call_dms(rhythm, "U0AE2")
    assert sections(other)[1]["text"]["text"] == "<#C0ACME>\n1 open action item · *1 overdue*"


def test_work_done_before_a_retry_is_not_sent(rhythm):
    from bot.services import tasks

    rhythm.person("U0AE", "UTC")
    add_minutes(rhythm.db, "U0AE", "C0ACME", items=[("U0AE", LATER, OPEN)])
    rhythm.tick(utc(2026, 11, 30, 1), RULES)
    rhythm.slack.fail_next("chat.postMessage", status=429, retry_after=60)
    rhythm.tick(utc(2026, 11, 30, 9, 30), RULES)
    with rhythm.db.transaction() as s:
        [item] = s.exec(select(ActionItem)).all()
    tasks.complete(rhythm.db, TEAM, "U0AE", item.id)             # the AE closed it meanwhile
    rhythm.tick(utc(2026, 11, 30, 9, 32), RULES)
    [d] = rhythm.deliveries()
    assert (d.status, d.error) == ("skipped", "no longer relevant")
    assert len(call_dms(rhythm)) == 1                                  # only the attempt Slack rate-limited


def test_a_long_list_stays_within_slacks_block_limit():
    msg = daily_call("U0AE", [ChannelWork(f"C{i:04d}", open_items=1) for i in range(70)], text_for("en"))
    assert len(msg["blocks"]) == 50
    assert msg["blocks"][-1]["elements"][0]["text"] == "…and 22 more channels with open work."


def test_the_rules_are_registered():
    assert {"daily_call", "weekly_planning"} <= {r.name for r in all_rules()}


# --- Log call -----------------------------------------------------------------------------------------

def kiritimati_today() -> date:
    return datetime.now(ZoneInfo("Pacific/Kiritimati")).date()


def count(db, model) -> int:
    with db.transaction() as s:
        return len(s.exec(select(model)).all())


def test_log_call_from_the_dm_stores_the_call_and_sends_the_follow_up(rhythm, bot, slack):
    with rhythm.db.transaction() as s:   # UTC+14: most of the day its date is not UTC's
        s.add(Person(team_id=TEAM, user_id="U0AE", tz="Pacific/Kiritimati", refreshed_at=utcnow()))
    add_minutes(rhythm.db, "U0AE", "C0ACME", created=utc(2026, 11, 25), items=[("U0AE", LATER, OPEN)])
    rhythm.tick(utc(2026, 11, 29, 12), RULES)
    rhythm.tick(utc(2026, 11, 29, 19, 30), RULES)                # Monday 09:30 in Kiritimati
    [dm] = call_dms(rhythm, "U0AE")
    button = sections(dm)[1]["accessory"]
    bot.click(button["action_id"], button["value"], user="U0AE", channel="D0AE")
    view = bot.opened_view()
    assert view["callback_id"] == "call_log_modal" and "<#C0ACME>" in json.dumps(view["blocks"])
    before = kiritimati_today()
    due = date.today() + timedelta(days=7)
    r = bot.submit(view, {"who": "Marta, their CMO", "duration": " 25 ", "outcome": "Budget agreed for spring.",
                          "follow_up_text": "Send the revised quote", "follow_up_owner": "U0BOB",
                          "follow_up_due": due})
    assert r.status_code == 200 and not r.content.strip(b"{}")
    after = kiritimati_today()

    owner_dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0BOB")[0]
    assert "Send the revised quote" in owner_dm.text
    assert '"item_done"' in json.dumps(owner_dm.params["blocks"])
    done = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE"
                          and (c.text or "").startswith("Call with"))[0]
    assert "25-minute call with Marta, their CMO (<#C0ACME>)" in json.dumps(done.params["blocks"])
    with bot.db.transaction() as s:
        [call] = s.exec(select(CallLog)).all()
        [item] = s.exec(select(ActionItem).where(ActionItem.text == "Send the revised quote")).all()
        events = {e.action: json.loads(e.detail) for e in s.exec(select(AuditEvent))}
    assert (call.team_id, call.user_id, call.channel_id, call.who, call.minutes, call.outcome) == (
        TEAM, "U0AE", "C0ACME", "Marta, their CMO", 25, "Budget agreed for spring.")
    assert call.called_on in {before, after} and call.follow_up_item_id == item.id
    assert (item.owner_id, item.creator_id, item.due_on, item.minutes_id) == ("U0BOB", "U0AE", due, None)
    assert events["call.logged"] == {"channel": "C0ACME", "follow_up_item": item.id, "minutes": 25,
                                     "via": "daily_call"}
    assert "item.created" in events

    # Next morning the follow-up is part of that client's open work.
    rhythm.tick(utc(2026, 11, 30, 19, 30), RULES)
    acme = sections(call_dms(rhythm, "U0AE")[-1])[1]["text"]["text"]
    assert acme.startswith("<#C0ACME>\n2 open action items")


def open_log_call(bot, n: int = 1) -> dict:
    bot.click("call_log", "C0ACME", user="U0AE", channel="D0AE")
    return bot.opened_view(n)


GOOD = {"who": "Marta", "duration": "30", "outcome": "Fine."}


def test_invalid_calls_come_back_as_errors_on_the_modal_and_store_nothing(bot):
    view = open_log_call(bot)
    soon = date.today() + timedelta(days=3)
    cases = [
        ({"who": "  ", "duration": "half an hour"}, {"who": "Say who", "duration": "whole number"}),
        ({"duration": "0"}, {"duration": "between 1 and 600"}),
        ({"duration": "601"}, {"duration": "between 1 and 600"}),
        ({"duration": "12.5"}, {"duration": "whole number"}),
        ({"follow_up_text": "Send the deck"}, {"follow_up_owner": "Pick who owns"}),
        ({"follow_up_owner": "U0BOB", "follow_up_due": soon}, {"follow_up_text": "Say what the follow-up is"}),
        ({"follow_up_text": "Send the deck", "follow_up_owner": "U0BOB",
          "follow_up_due": date.today() - timedelta(days=2)}, {"follow_up_due": "in the past"}),
        # A valid follow-up with a bad duration: neither the call nor the item is stored.
        ({"duration": "-5", "follow_up_text": "Send the deck", "follow_up_owner": "U0BOB", "follow_up_due": soon},
         {"duration": "between 1 and 600"}),
    ]
    for change, expected in cases:
        r = bot.submit(view, {**GOOD, **change})
        body = r.json()
        assert body["response_action"] == "errors", change
        assert set(body["errors"]) == set(expected), change
        for block, words in expected.items():
            assert words in body["errors"][block], (change, body["errors"])
    assert count(bot.db, CallLog) == 0 and count(bot.db, ActionItem) == 0
    r = bot.submit(view, {**GOOD, "duration": "600"})              # the longest call there is, no follow-up
    assert r.status_code == 200 and not r.content.strip(b"{}")
    def stored():
        with bot.db.transaction() as s:
            [call] = s.exec(select(CallLog)).all()
            assert (call.minutes, call.follow_up_item_id) == (600, None)
    eventually(stored)
    assert count(bot.db, ActionItem) == 0


def test_the_modal_asks_for_the_channel_when_opened_without_one(bot):
    """What `/call` (next issue) opens outside a client channel: the picked channel is stored."""
    view = {**call_modal(None, text_for("en"), via="call_command"), "id": "V0CALL", "hash": "h1"}
    picker = view["blocks"][0]
    assert (picker["block_id"], picker["element"]["type"]) == ("channel", "conversations_select")
    p = example("view_submission.json")
    p["user"] = {**p["user"], "id": "U0AE"}
    v = copy.deepcopy(view)
    without_picker = {**v, "blocks": v["blocks"][1:]}
    v["state"] = {"values": {**fill_state(without_picker, GOOD),
                             "channel": {"value": {"type": "conversations_select",
                                                   "selected_conversation": "C0PICKED"}}}}
    p["view"] = {**p["view"], **v}
    r = bot.post_payload(p)
    assert r.status_code == 200 and not r.content.strip(b"{}")
    def stored():
        with bot.db.transaction() as s:
            [call] = s.exec(select(CallLog)).all()
            [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "call.logged")).all()
            assert call.channel_id == "C0PICKED" and json.loads(event.detail)["via"] == "call_command"
    eventually(stored)
