"""Local period names shared by services and the scheduler: ISO weeks and quarters."""
from __future__ import annotations

from datetime import date, timedelta


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def quarter(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def previous_quarter(d: date) -> str:
    """The quarter before the one `d` is in."""
    first = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return quarter(first - timedelta(days=1))
