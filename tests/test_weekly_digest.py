"""Weekly digest: Monday 09:00 in the workspace's zone, one post per channel with activity in the week,
nothing for quiet channels; the week's minutes, decisions, items and sign-offs; cut for busy channels."""
from __future__ import annotations

import json
from datetime import date, datetime

from rhythm import TEAM, utc

from bot.models import ActionItem, DeliveryStatus, MeetingKind, Minutes, Workspace
from bot.services import minutes as svc
from bot.services import tasks
from scheduler.rules import all_rules
from scheduler.rules.digest import WeeklyDigest

RULES = [WeeklyDigest()]   # alone: other rules' messages would muddle the counts


def test_the_rule_is_registered():
    assert [r for r in all_rules() if r.name == "weekly_digest" and r.to_person is False]


def workspace(rhythm, tz: str, team: str = TEAM) -> None:
    with rhythm.db.transaction() as s:
        s.add(Workspace(team_id=team, tz=tz))


def write(rhythm, at: datetime, channel: str, title: str, attendees=("U0ALICE", "U0BOB"), items=(),
          decisions: str = "", team: str = TEAM) -> tuple[int, list[int]]:
    """Minutes (and their action items) written and posted in `channel` at `at`."""
    draft = svc.MinutesDraft(kind=MeetingKind.client_meeting, title=title, held_on=at.date(),
                             attendee_ids=list(attendees), decisions=decisions,
                             items=[svc.ItemDraft(text=t, owner_id=o, due_on=d) for t, o, d in items])
    card, made = svc.create(rhythm.db, team, "U0AE", channel, draft, today=at.date())
    ts = f"{int(at.timestamp())}.000300"
    svc.set_message(rhythm.db, team, card.minutes.id, channel, ts,
                    f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}")
    with rhythm.db.transaction() as s:   # the rows say when they were written
        m = s.get(Minutes, card.minutes.id)
        m.created_at = m.updated_at = at
        s.add(m)
        for i in made:
            item = s.get(ActionItem, i.id)
            item.created_at = at
            s.add(item)
    return card.minutes.id, [i.id for i in made]


def done(rhythm, item_id: int, at: datetime, team: str = TEAM) -> None:
    tasks.complete(rhythm.db, team, "U0AE", item_id)   # the author may
    with rhythm.db.transaction() as s:
        row = s.get(ActionItem, item_id)
        row.done_at = at
        s.add(row)


def posts(rhythm, channel=None):
    return [c for c in rhythm.dms(channel) if c.params["channel"].startswith("C")]


def text(call) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def test_madrid_workspace_digest_at_monday_0900_local_per_active_channel(rhythm):
    workspace(rhythm, "Europe/Madrid")
    write(rhythm, utc(2026, 11, 24, 10), "C0ACME", "Acme kick-off")
    write(rhythm, utc(2026, 11, 27, 16), "C0ACME", "Acme creative review")
    _, [globex_item] = write(rhythm, utc(2026, 11, 2, 10), "C0GLOBEX", "Globex intro",
                             items=[("Send the deck", "U0BOB", date(2026, 11, 20))])
    done(rhythm, globex_item, utc(2026, 11, 26, 9))        # old minutes, an item done this week: active
    write(rhythm, utc(2026, 11, 2, 10), "C0QUIET", "Initech intro",
          items=[("Call back", "U0BOB", date(2026, 11, 10))])   # only an overdue item: quiet
    write(rhythm, utc(2026, 11, 23, 7, 59), "C0EARLY", "Before last Monday 09:00")   # last week's digest
    write(rhythm, utc(2026, 11, 25, 12), "C0OTHER", "Other team's minutes", team="T0OTHER")   # UTC workspace
    rhythm.tick(utc(2026, 11, 30, 7, 59), RULES)
    assert posts(rhythm) == []
    rhythm.tick(utc(2026, 11, 30, 8, 0), RULES)            # Monday 09:00 CET
    assert sorted(c.params["channel"] for c in posts(rhythm)) == ["C0ACME", "C0GLOBEX"]
    rhythm.tick(utc(2026, 11, 30, 8, 1), RULES)
    rhythm.tick(utc(2026, 11, 30, 8, 59), RULES)
    assert len(posts(rhythm)) == 2
    rhythm.tick(utc(2026, 11, 30, 9, 0), RULES)            # Monday 09:00 in the UTC workspace
    rhythm.tick(utc(2026, 11, 30, 20, 0), RULES)
    assert sorted(c.params["channel"] for c in posts(rhythm)) == ["C0ACME", "C0GLOBEX", "C0OTHER"]
    sent = rhythm.deliveries(rule="weekly_digest", status=DeliveryStatus.sent)
    assert {(d.team_id, d.subject, d.recipient, d.period, d.due_at) for d in sent} == {
        (TEAM, "C0ACME", "C0ACME", "2026-W49", utc(2026, 11, 30, 8)),
        (TEAM, "C0GLOBEX", "C0GLOBEX", "2026-W49", utc(2026, 11, 30, 8)),
        ("T0OTHER", "C0OTHER", "C0OTHER", "2026-W49", utc(2026, 11, 30, 9))}
    assert len(rhythm.deliveries()) == 3                   # quiet channels: not even a skipped row


def test_summer_time_moves_the_madrid_digest_to_0700_utc(rhythm):
    workspace(rhythm, "Europe/Madrid")
    write(rhythm, utc(2026, 6, 24, 10), "C0ACME", "Acme summer review")
    rhythm.tick(utc(2026, 6, 29, 6, 59), RULES)
    assert posts(rhythm) == []
    rhythm.tick(utc(2026, 6, 29, 7, 0), RULES)             # Monday 09:00 CEST
    [post] = posts(rhythm)
    assert post.params["channel"] == "C0ACME" and rhythm.deliveries()[0].period == "2026-W27"


def test_digest_content_minutes_decisions_items_and_who_still_has_to_sign(rhythm):
    workspace(rhythm, "Europe/Madrid")
    rhythm.person("U0ALICE", "Europe/Madrid", name="Alice Doe")
    _, [_overdue, _future] = write(rhythm, utc(2026, 11, 9, 10), "C0ACME", "Acme brief",
                                items=[("Book the venue", "U0ALICE", date(2026, 11, 27)),
                                       ("Print the flyers", "U0ALICE", date(2026, 12, 20))])
    mid, [plan, _copy] = write(rhythm, utc(2026, 11, 24, 10), "C0ACME", "Acme kick-off <3",
                              decisions="Go with concept B.\nBudget stays at 40k.",
                              items=[("Send the media plan", "U0ALICE", date(2026, 12, 10)),
                                     ("Write the copy", "U0BOB", date(2026, 12, 11))])
    done(rhythm, plan, utc(2026, 11, 26, 9))
    svc.sign_off(rhythm.db, TEAM, "U0ALICE", mid)
    rhythm.tick(utc(2026, 11, 30, 8, 0), RULES)
    [post] = posts(rhythm, "C0ACME")
    body = text(post)
    link = f"<https://acme.slack.com/archives/C0ACME/p{int(utc(2026, 11, 24, 10).timestamp())}000300|"
    assert link + "Acme kick-off &lt;3>" in body and "1 of 2 signed" in body
    assert "Go with concept B. Budget stays at 40k." in body
    assert "Done (1)" in body and "Send the media plan — Alice Doe" in body
    assert "Opened (2)" in body and "Write the copy — <@U0BOB>" in body
    assert "Overdue (1)" in body and "Book the venue" in body and "Print the flyers" not in body
    assert "Still to sign (2)" in body            # this week's (Bob) and the brief from 3 weeks ago
    assert "Acme kick-off &lt;3> (version 1): <@U0BOB>" in body
    assert "Acme brief> (version 1): <@U0ALICE>, <@U0BOB>" in body   # she has not signed that one
    assert post.params["text"] == "The week in review — minutes: 1, items done: 1, opened: 2, overdue: 1"


def test_a_busy_channel_is_cut_to_fit_block_kit(rhythm):
    workspace(rhythm, "Europe/Madrid")
    signers = [f"U0P{i:03d}" for i in range(30)]
    item_ids = []
    for n in range(40):
        _, ids = write(rhythm, utc(2026, 11, 24, 10, n), "C0BUSY", f"Meeting {n} " + "x" * 130,
                       attendees=signers, decisions="D" * 5000,
                       items=[(f"Item {n}.{k} " + "y" * 1500, "U0BOB", date(2026, 11, 26)) for k in range(5)])
        item_ids += ids
    for i in item_ids[:100]:
        done(rhythm, i, utc(2026, 11, 27, 12))
    rhythm.tick(utc(2026, 11, 30, 8, 0), RULES)
    [d] = rhythm.deliveries()
    assert d.status == DeliveryStatus.sent, d.error        # the fake Slack refuses what real Slack refuses
    [post] = posts(rhythm)
    blocks = post.params["blocks"]
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    body = text(post)
    assert "Minutes (40)" in body and "…and 28 more" in body          # 12 shown
    assert "Done (100)" in body and "…and 88 more" in body
    assert "Opened (200)" in body and "…and 188 more" in body
    assert "Overdue (100)" in body and "Still to sign (40)" in body
    assert " and 20 more" in body                                      # 30 signers waiting: 10 named
