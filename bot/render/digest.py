"""The weekly channel digest: the week's minutes and decisions, items done/opened/overdue, who still
has to sign. A busy channel is cut per part ("…and N more") so the post always fits Block Kit."""
from __future__ import annotations

from datetime import date

from ..models import ActionItem, ItemStatus
from ..services.digest import ChannelWeek, MinutesState
from .text import context, day, esc, fit, mention, mentions, packed_sections, plain

LINES = 12            # lines per part before "…and N more"
LINE_MAX = 400        # characters of one line
PART_SECTIONS = 3     # sections per part: 6 parts × 3 + header + context stays well under 50 blocks


def _link(st: MinutesState) -> str:
    m = st.minutes
    title = esc(plain(m.title, 150))
    return f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"


def _who(week: ChannelWeek, user_id: str) -> str:
    # Items name their owner without a mention: a weekly channel post must not ping everyone in it.
    name = week.names.get(user_id)
    return esc(name) if name else mention(user_id)


def _item(week: ChannelWeek, item: ActionItem) -> str:
    due = f", due {day(item.due_on)}" if item.due_on else ""
    mark = "✅" if item.status == ItemStatus.done else "•"
    return f"{mark} {esc(plain(item.text, 300))} — {_who(week, item.owner_id)}{due}"


def _people(user_ids: list[str], shown: int = 10) -> str:
    more = f" and {len(user_ids) - shown} more" if len(user_ids) > shown else ""
    return mentions(user_ids[:shown]) + more


def _part(title: str, lines: list[str]) -> list[dict]:
    if not lines:
        return []
    shown = [fit(line, LINE_MAX)[0] for line in lines[:LINES]]
    if len(lines) > LINES:
        shown.append(f"…and {len(lines) - LINES} more")
    return packed_sections(f"*{title}*", shown, max_sections=PART_SECTIONS)


def weekly_digest(week: ChannelWeek, first_day: date, last_day: date) -> dict:
    minutes = [f"• {_link(st)} — {day(st.minutes.held_on)} · version {st.minutes.version} · "
               f"{st.signed} of {len(st.signers)} signed" for st in week.minutes]
    decisions = [f"• {_link(st)}: {esc(plain(st.minutes.decisions, 300))}"
                 for st in week.minutes if st.minutes.decisions.strip()]
    unsigned = [f"• {_link(st)} (version {st.minutes.version}): {_people(st.waiting)}" for st in week.unsigned]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "🗓️ The week in review", "emoji": True}},
        context(f"<#{week.channel_id}> · {day(first_day)} – {day(last_day)}"),
    ]
    blocks += _part(f"📝 Minutes ({len(week.minutes)})", minutes)
    blocks += _part("📌 Decisions", decisions)
    blocks += _part(f"✅ Done ({len(week.done)})", [_item(week, i) for i in week.done])
    blocks += _part(f"🆕 Opened ({len(week.opened)})", [_item(week, i) for i in week.opened])
    blocks += _part(f"⚠️ Overdue ({len(week.overdue)})", [_item(week, i) for i in week.overdue])
    blocks += _part(f"✍️ Still to sign ({len(week.unsigned)})", unsigned)
    text = (f"The week in review: {len(week.minutes)} minutes, {len(week.done)} items done, "
            f"{len(week.opened)} opened, {len(week.overdue)} overdue")
    return {"channel": week.channel_id, "text": text, "blocks": blocks, "unfurl_links": False}
