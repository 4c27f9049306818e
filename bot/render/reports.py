"""The weekly client report: the AE's DM (draft + buttons), the channel post, the "Edit first" modal.

Pure functions from a WeeklyDraft to Block Kit, in the language of whoever reads it (`t`): the AE
reads the DM and the modal; the channel post reads in the client's (or the channel's) language. The
same draft renders two ways: blocks (dates that Slack shows in each reader's format) and plain text
for the edit modal (dates written out, since a text box shows no `<!date^…>`).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime

from ..i18n import N_, Text, text_for
from ..models import ActionItem, CallLog, MeetingKind, Minutes
from ..services.reports import Posted, WeeklyDraft
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
# The /minutes form's words for each kind (bot/render/minutes.py), marked here so that the report
# reads them in its reader's language.
KINDS = {
    MeetingKind.client_meeting: N_("Client meeting"),
    MeetingKind.internal_meeting: N_("Internal meeting"),
    MeetingKind.phone_call: N_("Phone call"),
    MeetingKind.site_visit: N_("Site visit"),
    MeetingKind.proposal: N_("Proposal"),
}


def _title(m: Minutes, link: bool = True) -> str:
    title = esc(plain(m.title, 150)).replace("|", "¦")
    return f"<{m.permalink}|{title}>" if link and m.permalink else f"*{title}*"


def _kind(m: Minutes, t: Text) -> str:
    kind = m.kind if m.kind in MeetingKind._value2member_map_ else MeetingKind.client_meeting
    return t(KINDS[MeetingKind(kind)])


def _item(i: ActionItem, when: Callable[[date], str], t: Text, overdue: bool = False) -> str:
    text, owner = esc(plain(i.text, 300)), mention(i.owner_id)
    if not i.due_on:
        return f"{text} — {owner}"
    if overdue:
        return t("{text} — {owner}, was due {date}", text=text, owner=owner, date=when(i.due_on))
    return t("{text} — {owner}, due {date}", text=text, owner=owner, date=when(i.due_on))


def _call(c: CallLog, when: Callable[[date], str], t: Text) -> str:
    params = dict(date=when(c.called_on), minutes=t.number(c.minutes), who=esc(plain(c.who, 100)),
                  person=mention(c.user_id))
    if c.outcome.strip():
        return "• " + t("{date} — {minutes} min with {who} ({person}): {outcome}",
                        outcome=esc(plain(c.outcome, OUTCOME_MAX)), **params)
    return "• " + t("{date} — {minutes} min with {who} ({person})", **params)


def channel_ref(channel_id: str) -> str:
    """A channel as Slack shows it (its name, a link)."""
    return f"<#{channel_id}>"


def _name(r: WeeklyDraft) -> str:
    """Who the report is about: the client (and its channel), or the channel."""
    return f"{esc(plain(r.client_name, 120))} (<#{r.channel_id}>)" if r.client_name else f"<#{r.channel_id}>"


def _parts(r: WeeklyDraft, when: Callable[[date], str], link: bool, t: Text) -> list[tuple[str, str, list[str]]]:
    """(budget key, title, lines) for each part of the report; parts with nothing to say are left out,
    except the meetings, whose absence is the news."""
    meetings = ["• " + t("{date} — {title} ({kind})", date=when(m.held_on), title=_title(m, link), kind=_kind(m, t))
                for m in r.meetings]
    cut = " " + t("_(cut — see the minutes)_")
    decisions = [f"• {_title(m, link)}: {fit(esc(m.decisions.strip()), DECISION_MAX, cut)[0]}"
                 for m in r.meetings if m.decisions.strip()]
    # Titles are labels with a count ("Meetings held (1)" in English); other languages agree in number.
    parts = [("meetings", t.plural("*Meetings held ({n})*", "*Meetings held ({n})*", len(meetings))
              if meetings else t("*No meetings this week.*"), meetings)]
    for key, title, lines in (
        ("decisions", t("*Decisions*"), decisions),
        ("calls", t.plural("*Calls ({n})*", "*Calls ({n})*", len(r.calls)), [_call(c, when, t) for c in r.calls]),
        ("done", t.plural("*Action items done ({n})*", "*Action items done ({n})*", len(r.done)),
         [f"✅ {_item(i, when, t)}" for i in r.done]),
        ("overdue", t.plural("*Overdue ({n})*", "*Overdue ({n})*", len(r.overdue)),
         [f"⚠️ {_item(i, when, t, overdue=True)}" for i in r.overdue]),
        ("open", t.plural("*Open ({n})*", "*Open ({n})*", len(r.open)), [f"• {_item(i, when, t)}" for i in r.open]),
        ("pending", t.plural("*Sign-offs pending ({n})*", "*Sign-offs pending ({n})*", len(r.pending)),
         ["• " + t("{title} ({date}) — waiting for {people}", title=_title(p.minutes, link),
                   date=when(p.minutes.held_on), people=mentions(p.waiting, t)) for p in r.pending]),
    ):
        if lines:
            parts.append((key, title, lines))
    return parts


def report_blocks(r: WeeklyDraft, t: Text | None = None) -> list[dict]:
    """The report itself: what both the DM and the channel post show."""
    t = t or text_for("en")
    blocks = [section("📊 " + t("*Weekly report — {name}*", name=_name(r)) + f"\n{day(r.first, t)} – {day(r.last, t)}")]
    for key, title, lines in _parts(r, lambda d: day(d, t), link=True, t=t):
        blocks += packed_sections(title, lines, max_sections=BUDGET[key], t=t)
    if r.empty:
        blocks.append(context(t("Nothing else to report: no calls, no action items and no sign-offs waiting.")))
    return blocks[:MESSAGE_BLOCKS - 4]   # the budgets already keep it far below; never let a post fail


def report_text(r: WeeklyDraft, t: Text | None = None) -> tuple[str, bool]:
    """The draft as editable text (≤ EDIT_MAX characters); says whether it had to be cut."""
    t = t or text_for("en")
    paras = [t("*Weekly report — {name}*", name=_name(r)) + f"\n{t.date(r.first)} – {t.date(r.last)}"]
    for _, title, lines in _parts(r, t.date, link=False, t=t):
        paras.append("\n".join([title, *lines]))
    return fit("\n\n".join(paras), EDIT_MAX)


def _ref(r: WeeklyDraft, delivery_id: int) -> str:
    """What every button carries: the DM's delivery, and the report it is about."""
    return json.dumps({"d": delivery_id, "c": r.key, "w": r.week}, separators=(",", ":"))


def weekly_dm(r: WeeklyDraft, delivery_id: int, t: Text | None = None, *, snoozed: bool = False,
              status: str | None = None) -> dict:
    """chat.postMessage / chat.update arguments for the AE's DM. With `status` (posted, snoozed)
    the buttons give way to that line."""
    t = t or text_for("en")
    intro = (t("⏰ Here's your weekly report again, as you asked.") if snoozed
             else t("Your weekly report for this client is drafted. Have a look, then post it to the channel."))
    blocks = [context(intro), *report_blocks(r, t)]
    if status:
        blocks.append(context(status))
    else:
        ref = _ref(r, delivery_id)
        blocks.append({"type": "actions", "block_id": "weekly_report_actions", "elements": [
            button(t("Post to channel"), POST, ref, style="primary"),
            button(t("Edit first"), EDIT, ref),
            button(t("Snooze 1 h"), SNOOZE, ref),
        ]})
    about = esc(plain(r.client_name, 120)) if r.client_name else f"<#{r.channel_id}>"
    return {"channel": r.ae_id, "blocks": blocks,
            "text": t("Weekly report for {name} (week of {date}): draft ready", name=about, date=t.date(r.first))}


def posted_line(r: WeeklyDraft, p: Posted, t: Text | None = None) -> str:
    t = t or text_for("en")
    return t("✅ Posted to {channel} by {person} at {when}", channel=channel_ref(r.channel_id), person=mention(p.by),
             when=moment(p.at, t))


def snoozed_line(until: datetime, t: Text | None = None) -> str:
    t = t or text_for("en")
    return t("😴 Snoozed — I'll bring it back at {when}.", when=moment(until, t))


def channel_post(r: WeeklyDraft, poster: str, t: Text | None = None) -> dict:
    t = t or text_for("en")
    blocks = [*report_blocks(r, t), context(t("Posted by {person}", person=mention(poster)))]
    return {"text": t("Weekly report: {first} – {last}", first=t.date(r.first), last=t.date(r.last)),
            "blocks": blocks}


def edited_post(text: str, poster: str, t: Text | None = None) -> dict:
    """The AE's edited text, as written (their own mrkdwn and mentions, so not escaped)."""
    t = t or text_for("en")
    text = fit(text.strip(), SECTION_MAX)[0]
    return {"text": text, "blocks": [section(text), context(t("Posted by {person}", person=mention(poster)))]}


def edit_modal(r: WeeklyDraft, delivery_id: int, t: Text | None = None, post: Text | None = None) -> dict:
    """The AE's modal (in `t`) around the draft as it would be posted (in `post`, the channel's language)."""
    t = t or text_for("en")
    text, cut = report_text(r, post or t)
    blocks = [
        {"type": "input", "block_id": EDIT_BLOCK, "label": {"type": "plain_text", "text": t("Report")},
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True,
                     "max_length": EDIT_MAX, "initial_value": text}},
        context(t("Goes to {channel} as written. The {codes} codes become names once posted.",
                  channel=channel_ref(r.channel_id), codes=esc("<@U…>"))),
    ]
    if cut:
        blocks.insert(1, context(t("The draft was longer than {limit} characters, so it was cut (“…”). Post it "
                                   "unedited from the DM to send all of it.", limit=t.number(EDIT_MAX))))
    return {
        "type": "modal", "callback_id": EDIT_CALLBACK,
        "title": {"type": "plain_text", "text": t("Weekly report")},
        "submit": {"type": "plain_text", "text": t("Post to channel")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": _ref(r, delivery_id),
        "blocks": blocks,
    }
