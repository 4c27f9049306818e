"""Sign-off nudges: 24 h after the summary, then daily; never at night nor on a weekend in the signer's
zone; stop when signed, after 7, and count again for a new version; the DM's button signs for real."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from harness import eventually
from rhythm import TEAM, utc
from sqlmodel import select

from bot.models import DeliveryStatus, MeetingKind, Minutes, SignOff
from bot.services import minutes as svc
from scheduler.rules import all_rules
from scheduler.rules.signoff import SignoffNudge

RULES = [SignoffNudge()]   # alone: other rules' messages would muddle the counts


def test_the_rule_is_registered():
    assert [r for r in all_rules() if r.name == "signoff_nudge" and r.to_person is True]


def post_minutes(rhythm, posted: datetime, attendees: list[str], author: str = "U0AE",
                 title: str = "Spring campaign kick-off") -> int:
    """Minutes written and their summary posted in #C0MEET at `posted` (the Slack ts says when)."""
    draft = svc.MinutesDraft(kind=MeetingKind.client_meeting, title=title, held_on=posted.date(),
                             attendee_ids=attendees, decisions="Go with concept B.")
    card, _ = svc.create(rhythm.db, TEAM, author, "C0MEET", draft, today=posted.date())
    ts = f"{int(posted.timestamp())}.000200"
    svc.set_message(rhythm.db, TEAM, card.minutes.id, "C0MEET", ts,
                    f"https://acme.slack.com/archives/C0MEET/p{ts.replace('.', '')}")
    return card.minutes.id


def tick(rhythm, *instants):
    for t in instants:
        rhythm.tick(t, RULES)


def nudges(rhythm, who=None):
    return [d for d in rhythm.deliveries(rule="signoff_nudge", status=DeliveryStatus.sent)
            if who is None or d.recipient == who]


def blocks(call) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def test_first_nudge_exactly_24_hours_after_the_summary_then_daily(rhythm):
    rhythm.person("U0AE", "America/New_York")
    rhythm.person("U0NY", "America/New_York")
    mid = post_minutes(rhythm, utc(2026, 12, 1, 15, 0), ["U0AE", "U0NY"])   # Tue 10:00 EST
    svc.sign_off(rhythm.db, TEAM, "U0AE", mid)
    tick(rhythm, utc(2026, 12, 1, 15, 1), utc(2026, 12, 2, 14, 59))
    assert rhythm.dms() == []
    tick(rhythm, utc(2026, 12, 2, 15, 0))
    [dm] = rhythm.dms()
    assert dm.params["channel"] == "U0NY"                  # the author signed: only the one still waiting
    text = blocks(dm)
    assert f"<https://acme.slack.com/archives/C0MEET/p{int(utc(2026, 12, 1, 15).timestamp())}000200|" \
           "Spring campaign kick-off>" in text
    assert "version 1" in text and "1 of 2 signed" in text
    [button] = dm.params["blocks"][-1]["elements"]
    assert (button["action_id"], button["value"]) == ("minutes_sign_off", f"{mid}:1")
    tick(rhythm, utc(2026, 12, 2, 15, 1), utc(2026, 12, 2, 23, 0), utc(2026, 12, 3, 14, 59))
    assert len(rhythm.dms()) == 1                          # once a day
    tick(rhythm, utc(2026, 12, 3, 15, 0))
    assert [(d.subject, d.period, d.due_at) for d in nudges(rhythm)] == [
        (f"{mid}:v1", "nudge-1", utc(2026, 12, 2, 15)), (f"{mid}:v1", "nudge-2", utc(2026, 12, 3, 15))]


def test_quiet_hours_move_a_seoul_nudge_to_nine_in_the_morning(rhythm):
    rhythm.person("U0NY", "America/New_York")
    rhythm.person("U0SEOUL", "Asia/Seoul")
    post_minutes(rhythm, utc(2026, 12, 1, 20, 0), ["U0NY", "U0SEOUL"])      # Tue 15:00 in New York
    tick(rhythm, utc(2026, 12, 2, 20, 0))                  # Wed 15:00 New York = Thu 05:00 Seoul
    assert [c.params["channel"] for c in rhythm.dms()] == ["U0NY"]
    tick(rhythm, utc(2026, 12, 2, 22, 0), utc(2026, 12, 2, 23, 59))      # 07:00, 08:59 in Seoul
    assert len(rhythm.dms()) == 1
    tick(rhythm, utc(2026, 12, 3, 0, 0))                   # Thu 09:00 in Seoul
    assert [c.params["channel"] for c in rhythm.dms()] == ["U0NY", "U0SEOUL"]
    tick(rhythm, utc(2026, 12, 3, 20, 0), utc(2026, 12, 4, 0, 0))
    seoul = [(d.period, d.due_at) for d in nudges(rhythm, "U0SEOUL")]
    assert seoul == [("nudge-1", utc(2026, 12, 3, 0)), ("nudge-2", utc(2026, 12, 4, 0))]   # Fri 09:00 KST
    assert [d.due_at for d in nudges(rhythm, "U0NY")] == [utc(2026, 12, 2, 20), utc(2026, 12, 3, 20)]


def test_weekend_nudges_wait_for_monday_morning_and_come_once(rhythm):
    rhythm.person("U0MAD", "Europe/Madrid")
    post_minutes(rhythm, utc(2026, 12, 4, 9, 0), ["U0MAD"])               # Fri 10:00 in Madrid
    t = utc(2026, 12, 5, 0)
    while t <= utc(2026, 12, 7, 7, 0):                     # Saturday, Sunday, Monday before 08:00 CET
        tick(rhythm, t)
        t += timedelta(hours=3)
    tick(rhythm, utc(2026, 12, 7, 7, 59))
    assert rhythm.dms() == []
    tick(rhythm, utc(2026, 12, 7, 8, 0))                   # Mon 09:00 CET
    assert len(rhythm.dms("U0MAD")) == 1
    tick(rhythm, utc(2026, 12, 7, 9, 0), utc(2026, 12, 7, 18, 0))      # Monday's own 10:00 nudge folds in
    assert len(rhythm.dms()) == 1
    tick(rhythm, utc(2026, 12, 8, 9, 0))                   # Tue 10:00 CET
    assert [(d.period, d.due_at) for d in nudges(rhythm)] == [("nudge-1", utc(2026, 12, 7, 8)),
                                                              ("nudge-4", utc(2026, 12, 8, 9))]


def test_whoever_signs_or_asks_for_changes_is_not_nudged_again(rhythm, slack):
    for who in ("U0ALICE", "U0BOB", "U0CAROL"):
        rhythm.person(who, "America/New_York")
    mid = post_minutes(rhythm, utc(2026, 12, 1, 15, 0), ["U0ALICE", "U0BOB", "U0CAROL"])
    svc.request_changes(rhythm.db, TEAM, "U0CAROL", mid, "The budget line is wrong.")
    tick(rhythm, utc(2026, 12, 2, 15, 0))
    assert sorted(c.params["channel"] for c in rhythm.dms()) == ["U0ALICE", "U0BOB"]
    # Alice's second nudge hits a 429; she signs before the retry: the retry is dropped, not sent.
    slack.fail_next("chat.postMessage", retry_after=60)
    tick(rhythm, utc(2026, 12, 3, 15, 0))
    [retry] = rhythm.deliveries(status=DeliveryStatus.retry)
    svc.sign_off(rhythm.db, TEAM, retry.recipient, mid)
    tick(rhythm, utc(2026, 12, 3, 15, 2))
    [dropped] = rhythm.deliveries(status=DeliveryStatus.skipped)
    assert (dropped.id, dropped.error) == (retry.id, "no longer relevant")
    other = "U0BOB" if retry.recipient == "U0ALICE" else "U0ALICE"
    assert len(rhythm.dms(retry.recipient)) == 2 and len(rhythm.dms(other)) == 2   # one of them the 429
    tick(rhythm, utc(2026, 12, 4, 15, 0), utc(2026, 12, 7, 14, 0))
    assert {d.recipient for d in rhythm.deliveries(period="nudge-3")} == {other}
    assert rhythm.deliveries(recipient="U0CAROL") == []
    svc.sign_off(rhythm.db, TEAM, other, mid)
    before = len(rhythm.deliveries())
    tick(rhythm, utc(2026, 12, 8, 15, 0), utc(2026, 12, 9, 15, 0))       # fully signed: silence
    assert len(rhythm.deliveries()) == before


def test_an_edit_starts_the_count_again_for_everyone_who_must_sign_the_new_version(rhythm):
    rhythm.person("U0ALICE", "America/New_York")
    rhythm.person("U0BOB", "America/New_York")
    mid = post_minutes(rhythm, utc(2026, 12, 1, 15, 0), ["U0ALICE", "U0BOB"])
    svc.sign_off(rhythm.db, TEAM, "U0ALICE", mid)
    tick(rhythm, utc(2026, 12, 2, 15, 0), utc(2026, 12, 3, 15, 0))
    assert [d.period for d in nudges(rhythm, "U0BOB")] == ["nudge-1", "nudge-2"]
    draft = svc.MinutesDraft(kind=MeetingKind.client_meeting, title="Spring campaign kick-off",
                             held_on=date(2026, 12, 1), attendee_ids=["U0ALICE", "U0BOB"],
                             decisions="Go with concept C instead.")
    assert svc.edit(rhythm.db, TEAM, "U0AE", mid, draft, today=date(2026, 12, 3)).changed
    with rhythm.db.transaction() as s:     # the edit happened at 12:00 EST on Thursday
        m = s.get(Minutes, mid)
        m.updated_at = utc(2026, 12, 3, 17, 0)
        s.add(m)
    tick(rhythm, utc(2026, 12, 4, 15, 0), utc(2026, 12, 4, 16, 59))    # version 1's nudge-3 is gone
    assert len(rhythm.dms()) == 2
    tick(rhythm, utc(2026, 12, 4, 17, 0))                  # 24 h after the edit
    v2 = [d for d in nudges(rhythm) if d.subject == f"{mid}:v2"]
    assert sorted((d.recipient, d.period, d.due_at) for d in v2) == [
        ("U0ALICE", "nudge-1", utc(2026, 12, 4, 17)), ("U0BOB", "nudge-1", utc(2026, 12, 4, 17))]
    alice = blocks(rhythm.dms("U0ALICE")[-1])
    assert "changed since you signed (now version 2)" in alice and "0 of 2 signed" in alice
    assert "Please sign off" in blocks(rhythm.dms("U0BOB")[-1])


def test_at_most_seven_nudges_one_a_working_day(rhythm):
    rhythm.person("U0MAD", "Europe/Madrid")
    post_minutes(rhythm, utc(2026, 11, 30, 9, 0), ["U0MAD"])              # Mon 10:00 CET
    t = utc(2026, 11, 30, 12)
    while t <= utc(2026, 12, 16, 12):
        tick(rhythm, t)
        t += timedelta(hours=6)
    sent = [(d.period, d.due_at) for d in nudges(rhythm)]
    assert sent == [("nudge-1", utc(2026, 12, 1, 9)), ("nudge-2", utc(2026, 12, 2, 9)),
                    ("nudge-3", utc(2026, 12, 3, 9)), ("nudge-4", utc(2026, 12, 4, 9)),
                    ("nudge-5", utc(2026, 12, 7, 8)),      # Saturday's, on Monday 09:00; Sunday's and Monday's fold in
                    ("nudge-8", utc(2026, 12, 8, 9)), ("nudge-9", utc(2026, 12, 9, 9))]
    assert len(rhythm.dms("U0MAD")) == 7


def test_minutes_never_posted_are_not_nudged(rhythm):
    rhythm.person("U0NY", "America/New_York")
    draft = svc.MinutesDraft(kind=MeetingKind.internal_meeting, title="Private", held_on=date(2026, 12, 1),
                             attendee_ids=["U0NY"])
    svc.create(rhythm.db, TEAM, "U0AE", "G0PRIVATE", draft, today=date(2026, 12, 1))
    tick(rhythm, utc(2026, 11, 24, 15), utc(2026, 11, 25, 15), utc(2026, 12, 2, 15))
    assert rhythm.deliveries() == []


def test_sign_off_button_in_the_nudge_dm_signs_through_the_real_endpoint(bot, rhythm, slack):
    rhythm.person("U0ALICE", "Europe/Madrid")
    rhythm.person("U0BOB", "Europe/Madrid")
    mid = post_minutes(rhythm, utc(2026, 12, 1, 9, 0), ["U0ALICE", "U0BOB"])
    tick(rhythm, utc(2026, 12, 2, 9, 0))
    [delivery] = [d for d in nudges(rhythm) if d.recipient == "U0ALICE"]
    button = rhythm.dms("U0ALICE")[0].params["blocks"][-1]["elements"][0]
    assert delivery.channel == "D0ALICE"
    r = bot.click(button["action_id"], button["value"], user="U0ALICE", channel=delivery.channel,
                  message_ts=delivery.ts)
    assert r.status_code == 200
    with bot.db.transaction() as s:
        m = s.get(Minutes, mid)
    update = slack.wait_for("chat.update", where=lambda c: c.params["ts"] == m.message_ts)[0]
    assert update.params["channel"] == "C0MEET" and "1 of 2 signed" in blocks(update)

    def signed():
        with bot.db.transaction() as s:
            [so] = s.exec(select(SignOff)).all()
            assert (so.signer_id, so.content_hash, so.version) == ("U0ALICE", m.content_hash, 1)
    eventually(signed)
    # A second click from the same DM counts once and says so, in the DM.
    bot.click(button["action_id"], button["value"], user="U0ALICE", channel=delivery.channel, message_ts=delivery.ts)
    assert "already signed version 1" in slack.wait_for("response_url")[0].params["text"]
    tick(rhythm, utc(2026, 12, 3, 9, 0))
    assert [d.recipient for d in nudges(rhythm) if d.period == "nudge-2"] == ["U0BOB"]
    assert "1 of 2 signed" in blocks(rhythm.dms("U0BOB")[-1])
