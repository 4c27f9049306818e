"""The weekly client report: the AE's DM (draft + buttons), the channel post, the "Edit first" modal.

Pure functions from a WeeklyDraft to Block Kit. The same draft renders two ways: blocks (dates that
Slack shows in each reader's format) and plain text for the edit modal (ISO dates, which read well
in a text box and after posting).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

from ..models import ActionItem, CallLog, MeetingKind, Minutes
from ..services.reports import Posted, WeeklyDraft
from .minutes import KIND_LABELS
from .text import (MESSAGE_BLOCKS, SECTION_MAX, button, context, day, esc, fit, mention, mentions, moment,
                   packed_sections, plain, section)

POST, EDIT, SNOOZE = "weekly_report_post", "weekly_report_edit", "weekly_report_snooze"
EDIT_CALLBACK = "weekly_report_edit_modal"
EDIT_BLOCK = "report_text"
EDIT_MAX = 3000                    # a plain_text_input holds at most this much
DECISION_MAX = 400                 # per set of minutes: the report points to the minutes for the rest
# Sections per part of the report; with the DM's own 3 blocks this stays far below 50.
BUDGET = {"meetings": 6, "decisions": 6, "calls": 4, "done": 4, "open": 5, "overdue": 5, "pending": 5}
OUTCOME_MAX = 300                  # per call: the call log keeps the rest


def _iso(d: date) -> str:
    return d.isoformat()


def _title(m: Minutes, link: bool = True) -> str:
    t = esc(plain(m.title, 150)).replace("|", "¦")
    return f"<{m.permalink}|{t}>" if link and m.permalink else f"*{t}*"


def _kind(m: Minutes) -> str:
    kind = m.kind if m.kind in MeetingKind._value2member_map_ else MeetingKind.client_meeting
    return KIND_LABELS[MeetingKind(kind)]


def _item(i: ActionItem, when: Callable[[date], str], due_word: str = "due") -> str:
    due = f", {due_word} {when(i.due_on)}" if i.due_on else ""
    return f"{esc(plain(i.text, 300))} — {mention(i.owner_id)}{due}"


def _call(c: CallLog, when: Callable[[date], str]) -> str:
    outcome = f": {esc(plain(c.outcome, OUTCOME_MAX))}" if c.outcome.strip() else ""
    return f"• {when(c.called_on)} — {c.minutes} min with {esc(plain(c.who, 100))} ({mention(c.user_id)}){outcome}"


def _name(r: WeeklyDraft) -> str:
    """Who the report is about: the client (and its channel), or the channel."""
    return f"{esc(plain(r.client_name, 120))} (<#{r.channel_id}>)" if r.client_name else f"<#{r.channel_id}>"


def _parts(r: WeeklyDraft, when: Callable[[date], str], link: bool) -> list[tuple[str, str, list[str]]]:
    """(budget key, title, lines) for each part of the report; parts with nothing to say are left out,
    except the meetings, whose absence is the news."""
    meetings = [f"• {when(m.held_on)} — {_title(m, link)} ({_kind(m)})" for m in r.meetings]
    decisions = [f"• {_title(m, link)}: {fit(esc(m.decisions.strip()), DECISION_MAX, ' _(cut — see the minutes)_')[0]}"
                 for m in r.meetings if m.decisions.strip()]
    parts = [("meetings", f"*Meetings held ({len(meetings)})*" if meetings else "*No meetings this week.*", meetings)]
    for key, title, lines in (
        ("decisions", "*Decisions*", decisions),
        ("calls", f"*Calls ({len(r.calls)})*", [_call(c, when) for c in r.calls]),
        ("done", f"*Action items done ({len(r.done)})*", [f"✅ {_item(i, when)}" for i in r.done]),
        ("overdue", f"*Overdue ({len(r.overdue)})*", [f"⚠️ {_item(i, when, 'was due')}" for i in r.overdue]),
        ("open", f"*Open ({len(r.open)})*", [f"• {_item(i, when)}" for i in r.open]),
        ("pending", f"*Sign-offs pending ({len(r.pending)})*",
         [f"• {_title(p.minutes, link)} ({when(p.minutes.held_on)}) — waiting for {mentions(p.waiting)}"
          for p in r.pending]),
    ):
        if lines:
            parts.append((key, title, lines))
    return parts


def report_blocks(r: WeeklyDraft) -> list[dict]:
    """The report itself: what both the DM and the channel post show."""
    blocks = [section(f"📊 *Weekly report — {_name(r)}*\n{day(r.first)} – {day(r.last)}")]
    for key, title, lines in _parts(r, day, link=True):
        blocks += packed_sections(title, lines, max_sections=BUDGET[key])
    if r.empty:
        blocks.append(context("Nothing else to report: no calls, no action items and no sign-offs waiting."))
    return blocks[:MESSAGE_BLOCKS - 4]   # the budgets already keep it far below; never let a post fail


def report_text(r: WeeklyDraft) -> tuple[str, bool]:
    """The draft as editable text (≤ EDIT_MAX characters); says whether it had to be cut."""
    paras = [f"*Weekly report — {_name(r)}*\n{_iso(r.first)} – {_iso(r.last)}"]
    for _, title, lines in _parts(r, _iso, link=False):
        paras.append("\n".join([title, *lines]))
    return fit("\n\n".join(paras), EDIT_MAX)


def _ref(r: WeeklyDraft, delivery_id: int) -> str:
    """What every button carries: the DM's delivery, and the report it is about."""
    return json.dumps({"d": delivery_id, "c": r.key, "w": r.week}, separators=(",", ":"))


def weekly_dm(r: WeeklyDraft, delivery_id: int, *, snoozed: bool = False, status: str | None = None) -> dict:
    """chat.postMessage / chat.update arguments for the AE's DM. With `status` (posted, snoozed)
    the buttons give way to that line."""
    intro = ("⏰ Here's your weekly report again, as you asked." if snoozed
             else "Your weekly report for this client is drafted. Have a look, then post it to the channel.")
    blocks = [context(intro), *report_blocks(r)]
    if status:
        blocks.append(context(status))
    else:
        ref = _ref(r, delivery_id)
        blocks.append({"type": "actions", "block_id": "weekly_report_actions", "elements": [
            button("Post to channel", POST, ref, style="primary"),
            button("Edit first", EDIT, ref),
            button("Snooze 1 h", SNOOZE, ref),
        ]})
    about = esc(plain(r.client_name, 120)) if r.client_name else f"<#{r.channel_id}>"
    return {"channel": r.ae_id, "text": f"Weekly report for {about} ({r.week}): draft ready",
            "blocks": blocks}


def posted_line(r: WeeklyDraft, p: Posted) -> str:
    return f"✅ Posted to <#{r.channel_id}> by {mention(p.by)} at {moment(p.at)}"


def snoozed_line(until: datetime) -> str:
    return f"😴 Snoozed — I'll bring it back at {moment(until)}."


def channel_post(r: WeeklyDraft, poster: str) -> dict:
    blocks = [*report_blocks(r), context(f"Posted by {mention(poster)}")]
    return {"text": f"Weekly report {r.first.isoformat()} – {r.last.isoformat()}", "blocks": blocks}


def edited_post(text: str, poster: str) -> dict:
    """The AE's edited text, as written (their own mrkdwn and mentions, so not escaped)."""
    text = fit(text.strip(), SECTION_MAX)[0]
    return {"text": text, "blocks": [section(text), context(f"Posted by {mention(poster)}")]}


def edit_modal(r: WeeklyDraft, delivery_id: int) -> dict:
    text, cut = report_text(r)
    blocks = [
        {"type": "input", "block_id": EDIT_BLOCK, "label": {"type": "plain_text", "text": "Report"},
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                     "max_length": EDIT_MAX, "initial_value": text}},
        context(f"Goes to <#{r.channel_id}> as written. The {esc('<@U…>')} codes become names once posted."),
    ]
    if cut:
        blocks.insert(1, context(f"The draft was longer than {EDIT_MAX:,} characters, so it was cut (“…”). "
                                 "Post it unedited from the DM to send all of it."))
    return {
        "type": "modal", "callback_id": EDIT_CALLBACK,
        "title": {"type": "plain_text", "text": "Weekly report"},
        "submit": {"type": "plain_text", "text": "Post to channel"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": _ref(r, delivery_id),
        "blocks": blocks,
    }
