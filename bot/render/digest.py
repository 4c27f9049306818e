"""The weekly channel digest: the week's minutes and decisions, items done/opened/overdue, who still
has to sign. A busy channel is cut per part ("…and N more") so the post always fits Block Kit.

A channel post: it reads in the channel's language (its client's, else the workspace's), `t`.
"""
from __future__ import annotations

from datetime import date

from ..i18n import Text, text_for
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


def _item(week: ChannelWeek, item: ActionItem, t: Text) -> str:
    mark = "✅" if item.status == ItemStatus.done else "•"
    text, owner = esc(plain(item.text, 300)), _who(week, item.owner_id)
    line = (t("{text} — {owner}, due {date}", text=text, owner=owner, date=day(item.due_on, t)) if item.due_on
            else f"{text} — {owner}")
    return f"{mark} {line}"


def _people(user_ids: list[str], t: Text, shown: int = 10) -> str:
    if len(user_ids) > shown:
        return t.plural("{people} and {n} more", "{people} and {n} more", len(user_ids) - shown,
                        people=mentions(user_ids[:shown], t))
    return mentions(user_ids, t)


def _part(title: str, lines: list[str], t: Text) -> list[dict]:
    if not lines:
        return []
    shown = [fit(line, LINE_MAX)[0] for line in lines[:LINES]]
    if len(lines) > LINES:
        shown.append(t.plural("…and {n} more", "…and {n} more", len(lines) - LINES))
    return packed_sections(f"*{title}*", shown, max_sections=PART_SECTIONS, t=t)


def weekly_digest(week: ChannelWeek, first_day: date, last_day: date, t: Text | None = None) -> dict:
    t = t or text_for("en")
    minutes = ["• " + t("{minutes} — {date} · version {version} · {signed} of {total} signed", minutes=_link(st),
                        date=day(st.minutes.held_on, t), version=t.number(st.minutes.version),
                        signed=t.number(st.signed), total=t.number(len(st.signers))) for st in week.minutes]
    decisions = [f"• {_link(st)}: {esc(plain(st.minutes.decisions, 300))}"
                 for st in week.minutes if st.minutes.decisions.strip()]
    unsigned = ["• " + t("{minutes} (version {version}): {people}", minutes=_link(st),
                         version=t.number(st.minutes.version), people=_people(st.waiting, t))
                for st in week.unsigned]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": t("🗓️ The week in review"), "emoji": True}},
        context(f"<#{week.channel_id}> · {day(first_day, t)} – {day(last_day, t)}"),
    ]
    n = len
    blocks += _part(t.plural("📝 Minutes ({n})", "📝 Minutes ({n})", n(week.minutes)), minutes, t)
    blocks += _part(t("📌 Decisions"), decisions, t)
    blocks += _part(t.plural("✅ Done ({n})", "✅ Done ({n})", n(week.done)), [_item(week, i, t) for i in week.done], t)
    blocks += _part(t.plural("🆕 Opened ({n})", "🆕 Opened ({n})", n(week.opened)),
                    [_item(week, i, t) for i in week.opened], t)
    blocks += _part(t.plural("⚠️ Overdue ({n})", "⚠️ Overdue ({n})", n(week.overdue)),
                    [_item(week, i, t) for i in week.overdue], t)
    blocks += _part(t.plural("✍️ Still to sign ({n})", "✍️ Still to sign ({n})", n(week.unsigned)), unsigned, t)
    # Counts as labels (no "1 items"): one message, however many of each there are.
    text = t("The week in review — minutes: {minutes}, items done: {done}, opened: {opened}, overdue: {overdue}",
             minutes=t.number(n(week.minutes)), done=t.number(n(week.done)), opened=t.number(n(week.opened)),
             overdue=t.number(n(week.overdue)))
    return {"channel": week.channel_id, "text": text, "blocks": blocks, "unfurl_links": False}
