"""/ae settings and /ae away: the modal (pre-fill, validation per block, admin-only workspace zone),
the away command, and what both do to the reminders the scheduler sends."""
from __future__ import annotations

import copy
import json
from datetime import date, timedelta

from harness import example, fill_state
from rhythm import TEAM, utc
from sqlmodel import select

from bot.i18n import text_for
from bot.models import AuditEvent, DeliveryStatus, Goal, Person, Workspace
from scheduler.clock import at_local

TODAY = date.today()
EN = text_for("en")


def submit(bot, view: dict, values: dict, user: str = "U0AE"):
    """Submit a view as Slack does: untouched text inputs keep their initial value; checkboxes too."""
    boxes = {b["block_id"]: b["element"] for b in view["blocks"]
             if b.get("type") == "input" and b["element"]["type"] == "checkboxes"}
    filled = {b["block_id"]: b["element"].get("initial_value", b["element"].get("initial_option"))
              for b in view["blocks"] if b.get("type") == "input" and b["block_id"] not in boxes}
    filled.update({k: v for k, v in values.items() if k not in boxes})
    state = fill_state({**view, "blocks": [b for b in view["blocks"] if b.get("block_id") not in boxes]}, filled)
    for bid, el in boxes.items():
        chosen = values.get(bid, [o["value"] for o in el.get("initial_options", [])])
        state[bid] = {el["action_id"]: {"type": "checkboxes",
                                        "selected_options": [o for o in el["options"] if o["value"] in chosen]}}
    p = example("view_submission.json")
    p["user"] = {**p["user"], "id": user, "team_id": TEAM}
    v = copy.deepcopy(view)
    v["state"] = {"values": state}
    p["view"] = {**p["view"], **v}
    return bot.post_payload(p)


def open_settings(bot, user: str = "U0AE", n: int = 1) -> dict:
    r = bot.command("/ae", "settings", user=user)
    assert r.status_code == 200
    return bot.opened_view(n)


def block(view: dict, block_id: str) -> dict | None:
    return next((b for b in view["blocks"] if b.get("block_id") == block_id), None)


def initial(view: dict, block_id: str):
    el = block(view, block_id)["element"]
    if el["type"] == "checkboxes":
        return [o["value"] for o in el.get("initial_options", [])]
    return el.get("initial_value")


def person(db, user: str) -> Person | None:
    with db.transaction() as s:
        return s.exec(select(Person).where(Person.team_id == TEAM, Person.user_id == user)).first()


def workspace_tz(db) -> str | None:
    with db.transaction() as s:
        w = s.exec(select(Workspace).where(Workspace.team_id == TEAM)).first()
        return w.tz if w else None


def saved(bot, r, user: str = "U0AE") -> Person:
    assert r.status_code == 200 and r.content in (b"", b"{}"), r.text
    return person(bot.db, user)


def answer(bot, slack, text: str, user: str = "U0AE") -> str:
    """What `/ae away …` said: in the ack (bad syntax) or through the response_url (after the write)."""
    n = len(slack.calls_to("response_url"))
    r = bot.command("/ae", text, user=user)
    assert r.status_code == 200
    if r.content not in (b"", b"{}"):
        return r.json()["text"] if "json" in r.headers.get("content-type", "") else r.text
    return slack.wait_for("response_url", n + 1)[n].params["text"]


# --- the modal -----------------------------------------------------------------------------------

def test_modal_is_prefilled_with_current_values(bot, rhythm, slack):
    rhythm.person("U0AE", "Europe/Madrid", tz_override="Asia/Seoul", reminder_times={"item_due": "07:15"},
                  opt_out="daily_call,quarterly_review,yearly_review", weekly_planning=True)
    view = open_settings(bot)
    assert view["callback_id"] == "settings_modal"
    assert initial(view, "tz") == "Asia/Seoul"
    assert "America/New_York" in block(view, "tz")["hint"]["text"]      # what Slack says (users.info)
    assert {r: initial(view, f"time_{r}") for r in ("item_due", "daily_call", "weekly_report", "weekly_planning",
                                                    "quarterly_review")} == \
        {"item_due": "07:15", "daily_call": "09:30", "weekly_report": "12:00", "weekly_planning": "19:00",
         "quarterly_review": "10:00"}
    assert initial(view, "opt_out") == ["daily_call", "quarterly_review"]
    labels = [o["text"]["text"] for o in block(view, "opt_out")["element"]["options"]]
    assert len(labels) == 6 and not any("_" in label for label in labels)    # plain words, not rule names
    assert initial(view, "weekly_planning") == ["on"]
    assert block(view, "workspace_tz") is None                               # not an admin

    # Submitting untouched writes the same values back (nothing to audit).
    p = saved(bot, submit(bot, view, {}))
    assert (p.tz_override, json.loads(p.reminder_times), p.opted_out, p.weekly_planning) == \
        ("Asia/Seoul", {"item_due": "07:15"}, {"daily_call", "quarterly_review", "yearly_review"}, True)
    with bot.db.transaction() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "settings.saved")).all() == []


def test_each_bad_field_gets_its_own_error_and_nothing_is_written(bot, slack):
    view = open_settings(bot)
    r = submit(bot, view, {"tz": "Europe/Madird", "time_item_due": "25:00", "time_weekly_report": "noon",
                           "time_daily_call": "9:30"})
    body = r.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"tz", "time_item_due", "time_weekly_report"}
    assert "Did you mean Europe/Madrid?" in body["errors"]["tz"]
    assert "HH:MM" in body["errors"]["time_item_due"] and "12:00" in body["errors"]["time_weekly_report"]
    r = submit(bot, view, {"tz": "Mars/Olympus_Mons"})
    assert set(r.json()["errors"]) == {"tz"}
    p = person(bot.db, "U0AE")
    assert p.tz_override is None and p.reminder_times == "{}" and not p.opt_out


def test_saving_writes_everything_in_one_go_with_an_audit_event(bot, slack):
    view = open_settings(bot)
    p = saved(bot, submit(bot, view, {"tz": "asia/seoul", "time_item_due": "7:15", "time_quarterly_review": "10:00",
                                      "opt_out": ["item_overdue", "quarterly_review"], "weekly_planning": ["on"]}))
    assert p.tz_override == "Asia/Seoul" and p.time_zone == "Asia/Seoul"
    assert json.loads(p.reminder_times) == {"item_due": "07:15"}          # defaults are not stored
    assert p.opt_out == "item_overdue,quarterly_review,yearly_review" and p.weekly_planning
    with bot.db.transaction() as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "settings.saved")).all()
    assert json.loads(event.detail)["tz_override"] == "Asia/Seoul" and event.actor_id == "U0AE"
    note = slack.wait_for("chat.postEphemeral")[0]
    assert "Asia/Seoul" in json.dumps(note.params["blocks"]) and "07:15" in json.dumps(note.params["blocks"])
    # Reopened: what was saved. Emptied: back to Slack's zone and the defaults.
    again = open_settings(bot, n=2)
    assert (initial(again, "tz"), initial(again, "time_item_due"), initial(again, "opt_out")) == \
        ("Asia/Seoul", "07:15", ["item_overdue", "quarterly_review"])
    p = saved(bot, submit(bot, again, {"tz": "", "time_item_due": "", "opt_out": [], "weekly_planning": []}))
    assert (p.tz_override, p.reminder_times, p.opt_out, p.weekly_planning) == (None, "{}", None, False)
    assert p.time_zone == "America/New_York"


def test_workspace_time_zone_is_for_admins_only(bot, slack):
    slack.users["U0BOSS"] = {"is_admin": True}
    slack.users["U0OWNER"] = {"is_owner": True}
    admin_view = open_settings(bot, user="U0BOSS")
    assert initial(admin_view, "workspace_tz") == "UTC"
    assert block(open_settings(bot, user="U0OWNER", n=2), "workspace_tz") is not None
    plain_view = open_settings(bot, user="U0AE", n=3)
    assert block(plain_view, "workspace_tz") is None

    # A non-admin who submits a form with the field (a forged payload) is refused on that field.
    r = submit(bot, admin_view, {"workspace_tz": "Asia/Tokyo", "tz": "Europe/Madrid"}, user="U0AE")
    assert set(r.json()["errors"]) == {"workspace_tz"}
    assert workspace_tz(bot.db) is None and person(bot.db, "U0AE").tz_override is None

    r = submit(bot, admin_view, {"workspace_tz": "Europe/Madird"}, user="U0BOSS")
    assert "Europe/Madrid" in r.json()["errors"]["workspace_tz"]
    saved(bot, submit(bot, admin_view, {"workspace_tz": "europe/madrid"}, user="U0BOSS"))
    assert workspace_tz(bot.db) == "Europe/Madrid"
    assert initial(open_settings(bot, user="U0BOSS", n=4), "workspace_tz") == "Europe/Madrid"


# --- /ae away -----------------------------------------------------------------------------------------

def test_away_parsing_and_limits(bot, slack):
    start, end = TODAY + timedelta(days=10), TODAY + timedelta(days=20)
    said = answer(bot, slack, f"away {start}..{end}")
    assert EN.date(start) in said and EN.date(end) in said                  # dates in the reader's format
    p = person(bot.db, "U0AE")
    assert (p.away_from, p.away_until) == (start, end)

    usage = "/ae away YYYY-MM-DD..YYYY-MM-DD"
    bad = {
        "away": "When are you away", "away next week": "two dates", f"away {start}": "two dates",
        f"away {TODAY}..2026-13-01": "two dates",
        f"away {end}..{start}": "first day first",
        f"away {TODAY - timedelta(days=9)}..{TODAY - timedelta(days=1)}": "in the past",
        f"away {TODAY}..{TODAY + timedelta(days=90)}": "the most is 90",
    }
    for text, why in bad.items():
        said = answer(bot, slack, text)
        assert why in said and usage in said and "\n" not in said, (text, said)
    p = person(bot.db, "U0AE")
    assert (p.away_from, p.away_until) == (start, end)                     # none of that changed anything

    assert EN.date(TODAY + timedelta(days=89)) in answer(bot, slack, f"away {TODAY}..{TODAY + timedelta(days=89)}")
    assert "Welcome back" in answer(bot, slack, "away off")
    assert person(bot.db, "U0AE").away_until is None
    assert "weren't set as away" in answer(bot, slack, "away off")
    with bot.db.transaction() as s:
        actions = [e.action for e in s.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["away.set", "away.set", "away.cleared"]


def test_ae_alone_and_help_still_answer_with_help(bot, slack):
    for text in ("", "help"):
        r = bot.command("/ae", text)
        body = json.dumps(r.json())
        assert "/ae settings" in body and "/ae away" in body and "/goals" in body
    assert slack.calls_to("views.open") == []


# --- the effect on the reminders, end to end ----------------------------------------------------------

def test_settings_move_and_silence_reminders(bot, rhythm, slack):
    rhythm.person("U0AE", "America/New_York")
    view = open_settings(bot)
    saved(bot, submit(bot, view, {"tz": "Asia/Seoul", "time_item_due": "07:15"}))
    rhythm.item("U0AE", date(2026, 12, 2))                              # Wednesday
    rhythm.tick(utc(2026, 11, 30, 22, 14))
    assert rhythm.dms("U0AE") == []
    rhythm.tick(utc(2026, 11, 30, 22, 15))                              # Tue Dec 1, 07:15 in Seoul
    [dm] = rhythm.dms("U0AE")
    assert dm.text.startswith("Due") and rhythm.deliveries()[0].due_at == utc(2026, 11, 30, 22, 15)
    rhythm.tick(utc(2026, 12, 1, 14, 0))                                # 09:00 in New York: nothing more
    assert len(rhythm.dms("U0AE")) == 1

    # Opting out of due-date reminders: the next one is recorded as skipped, not sent.
    saved(bot, submit(bot, open_settings(bot, n=2), {"opt_out": ["item_due"]}))
    plan = rhythm.item("U0AE", date(2026, 12, 9), text="Send the media plan")
    rhythm.tick(utc(2026, 12, 7, 22, 14))
    rhythm.tick(utc(2026, 12, 7, 22, 15))                               # Tue Dec 8, 07:15 in Seoul
    assert len(rhythm.dms("U0AE")) == 1
    assert [(d.period, d.status, d.error) for d in rhythm.deliveries(subject=str(plan))] == \
        [("2026-12-09:before", DeliveryStatus.skipped, "opted out")]


def test_workspace_zone_set_by_an_admin_times_reminders_of_people_slack_has_not_described(bot, rhythm, slack):
    slack.users["U0BOSS"] = {"is_admin": True}
    saved(bot, submit(bot, open_settings(bot, user="U0BOSS"), {"workspace_tz": "Asia/Seoul"}, user="U0BOSS"),
          user="U0BOSS")
    rhythm.item("U0NEW", date(2026, 12, 2))                             # no Person row: the workspace's zone
    rhythm.tick(utc(2026, 12, 1, 0, 0))                                 # 09:00 KST
    assert [c.params["channel"] for c in rhythm.dms()] == ["U0NEW"]


def test_away_command_silences_reminders_then_off_restores_them(bot, rhythm, slack):
    rhythm.person("U0AE", "Europe/Madrid")
    start, end = TODAY + timedelta(days=30), TODAY + timedelta(days=40)
    answer(bot, slack, f"away {start}..{end}")
    due = TODAY + timedelta(days=35)
    rhythm.item("U0AE", due)
    for day in (due - timedelta(days=3), due - timedelta(days=1), due):
        rhythm.tick(at_local(day, 9, 0, "Europe/Madrid"))
    assert rhythm.dms("U0AE") == []
    assert {d.error for d in rhythm.deliveries(rule="item_due")} == {"away"}

    assert "Welcome back" in answer(bot, slack, "away off")
    later = TODAY + timedelta(days=37)
    rhythm.item("U0AE", later, text="After all")
    rhythm.tick(at_local(later, 9, 0, "Europe/Madrid"))
    due_dms = {c.text for c in rhythm.dms("U0AE") if c.text.startswith("Due")}
    assert due_dms == {"Due: After all"}


def test_opting_out_of_goal_reviews_covers_the_yearly_one(bot, rhythm, slack):
    rhythm.person("U0AE", "Europe/Madrid")
    with rhythm.db.transaction() as s:
        s.add(Goal(team_id=TEAM, user_id="U0AE", period="2027-Q4", text="Close the year"))
    saved(bot, submit(bot, open_settings(bot), {"tz": "Europe/Madrid", "opt_out": ["quarterly_review"]}))
    rhythm.tick(utc(2028, 1, 3, 9, 0))                                  # Monday 10:00 CET
    assert rhythm.dms() == []
    assert {(d.rule, d.error) for d in rhythm.deliveries()} == {("quarterly_review", "opted out"),
                                                              ("yearly_review", "opted out")}


def test_a_slow_admin_check_still_answers_the_modal_with_its_errors(bot, slack):
    """An own_ack listener runs in the front and acks when its transaction has committed: a slow
    users.info makes the answer slower, never an empty ack followed by a message."""
    slack.users["U0BOSS"] = {"is_admin": True}
    view = open_settings(bot, user="U0BOSS")
    slack.latency = 0.3                      # users.info (asked before acking, for the admin check) is slow
    r = submit(bot, view, {"workspace_tz": "Europe/Madird"}, user="U0BOSS")
    slack.latency = 0
    assert r.status_code == 200 and r.json()["response_action"] == "errors"
    assert "Europe/Madrid" in json.dumps(r.json()["errors"])
    assert workspace_tz(bot.db) is None
