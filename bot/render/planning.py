"""Weekly planning: the coming week's due items by day, what is overdue, minutes still waiting for sign-off.

In the recipient's `Text`: weekdays and dates in their language.
"""
from __future__ import annotations

from datetime import date
from itertools import groupby

from babel.dates import format_date

from ..i18n import Text
from ..services.planning import WeekPlan
from .text import day, esc, packed_sections, plain, section

PER_LIST = 15   # sections per list: 3 lists + the header stay under a message's 50 blocks


def _item(text: str) -> str:
    return f"• {esc(plain(text, 300))}"


def weekday(d: date, t: Text) -> str:
    """"Monday", "Lunes", "월요일", "星期一" (capitalised: it heads a list)."""
    name = format_date(d, "EEEE", locale=t.locale)
    return name[:1].upper() + name[1:]


def week_plan(recipient: str, plan: WeekPlan, t: Text) -> dict:
    blocks = [section(t("🗓️ *Your week ahead* — the week of {date}", date=day(plan.monday, t)))]
    if plan.due:
        lines = []
        for due_on, items in groupby(plan.due, key=lambda i: i.due_on):
            lines.append(f"*{weekday(due_on, t)}* {day(due_on, t)}")
            lines += [_item(i.text) for i in items]
        blocks += packed_sections(t("*Due this week* ({n})", n=t.number(len(plan.due))), lines, PER_LIST, t=t)
    if plan.overdue:
        lines = [t("{item} — was due {date}", item=_item(i.text), date=day(i.due_on, t)) for i in plan.overdue]
        blocks += packed_sections(t("⚠️ *Overdue* ({n})", n=t.number(len(plan.overdue))), lines, PER_LIST, t=t)
    if plan.unsigned:
        lines = []
        for m, signed, needed in plan.unsigned:
            title = esc(plain(m.title, 200))
            link = f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"
            lines.append(t("• {minutes} ({date}) — {signed} of {needed} signed", minutes=link, date=day(m.held_on, t),
                           signed=t.number(signed), needed=t.number(needed)))
        blocks += packed_sections(t("✍️ *Your minutes waiting for sign-off* ({n})", n=t.number(len(plan.unsigned))),
                                  lines, PER_LIST, t=t)
    # Counts without nouns, so none reads "1 minutes".
    text = t("Your week ahead: {due} due, {overdue} overdue, {unsigned} to sign", due=t.number(len(plan.due)),
             overdue=t.number(len(plan.overdue)), unsigned=t.number(len(plan.unsigned)))
    return {"channel": recipient, "text": text, "blocks": blocks}
