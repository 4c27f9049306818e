"""Goals: the /goals modal, the quarterly review DM (Done / Not done on each goal), the yearly review.

Every function takes the reader's `Text`: goals are one person's, so they read it all.
"""
from __future__ import annotations

import json

from ..i18n import N_, Text
from ..models import Goal, GoalStatus
from ..services.goals import GOAL_MAX, MAX_GOALS
from .text import MESSAGE_BLOCKS, button, context, esc, fit, packed_sections, section

GOALS_CALLBACK = "goals_modal"
OPEN_GOALS = "goals_open"
GOAL_DONE = "goal_done"
GOAL_NOT_DONE = "goal_not_done"
MARK = {GoalStatus.done.value: "✅", GoalStatus.not_done.value: "❌", GoalStatus.open.value: "⬜"}
WORD = {GoalStatus.done.value: N_("done"), GoalStatus.not_done.value: N_("not done"),
        GoalStatus.open.value: N_("not reviewed yet")}
INPUT_MAX = 3000   # Slack's limit for a plain_text_input
BUTTONED = (MESSAGE_BLOCKS - 6) // 2   # two blocks per goal, and room for the head and the footer


def _status(goal: Goal) -> str:
    return goal.status.value if isinstance(goal.status, GoalStatus) else str(goal.status)


def quarter_name(period: str, t: Text) -> str:
    """`2026-Q3` as the reader writes a quarter: "Q3 2026", "T3 2026", "2026년 3분기", "2026年第3季度"."""
    year, q = period.split("-")
    return t("Q{quarter} {year}", quarter=q.lstrip("Q"), year=year)


def goals_modal(period: str, goals: list[Goal], t: Text, channel: str | None = None) -> dict:
    """One goal per line, pre-filled with the quarter's goals."""
    element = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": INPUT_MAX,
               "placeholder": {"type": "plain_text", "text": t("One goal per line")}}
    if goals:   # the input caps what can be typed, so saved goals fit it (the cut is only a safety net)
        element["initial_value"] = "\n".join(g.text for g in goals)[:INPUT_MAX]
    reviewed = [g for g in goals if _status(g) != GoalStatus.open.value]
    blocks = [
        section(t("Your goals for *{quarter}*. At the start of next quarter I'll ask you which ones you reached.",
                  quarter=quarter_name(period, t))),
        {"type": "input", "block_id": "goals", "optional": True,
         "label": {"type": "plain_text", "text": t("Goals")}, "element": element,
         "hint": {"type": "plain_text",
                  "text": t("One goal per line, up to {max}, each up to {limit} characters. Removing a line "
                            "removes that goal.", max=t.number(MAX_GOALS), limit=t.number(GOAL_MAX))}},
    ]
    if reviewed:
        blocks.append(context(t("Goals you already marked done or not done stay in your review.")))
    return {
        "type": "modal", "callback_id": GOALS_CALLBACK,
        "title": {"type": "plain_text", "text": t("Goals")},
        "submit": {"type": "plain_text", "text": t("Save")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps({"period": period, "channel": channel}),
        "blocks": blocks,
    }


def saved_reply(period: str, goals: list[Goal], t: Text) -> dict:
    quarter = quarter_name(period, t)
    if not goals:
        return {"text": t("You have no goals for {quarter}.", quarter=quarter)}
    lines = [f"• {esc(g.text)}" for g in goals]
    return {"text": t.plural("Saved your {n} goal for {quarter}", "Saved your {n} goals for {quarter}", len(goals),
                             quarter=quarter),
            "blocks": packed_sections(t("🎯 *Your goals for {quarter}*", quarter=quarter), lines, max_sections=5,
                                      t=t)}


def _set_button(t: Text) -> dict:
    return {"type": "actions", "block_id": "goals_next",
            "elements": [button(t("Set this quarter's goals"), OPEN_GOALS, "", style="primary")]}


def quarterly_review(period: str, goals: list[Goal], t: Text) -> dict:
    """Last quarter's goals, each with Done / Not done (the one chosen is highlighted)."""
    quarter = quarter_name(period, t)
    done = sum(1 for g in goals if _status(g) == GoalStatus.done.value)
    counts = {"done": t.number(done), "total": t.number(len(goals))}
    blocks = [section(t("🎯 *Quarterly review: {quarter}*\nHow did your goals go? Mark each one — {done} of {total} "
                        "done so far.", quarter=quarter, **counts))]
    for g in goals[:BUTTONED]:
        st = _status(g)
        word = t(WORD[st]) if st in WORD else st
        blocks.append(section(f"{MARK.get(st, '⬜')} {esc(g.text)}  _({word})_"))
        blocks.append({"type": "actions", "block_id": f"goal_{g.id}", "elements": [
            button(t("Done"), GOAL_DONE, str(g.id), style="primary" if st == GoalStatus.done.value else None),
            button(t("Not done"), GOAL_NOT_DONE, str(g.id),
                   style="danger" if st == GoalStatus.not_done.value else None),
        ]})
    if len(goals) > BUTTONED:
        rest = [f"{MARK.get(_status(g), '⬜')} {esc(g.text)}" for g in goals[BUTTONED:]]
        blocks.append(section(fit(t("…and these (too many to mark here):") + "\n" + "\n".join(rest))[0]))
    blocks.append(context(t("Then set your goals for the quarter that has just started (or type `/goals`).")))
    blocks.append(_set_button(t))
    text = t("Quarterly review of your goals for {quarter}: {done} of {total} done", quarter=quarter, **counts)
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def yearly_review(year: int, goals: list[Goal], t: Text) -> dict:
    """All of last year's goals grouped by quarter, with their status."""
    by_quarter: dict[str, list[Goal]] = {}
    for g in goals:
        by_quarter.setdefault(g.period, []).append(g)
    done = sum(1 for g in goals if _status(g) == GoalStatus.done.value)
    counts = {"done": t.number(done), "total": t.number(len(goals))}
    lines = []
    for period in sorted(by_quarter):
        qs = by_quarter[period]
        q_done = sum(1 for g in qs if _status(g) == GoalStatus.done.value)
        lines.append(t("*{quarter}* — {done} of {total} done", quarter=quarter_name(period, t),
                       done=t.number(q_done), total=t.number(len(qs))))
        lines += [f"{MARK.get(_status(g), '⬜')} {esc(g.text)}" for g in qs]
    # A year is a name, not a quantity: never "2,027".
    blocks = [section(t("🗓️ *Your year {year} in goals*: {done} of {total} done.", year=str(year), **counts))]
    blocks += packed_sections("", lines, max_sections=MESSAGE_BLOCKS - 4, t=t)
    blocks.append(context(t("✅ done · ❌ not done · ⬜ not reviewed. A new year: set this quarter's goals "
                            "(or type `/goals`).")))
    blocks.append(_set_button(t))
    return {"text": t("Your {year} in goals: {done} of {total} done", year=str(year), **counts), "blocks": blocks}
