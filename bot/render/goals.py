"""Goals: the /goals modal, the quarterly review DM (Done / Not done on each goal), the yearly review."""
from __future__ import annotations

import json

from ..models import Goal, GoalStatus
from ..services.goals import GOAL_MAX, MAX_GOALS
from .text import MESSAGE_BLOCKS, button, context, esc, fit, packed_sections, section

GOALS_CALLBACK = "goals_modal"
OPEN_GOALS = "goals_open"
GOAL_DONE = "goal_done"
GOAL_NOT_DONE = "goal_not_done"
MARK = {GoalStatus.done.value: "✅", GoalStatus.not_done.value: "❌", GoalStatus.open.value: "⬜"}
WORD = {GoalStatus.done.value: "done", GoalStatus.not_done.value: "not done", GoalStatus.open.value: "not reviewed yet"}
INPUT_MAX = 3000   # Slack's limit for a plain_text_input
BUTTONED = (MESSAGE_BLOCKS - 6) // 2   # two blocks per goal, and room for the head and the footer


def _status(goal: Goal) -> str:
    return goal.status.value if isinstance(goal.status, GoalStatus) else str(goal.status)


def quarter_name(period: str) -> str:
    year, q = period.split("-")
    return f"{q} {year}"


def goals_modal(period: str, goals: list[Goal], channel: str | None = None) -> dict:
    """One goal per line, pre-filled with the quarter's goals."""
    element = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": INPUT_MAX,
               "placeholder": {"type": "plain_text", "text": "One goal per line"}}
    if goals:   # the input caps what can be typed, so saved goals fit it (the cut is only a safety net)
        element["initial_value"] = "\n".join(g.text for g in goals)[:INPUT_MAX]
    reviewed = [g for g in goals if _status(g) != GoalStatus.open.value]
    blocks = [
        section(f"Your goals for *{quarter_name(period)}*. At the start of next quarter I'll ask you which "
                "ones you reached."),
        {"type": "input", "block_id": "goals", "optional": True,
         "label": {"type": "plain_text", "text": "Goals"}, "element": element,
         "hint": {"type": "plain_text",
                  "text": f"One goal per line, up to {MAX_GOALS}, each up to {GOAL_MAX} characters. "
                          "Removing a line removes that goal."}},
    ]
    if reviewed:
        blocks.append(context("Goals you already marked done or not done stay in your review."))
    return {
        "type": "modal", "callback_id": GOALS_CALLBACK,
        "title": {"type": "plain_text", "text": "Goals"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"period": period, "channel": channel}),
        "blocks": blocks,
    }


def saved_reply(period: str, goals: list[Goal]) -> dict:
    if not goals:
        return {"text": f"You have no goals for {quarter_name(period)}."}
    lines = [f"• {esc(g.text)}" for g in goals]
    return {"text": f"Saved your {len(goals)} goals for {quarter_name(period)}",
            "blocks": packed_sections(f"🎯 *Your goals for {quarter_name(period)}*", lines, max_sections=5)}


def _set_button() -> dict:
    return {"type": "actions", "block_id": "goals_next",
            "elements": [button("Set this quarter's goals", OPEN_GOALS, "", style="primary")]}


def quarterly_review(period: str, goals: list[Goal]) -> dict:
    """Last quarter's goals, each with Done / Not done (the one chosen is highlighted)."""
    done = sum(1 for g in goals if _status(g) == GoalStatus.done.value)
    blocks = [section(f"🎯 *Quarterly review: {quarter_name(period)}*\nHow did your goals go? "
                      f"Mark each one — {done} of {len(goals)} done so far.")]
    for g in goals[:BUTTONED]:
        st = _status(g)
        blocks.append(section(f"{MARK.get(st, '⬜')} {esc(g.text)}  _({WORD.get(st, st)})_"))
        blocks.append({"type": "actions", "block_id": f"goal_{g.id}", "elements": [
            button("Done", GOAL_DONE, str(g.id), style="primary" if st == GoalStatus.done.value else None),
            button("Not done", GOAL_NOT_DONE, str(g.id), style="danger" if st == GoalStatus.not_done.value else None),
        ]})
    if len(goals) > BUTTONED:
        rest = [f"{MARK.get(_status(g), '⬜')} {esc(g.text)}" for g in goals[BUTTONED:]]
        blocks.append(section(fit("…and these (too many to mark here):\n" + "\n".join(rest))[0]))
    blocks.append(context("Then set your goals for the quarter that has just started (or type `/goals`)."))
    blocks.append(_set_button())
    return {"text": fit(f"Quarterly review of your goals for {quarter_name(period)}: {done} of {len(goals)} done",
                        3000)[0], "blocks": blocks}


def yearly_review(year: int, goals: list[Goal]) -> dict:
    """All of last year's goals grouped by quarter, with their status."""
    by_quarter: dict[str, list[Goal]] = {}
    for g in goals:
        by_quarter.setdefault(g.period, []).append(g)
    done = sum(1 for g in goals if _status(g) == GoalStatus.done.value)
    lines = []
    for period in sorted(by_quarter):
        qs = by_quarter[period]
        q_done = sum(1 for g in qs if _status(g) == GoalStatus.done.value)
        lines.append(f"*{quarter_name(period)}* — {q_done} of {len(qs)} done")
        lines += [f"{MARK.get(_status(g), '⬜')} {esc(g.text)}" for g in qs]
    blocks = [section(f"🗓️ *Your year {year} in goals*: {done} of {len(goals)} done.")]
    blocks += packed_sections("", lines, max_sections=MESSAGE_BLOCKS - 4)
    blocks.append(context("✅ done · ❌ not done · ⬜ not reviewed. A new year: set this quarter's goals "
                          "(or type `/goals`)."))
    blocks.append(_set_button())
    return {"text": f"Your {year} in goals: {done} of {len(goals)} done", "blocks": blocks}
