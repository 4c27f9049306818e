"""The calendar helpers the rules build on (bugs found here got these tests first)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from scheduler.clock import at_local, cron, every, fire_times, zone


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


def test_fire_times_step_out_of_a_repeated_hour():
    times = fire_times(cron("America/New_York", day_of_week="sun", hour=1, minute=30), utc(2026, 10, 31),
                       utc(2026, 11, 10))
    assert [t.astimezone(timezone.utc) for t in times] == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30),
                                                           utc(2026, 11, 8, 6, 30)]


def test_every_n_days_keeps_the_local_wall_clock_across_dst():
    ny = zone("America/New_York")
    times = fire_times(every(3, datetime(2026, 10, 29, 9, 0, tzinfo=ny), "America/New_York"),
                       utc(2026, 10, 28), utc(2026, 11, 6))
    assert [t.astimezone(ny).hour for t in times] == [9, 9, 9]
    assert [t.astimezone(timezone.utc) for t in times] == [utc(2026, 10, 29, 13), utc(2026, 11, 1, 14),
                                                           utc(2026, 11, 4, 14)]


def test_at_local_in_a_gap_is_the_instant_after_the_jump_and_reads_true():
    t = at_local(date(2027, 3, 14), 2, 30, "America/New_York")
    assert t.astimezone(timezone.utc) == utc(2027, 3, 14, 7, 30) and t.hour == 3
