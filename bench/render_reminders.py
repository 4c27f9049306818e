"""Rendering reminders in each recipient's language (issue 9's benchmark).

    python bench/render_reminders.py [--reminders 10000] [--people 2500] [--database-url URL]

Builds a fresh schema (SQLite in a temporary folder unless given a URL) with N people whose Slack
locales cycle through en-US, es-ES, ko-KR and zh-CN (every fifth of them with a language chosen in
/ae settings instead), each owning an action item due tomorrow and one overdue that a colleague gave
them, the AE of a tier A client with open work, and with two goals last quarter. Then it renders
R deliveries — 30 % item due, 30 % item overdue (to whoever gave the item), 20 % daily progress
call, 20 % quarterly goal review — exactly as a tick does (scheduler/engine.py): in batches of
engine.BATCH, each with its own Context (the batch's recipients read in one query, as the engine does),
through each rule's `render`, database reads included. Nothing is sent: this times the render step
only (tick_fanout.py times the whole tick against a fake Slack).

It prints reminders/second per rule and overall (target >= 1,000/s), and checks that every delivery
rendered, in its recipient's language.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from bot.db import Database  # noqa: E402
from bot.models import ActionItem, Attendee, Client, Delivery, Goal, MeetingKind, Minutes, Person  # noqa: E402
from scheduler import engine  # noqa: E402
from scheduler.rules import Context  # noqa: E402
from scheduler.rules.calls import DailyCall  # noqa: E402
from scheduler.rules.goals import QuarterlyReview  # noqa: E402
from scheduler.rules.items import ItemDue, ItemOverdue  # noqa: E402

TEAM = "T0BENCH"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)       # a Tuesday: tier A clients are called
TODAY = NOW.date()
LOCALES = ["en-US", "es-ES", "ko-KR", "zh-CN"]
CHOSEN = ["zh", "ko", "es", "en"]                             # what every fifth person chose instead
SHARE = {"item_due": 0.3, "item_overdue": 0.3, "daily_call": 0.2, "quarterly_review": 0.2}
# A word each language's messages carry, to check who read what.
MARKERS = {"en": ("Due", "Overdue", "Calls for today", "Quarterly review"),
           "es": ("Plazo", "Vencida", "Llamadas de hoy", "Revisión trimestral"),
           "ko": ("기한", "연체", "오늘의 전화", "분기 목표 점검"),
           "zh": ("即将截止", "已逾期", "今日电话", "季度目标回顾")}


def user(i: int) -> str:
    return f"U{i:07d}"


def language(i: int) -> str:
    return CHOSEN[i % 4] if i % 5 == 0 else LOCALES[i % 4][:2]


def build(db: Database, people: int) -> dict[str, list[str]]:
    """The rows; returns each rule's subjects by recipient order."""
    with db.transaction() as s:
        for i in range(people):
            s.add(Person(team_id=TEAM, user_id=user(i), name=f"Person {i}", tz="UTC", locale=LOCALES[i % 4],
                         language=CHOSEN[i % 4] if i % 5 == 0 else None, refreshed_at=NOW))
            s.add(Client(team_id=TEAM, name=f"Client {i}", name_key=f"client {i}", tier="A", ae_id=user(i),
                         channel_id=f"C{i:07d}", call_days="mon,tue,wed,thu,fri", created_by=user(i)))
            s.add(Goal(team_id=TEAM, user_id=user(i), period="2026-Q3", text="Win the spring pitch"))
            s.add(Goal(team_id=TEAM, user_id=user(i), period="2026-Q3", text="Two case studies"))
        s.flush()
        due, overdue = [], []
        for i in range(people):
            m = Minutes(team_id=TEAM, kind=MeetingKind.client_meeting, title="Kick-off", held_on=TODAY - timedelta(10),
                        author_id=user(i), channel_id=f"C{i:07d}", content_hash="v1", created_at=NOW - timedelta(10))
            s.add(m)
            s.flush()
            s.add(Attendee(team_id=TEAM, minutes_id=m.id, user_id=user(i)))   # unsigned: waiting for sign-off
            a = ActionItem(team_id=TEAM, text=f"Send the brief #{i}", owner_id=user(i), due_on=TODAY + timedelta(1),
                           creator_id=user(i), minutes_id=m.id)
            b = ActionItem(team_id=TEAM, text=f"Book the studio #{i}", owner_id=user((i + 1) % people),
                           due_on=TODAY - timedelta(3), creator_id=user(i), minutes_id=m.id)
            s.add_all([a, b])
            s.flush()
            due.append(str(a.id))
            overdue.append(str(b.id))
    return {"item_due": due, "item_overdue": overdue}


def deliveries(total: int, people: int, subjects: dict[str, list[str]]) -> list[Delivery]:
    out, n = [], 0
    for rule, share in SHARE.items():
        for k in range(int(total * share)):
            i = k % people
            if rule == "item_due":
                d = Delivery(rule=rule, subject=subjects[rule][i], recipient=user(i), period=f"{TODAY}:before")
            elif rule == "item_overdue":
                d = Delivery(rule=rule, subject=subjects[rule][i], recipient=user(i), period=f"overdue:{TODAY}")
            elif rule == "daily_call":
                d = Delivery(rule=rule, subject="-", recipient=user(i), period=TODAY.isoformat())
            else:
                d = Delivery(rule=rule, subject="goals", recipient=user(i), period="2026-Q3")
            n += 1
            d.id, d.team_id, d.due_at = n, TEAM, NOW
            out.append(d)
    return out


def run(db: Database, ds: list[Delivery], per_tick: bool = False) -> tuple[dict, dict[str, float], float]:
    """Render as the engine does: a Context per batch (or, `per_tick`, one Context for all batches)."""
    rules = {r.name: r for r in (ItemDue(), ItemOverdue(), DailyCall(), QuarterlyReview())}
    messages: dict[int, dict | None] = {}
    spent: Counter = Counter()
    start = time.perf_counter()
    kept = None
    for at in range(0, len(ds), engine.BATCH):
        batch = ds[at:at + engine.BATCH]
        with db.transaction() as s:
            ctx = Context(s, NOW, NOW)
            if per_tick:
                if kept is None:
                    kept = ctx
                ctx = kept
                ctx.s = s
            ctx.preload(batch)
            groups: dict[str, list[Delivery]] = {}
            for d in batch:
                groups.setdefault(d.rule, []).append(d)
            for name, group in groups.items():
                t0 = time.perf_counter()
                messages.update(rules[name].render(ctx, group))
                spent[name] += time.perf_counter() - t0
    return messages, dict(spent), time.perf_counter() - start


def check(ds: list[Delivery], messages: dict) -> Counter:
    """Every delivery rendered, each in its recipient's language; the count of each language."""
    seen: Counter = Counter()
    order = list(SHARE)
    for d in ds:
        m = messages.get(d.id)
        assert m is not None, f"delivery {d.id} ({d.rule}) rendered nothing"
        lang = language(int(d.recipient[1:]))
        marker = MARKERS[lang][order.index(d.rule)]
        assert marker in m["text"], (lang, d.rule, m["text"])
        seen[lang] += 1
    return seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reminders", type=int, default=10_000)
    ap.add_argument("--people", type=int, default=2_500)
    ap.add_argument("--database-url")
    ap.add_argument("--context", choices=["batch", "tick"], default="batch",
                    help="a Context per batch of engine.BATCH, as scheduler/engine.py renders today (default), "
                         "or one kept for the whole tick (its people and languages loaded once)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(args.database_url or f"sqlite:///{tmp}/bench.db")
        db.upgrade()
        t0 = time.perf_counter()
        subjects = build(db, args.people)
        print(f"built {args.people:,} people in 4 languages in {time.perf_counter() - t0:.1f} s "
              f"({db.engine.url.get_backend_name()})")
        ds = deliveries(args.reminders, args.people, subjects)
        run(db, ds[:200])   # warm: catalogs parsed, statements compiled
        messages, spent, total = run(db, ds, per_tick=args.context == "tick")
        langs = check(ds, messages)
        by_rule = Counter(d.rule for d in ds)
        print(f"{'rule':<18}{'reminders':>10}{'seconds':>10}{'per second':>12}")
        for name in SHARE:
            print(f"{name:<18}{by_rule[name]:>10,}{spent[name]:>10.2f}{by_rule[name] / spent[name]:>12,.0f}")
        print(f"{'all (with batches)':<18}{len(ds):>10,}{total:>10.2f}{len(ds) / total:>12,.0f}")
        print("languages read: " + ", ".join(f"{k} {v:,}" for k, v in sorted(langs.items())))
        print(f"reminders/second: {len(ds) / total:,.0f} (target >= 1,000; a Context per {args.context})")
        db.dispose()


if __name__ == "__main__":
    main()
