"""Weekly planning: the coming week's due items by day, what is overdue, minutes still waiting for sign-off."""
from __future__ import annotations

from itertools import groupby

from ..services.planning import WeekPlan
from .text import day, esc, packed_sections, plain, section

PER_LIST = 15   # sections per list: 3 lists + the header stay under a message's 50 blocks


def _item(text: str) -> str:
    return f"• {esc(plain(text, 300))}"


def week_plan(recipient: str, plan: WeekPlan) -> dict:
    blocks = [section(f"🗓️ *Your week ahead* — the week of {day(plan.monday)}")]
    if plan.due:
        lines = []
        for due_on, items in groupby(plan.due, key=lambda i: i.due_on):
            lines.append(f"*{due_on:%A}* {day(due_on)}")
            lines += [_item(i.text) for i in items]
        blocks += packed_sections(f"*Due this week* ({len(plan.due)})", lines, PER_LIST)
    if plan.overdue:
        lines = [f"{_item(i.text)} — was due {day(i.due_on)}" for i in plan.overdue]
        blocks += packed_sections(f"⚠️ *Overdue* ({len(plan.overdue)})", lines, PER_LIST)
    if plan.unsigned:
        lines = []
        for m, signed, needed in plan.unsigned:
            title = esc(plain(m.title, 200))
            link = f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"
            lines.append(f"• {link} ({day(m.held_on)}) — {signed} of {needed} signed")
        blocks += packed_sections(f"✍️ *Your minutes waiting for sign-off* ({len(plan.unsigned)})", lines, PER_LIST)
    counts = f"{len(plan.due)} due, {len(plan.overdue)} overdue, {len(plan.unsigned)} minutes to sign"
    return {"channel": recipient, "text": f"Your week ahead: {counts}", "blocks": blocks}
