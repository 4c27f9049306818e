"""Goal reviews: quarterly (first weekday, 10:00 local, to people with goals) and yearly (January),
the Done / Not done buttons on the review DM, and the /goals modal."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from harness import eventually
from rhythm import TEAM, utc
from sqlmodel import select

from bot.models import AuditEvent, DeliveryStatus, Goal, GoalStatus
from scheduler.clock import quarter


def goal(rhythm, user: str, period: str, text: str, status: GoalStatus = GoalStatus.open, team: str = TEAM) -> int:
    with rhythm.db.transaction() as s:
        g = Goal(team_id=team, user_id=user, period=period, text=text, status=status)
        s.add(g)
        s.flush()
        return g.id


def goals(db, user: str, period: str | None = None) -> list[Goal]:
    with db.transaction() as s:
        q = select(Goal).where(Goal.user_id == user).order_by(Goal.id)
        return [g for g in s.exec(q) if period is None or g.period == period]


def audit(db, action: str) -> list[AuditEvent]:
    with db.transaction() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def sent(rhythm, rule: str) -> list[tuple[str, str]]:
    return [(d.recipient, d.period) for d in rhythm.deliveries(rule=rule, status=DeliveryStatus.sent)]


def dump(call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def values(blocks: list, action_id: str) -> list[str]:
    return [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id]


# --- the quarterly review ---------------------------------------------------------------------------

def test_quarterly_review_at_ten_local_in_two_zones_to_people_with_goals_only(rhythm):
    rhythm.person("U0SEOUL", "Asia/Seoul")
    rhythm.person("U0NY", "America/New_York")
    rhythm.person("U0OLD", "UTC")
    rhythm.person("U0NONE", "UTC")
    seoul = [goal(rhythm, "U0SEOUL", "2026-Q3", "Win the Hanbit pitch", GoalStatus.done),
             goal(rhythm, "U0SEOUL", "2026-Q3", "Two case studies")]
    goal(rhythm, "U0NY", "2026-Q3", "Renew <Acme> retainer")
    goal(rhythm, "U0OLD", "2026-Q2", "Only an older quarter")           # not the quarter being reviewed
    goal(rhythm, "U0NY", "2026-Q4", "Already set for the new quarter")  # not reviewed yet
    # Thursday 2026-10-01 is the first weekday of Q4: 10:00 KST = 01:00 UTC, 10:00 EDT = 14:00 UTC.
    rhythm.tick(utc(2026, 10, 1, 0, 59))
    assert rhythm.dms() == []
    rhythm.tick(utc(2026, 10, 1, 1, 0))
    [dm] = rhythm.dms()
    assert dm.params["channel"] == "U0SEOUL" and "Q3 2026" in dm.text
    assert values(dm.params["blocks"], "goal_done") == [str(i) for i in seoul]
    assert values(dm.params["blocks"], "goal_not_done") == [str(i) for i in seoul]
    assert "goals_open" in dump(dm) and "1 of 2 done" in dump(dm)
    rhythm.tick(utc(2026, 10, 1, 13, 59))
    assert len(rhythm.dms()) == 1
    rhythm.tick(utc(2026, 10, 1, 14, 0))
    assert [c.params["channel"] for c in rhythm.dms()] == ["U0SEOUL", "U0NY"]
    ny = rhythm.dms("U0NY")[0]
    assert "&lt;Acme&gt;" in dump(ny) and "Already set" not in dump(ny)
    assert [d.due_at for d in rhythm.deliveries(rule="quarterly_review")] == [utc(2026, 10, 1, 1), utc(2026, 10, 1, 14)]
    # Friday the 2nd matches the cron too, but it is the same quarter under review: nothing more.
    for h in (1, 14, 20):
        rhythm.tick(utc(2026, 10, 2, h, 0))
    assert sorted(sent(rhythm, "quarterly_review")) == [("U0NY", "2026-Q3"), ("U0SEOUL", "2026-Q3")]
    assert len(rhythm.dms()) == 2 and sent(rhythm, "yearly_review") == []   # October: no yearly review


def test_quarter_starting_on_a_saturday_is_reviewed_on_monday(rhythm):
    rhythm.person("U0MAD", "Europe/Madrid")
    goal(rhythm, "U0MAD", "2028-Q1", "Open the Lisbon office")
    # 2028-04-01 is a Saturday: the cron's weekday filter skips Sat/Sun and lands on Monday the 3rd.
    for day in (1, 2):
        rhythm.tick(utc(2028, 4, day, 8, 0))                      # 10:00 CEST Sat, Sun
    assert rhythm.dms() == []
    rhythm.tick(utc(2028, 4, 3, 7, 59))
    assert rhythm.dms() == []
    rhythm.tick(utc(2028, 4, 3, 8, 0))                            # Monday 10:00 CEST
    assert sent(rhythm, "quarterly_review") == [("U0MAD", "2028-Q1")]
    rhythm.tick(utc(2028, 4, 4, 8, 0))
    assert len(rhythm.dms()) == 1


def test_review_time_follows_the_persons_setting(rhythm):
    rhythm.person("U0EARLY", "America/Mexico_City", reminder_times={"quarterly_review": "08:15"})
    goal(rhythm, "U0EARLY", "2027-Q2", "Land the brewery account")
    rhythm.tick(utc(2027, 7, 1, 14, 14))                          # 2027-07-01 Thu, 08:15 CST = 14:15 UTC
    assert rhythm.dms() == []
    rhythm.tick(utc(2027, 7, 1, 14, 15))
    assert sent(rhythm, "quarterly_review") == [("U0EARLY", "2027-Q2")]


# --- the yearly review ---------------------------------------------------------------------------

def test_yearly_review_in_january_with_the_2028_saturday(rhythm):
    rhythm.person("U0MAD", "Europe/Madrid")
    rhythm.person("U0SEOUL", "Asia/Seoul")
    rhythm.person("U0GONE", "UTC")
    goal(rhythm, "U0MAD", "2027-Q1", "Hire a media planner", GoalStatus.done)
    goal(rhythm, "U0MAD", "2027-Q2", "Win two B accounts", GoalStatus.not_done)
    goal(rhythm, "U0MAD", "2027-Q4", "Close the year without overdue invoices")
    goal(rhythm, "U0SEOUL", "2027-Q2", "Launch the Busan campaign", GoalStatus.done)   # no Q4 goals
    goal(rhythm, "U0GONE", "2026-Q4", "Goals from the year before last only")
    # 2028-01-01 is a Saturday: both reviews come on Monday 2028-01-03 at 10:00 local.
    for day in (1, 2):
        rhythm.tick(utc(2028, 1, day, 1, 0))
        rhythm.tick(utc(2028, 1, day, 9, 0))
    assert rhythm.dms() == []
    rhythm.tick(utc(2028, 1, 3, 1, 0))                            # 10:00 KST Monday
    assert sent(rhythm, "yearly_review") == [("U0SEOUL", "2027")]
    assert sent(rhythm, "quarterly_review") == []                 # Seoul set no goals for 2027-Q4
    rhythm.tick(utc(2028, 1, 3, 8, 59))
    assert len(rhythm.dms()) == 1
    rhythm.tick(utc(2028, 1, 3, 9, 0))                            # 10:00 CET Monday
    assert sorted(sent(rhythm, "yearly_review")) == [("U0MAD", "2027"), ("U0SEOUL", "2027")]
    assert sent(rhythm, "quarterly_review") == [("U0MAD", "2027-Q4")]
    assert {d.due_at for d in rhythm.deliveries(recipient="U0MAD")} == {utc(2028, 1, 3, 9)}
    [year] = [c for c in rhythm.dms("U0MAD") if "in goals" in c.text]
    text = dump(year)
    assert text.index("Q1 2027") < text.index("Hire a media planner") < text.index("Q2 2027") \
        < text.index("Win two B accounts") < text.index("Q4 2027")
    assert "✅ Hire a media planner" in text and "❌ Win two B accounts" in text and "⬜ Close the year" in text
    assert "1 of 3 done" in year.text and "goals_open" in text and "Q3 2027" not in text
    rhythm.tick(utc(2028, 1, 4, 9, 0))
    assert len(rhythm.dms()) == 3 and not rhythm.dms("U0GONE")
    # April: the quarterly review only.
    goal(rhythm, "U0MAD", "2028-Q1", "Open the Lisbon office")
    rhythm.tick(utc(2028, 4, 3, 8, 0))
    assert sent(rhythm, "yearly_review") == [("U0SEOUL", "2027"), ("U0MAD", "2027")]
    assert ("U0MAD", "2028-Q1") in sent(rhythm, "quarterly_review")


# --- Done / Not done on the review DM ---------------------------------------------------------------

def _review(rhythm, user="U0ANA"):
    rhythm.person(user, "UTC")
    ids = [goal(rhythm, user, "2026-Q3", "Win the Hanbit pitch"), goal(rhythm, user, "2026-Q3", "Two case studies")]
    rhythm.tick(utc(2026, 10, 1, 10, 0))
    [d] = rhythm.deliveries(rule="quarterly_review", recipient=user)
    assert d.status == DeliveryStatus.sent and d.channel.startswith("D") and d.ts
    return ids, d


def test_done_and_not_done_update_the_dm_in_place_owner_only_and_idempotent(bot, rhythm, slack):
    (first, second), d = _review(rhythm)
    bot.click("goal_done", str(first), user="U0ANA", channel=d.channel, message_ts=d.ts)
    [upd] = slack.wait_for("chat.update")
    assert upd.params["channel"] == d.channel and upd.params["ts"] == d.ts
    assert "✅ Win the Hanbit pitch" in dump(upd) and "1 of 2 done" in dump(upd)
    assert [g.status for g in goals(bot.db, "U0ANA")] == [GoalStatus.done, GoalStatus.open]
    # The same click again (Slack retries, double clicks): nothing changes, nothing is logged twice.
    bot.click("goal_done", str(first), user="U0ANA", channel=d.channel, message_ts=d.ts)
    bot.click("goal_not_done", str(second), user="U0ANA", channel=d.channel, message_ts=d.ts)
    upd = slack.wait_for("chat.update", 2)[1]
    assert "❌ Two case studies" in dump(upd) and "✅ Win the Hanbit pitch" in dump(upd)
    assert len(slack.calls_to("chat.update")) == 2
    assert [len(audit(bot.db, a)) for a in ("goal.done", "goal.not_done")] == [1, 1]
    # Someone else's click is refused and changes nothing.
    bot.click("goal_done", str(second), user="U0MALLORY", channel=d.channel, message_ts=d.ts)
    refusal = slack.wait_for("response_url", where=lambda c: "Only" in (c.params.get("text") or ""))[0]
    assert "<@U0ANA>" in refusal.params["text"]
    assert [g.status for g in goals(bot.db, "U0ANA")] == [GoalStatus.done, GoalStatus.not_done]
    # Changing one's mind is allowed: Not done → Done.
    bot.click("goal_done", str(second), user="U0ANA", channel=d.channel, message_ts=d.ts)
    upd = slack.wait_for("chat.update", 3)[2]
    assert "2 of 2 done" in dump(upd)
    assert len(audit(bot.db, "goal.done")) == 2 and len(slack.calls_to("chat.update")) == 3


def test_set_this_quarters_goals_button_opens_the_modal_for_the_current_quarter(bot, rhythm, slack):
    _, d = _review(rhythm)
    now_q = quarter(datetime.now(UTC).date())
    goal(rhythm, "U0ANA", now_q, "Already on the list")
    bot.click("goals_open", "", user="U0ANA", channel=d.channel, message_ts=d.ts)
    view = bot.opened_view()
    assert json.loads(view["private_metadata"])["period"] == now_q
    [field] = [b for b in view["blocks"] if b.get("block_id") == "goals"]
    assert field["element"]["initial_value"] == "Already on the list" and field["element"]["multiline"]


# --- /goals -------------------------------------------------------------------------------------------

def test_goals_modal_validates_then_saves_and_replaces_open_goals(bot, slack):
    r = bot.command("/goals", "", user="U0AE")
    assert r.status_code == 200
    view = bot.opened_view()
    period = json.loads(view["private_metadata"])["period"]
    assert period == quarter(datetime.now(UTC).date())
    assert "initial_value" not in view["blocks"][1]["element"]

    r = bot.submit(view, {"goals": "\n".join(f"Goal {i}" for i in range(11))})
    assert r.json()["response_action"] == "errors" and "10" in r.json()["errors"]["goals"]
    r = bot.submit(view, {"goals": "Short one\n" + "x" * 301})
    assert "Goal 2" in r.json()["errors"]["goals"] and "300" in r.json()["errors"]["goals"]
    assert goals(bot.db, "U0AE") == []

    r = bot.submit(view, {"goals": "- Win the Hanbit pitch\n\n• Two case studies\nTwo case studies\n" + "y" * 300})
    assert r.status_code == 200 and r.content in (b"", b"{}")
    saved = eventually(lambda: _with_count(bot, 3))
    assert [g.text for g in saved] == ["Win the Hanbit pitch", "Two case studies", "y" * 300]
    assert {g.period for g in saved} == {period}
    note = slack.wait_for("chat.postEphemeral")[0]
    assert note.params["channel"] == "C0MEET" and note.params["user"] == "U0AE"

    # Reopened: pre-filled. Mark one done, then replace the rest: the done one stays, kept lines keep their ids.
    bot.command("/goals", "", user="U0AE")
    again = bot.opened_view(2)
    assert again["blocks"][1]["element"]["initial_value"] == "Win the Hanbit pitch\nTwo case studies\n" + "y" * 300
    with bot.db.transaction() as s:
        done = s.get(Goal, saved[0].id)
        done.status = GoalStatus.done
        s.add(done)
    r = bot.submit(again, {"goals": "Two case studies\nOpen the Lisbon office"})
    after = eventually(lambda: _with_count(bot, 3))
    assert [(g.text, g.status) for g in after] == [("Win the Hanbit pitch", GoalStatus.done),
                                                   ("Two case studies", GoalStatus.open),
                                                   ("Open the Lisbon office", GoalStatus.open)]
    assert after[1].id == saved[1].id
    [_, second] = audit(bot.db, "goals.set")
    assert json.loads(second.detail)["removed"] == ["y" * 300]


def _with_count(bot, n):
    found = goals(bot.db, "U0AE")
    assert len(found) == n, found
    return found


def test_goals_are_per_workspace(bot, rhythm, slack):
    mine = goal(rhythm, "U0ANA", "2026-Q3", "Acme's goal")
    # Another workspace's click is refused at the door (the bot is installed in one workspace).
    assert bot.click("goal_done", str(mine), user="U0ANA", team="T0OTHER", channel="D0ANA").status_code == 200
    assert goals(bot.db, "U0ANA")[0].status == GoalStatus.open
    assert not slack.calls_to("response_url")


def _refused(slack):
    assert any("no longer exists" in (c.params.get("text") or "") for c in slack.calls_to("response_url"))
