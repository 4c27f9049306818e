"""Minutes: the summary message with its sign-off state, the modal, the comment modal.

Every function takes the reader's `Text` (`t`): the summary and its thread replies are read in the
channel's language, the modals by whoever opened them, each DM by its recipient. (`t` is optional
only where other modules and the benchmarks call in without one: English.)
"""
from __future__ import annotations

import json
from datetime import date

from ..i18n import N_, Text, text_for
from ..models import ActionItem, ItemStatus, MeetingKind
from ..services.minutes import MAX_ITEMS, TITLE_MAX, MinutesCard
from .text import (SECTION_MAX, button, chunks, context, day, esc, fit, input_block, mention, mentions, moment,
                   packed_sections, plain, section, text_input)

# English msgids; translated where they are shown (reports read them as they are).
KIND_LABELS = {
    MeetingKind.client_meeting: N_("Client meeting"),
    MeetingKind.internal_meeting: N_("Internal meeting"),
    MeetingKind.phone_call: N_("Phone call"),
    MeetingKind.site_visit: N_("Site visit"),
    MeetingKind.proposal: N_("Proposal"),
}
MODAL_CALLBACK = "minutes_modal"
CHANGES_CALLBACK = "minutes_changes_modal"
EDIT_LIMIT = 3000   # a plain_text_input holds at most this much


def _t(t: Text | None) -> Text:
    return t or text_for("en")


def _fields(card: MinutesCard, t: Text) -> list[tuple[str, str]]:
    """(label, body) of the long texts, labels in the reader's language."""
    m = card.minutes
    return [(t("Decisions"), m.decisions), (t("Notes"), m.notes)]


def _link(m) -> str:
    title = esc(plain(m.title, 200))
    return f"<{m.permalink}|{title}>" if m.permalink else f"*{title}*"


def item_line(item: ActionItem, t: Text | None = None) -> str:
    t = _t(t)
    mark = "✅ " if item.status == ItemStatus.done else "• "
    if item.due_on:
        return mark + t("{text} — {owner}, due {date}", text=esc(item.text), owner=mention(item.owner_id),
                        date=day(item.due_on, t))
    return f"{mark}{esc(item.text)} — {mention(item.owner_id)}"


def summary(card: MinutesCard, t: Text | None = None) -> dict:
    """chat.postMessage / chat.update arguments (text + blocks) for a set of minutes."""
    t = _t(t)
    m = card.minutes
    kind = t(KIND_LABELS[MeetingKind(m.kind)])
    facts = dict(kind=kind, date=day(m.held_on, t), author=mention(m.author_id), version=t.number(m.version))
    line = (t("*{kind}* · {date} · {place} · written by {author} · version {version}", place=esc(m.place), **facts)
            if m.place else t("*{kind}* · {date} · written by {author} · version {version}", **facts))
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(f"📝 {m.title}", 150), "emoji": True}},
        context(line),
    ]
    who = t("*Attendees:* {people}", people=mentions(card.signer_ids, t))
    if card.external_names:
        who += "\n" + t("*Also present:* {names}", names=esc(t.join(card.external_names)))
    blocks.append(section(fit(who, SECTION_MAX, " " + t("_(list cut)_"))[0]))
    for label, body in _fields(card, t):
        if body.strip():
            text, _ = fit(f"*{label}*\n{esc(body)}", SECTION_MAX, " " + t("_(cut here — the full text is in the thread)_"))
            blocks.append(section(text))
    if card.items:
        blocks += packed_sections(t("*Action items*"), [item_line(i, t) for i in card.items], max_sections=8, t=t)
    blocks += signoff_blocks(card, t)
    blocks.append({"type": "actions", "block_id": "minutes_actions", "elements": [
        button(t("Sign off"), "minutes_sign_off", f"{m.id}:{m.version}", style="primary"),
        button(t("Request changes"), "minutes_request_changes", str(m.id)),
        button(t("Edit"), "minutes_edit", str(m.id)),
    ]})
    signed = len(card.signed_ids & set(card.signer_ids))
    text = t("Minutes: {title} ({signed} of {total} signed)", title=m.title, signed=t.number(signed),
             total=t.number(len(card.signer_ids)))
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def signoff_blocks(card: MinutesCard, t: Text | None = None) -> list[dict]:
    t = _t(t)
    total = len(card.signer_ids)
    signed = [s for s in card.approvals if s.signer_id in card.signer_ids]
    title = t("*Sign-off: {signed} of {total} signed*", signed=t.number(len(signed)), total=t.number(total)) \
        + (" ✅" if total and len(signed) == total else "")
    lines = [f"✔︎ {mention(s.signer_id)} {moment(s.signed_at, t)}" for s in signed]
    waiting = [u for u in card.signer_ids if u not in card.signed_ids]
    if card.must_resign:
        lines.append(t("🔁 Changed since they signed (version {version}) — please sign again: {people}",
                       version=t.number(card.minutes.version), people=mentions(card.must_resign, t)))
    others = [u for u in waiting if u not in card.must_resign]
    if others:
        lines.append(t("Waiting for: {people}", people=mentions(others, t)))
    for c in card.change_requests:
        lines.append(t("✏️ {person} asked for changes: “{comment}”", person=mention(c.signer_id),
                       comment=esc(plain(c.comment, 300))))
    return packed_sections(title, lines, max_sections=6, t=t)


def _cut_fields(card: MinutesCard, t: Text) -> list[tuple[str, str]]:
    return [(label, body) for label, body in _fields(card, t) if len(f"*{label}*\n{esc(body)}") > SECTION_MAX]


def overflow(card: MinutesCard, t: Text | None = None) -> bool:
    """True when the summary had to cut the decisions or notes."""
    return bool(_cut_fields(card, _t(t)))


def full_text_replies(card: MinutesCard, t: Text | None = None) -> list[str]:
    """Thread replies carrying in full what the summary cut (in the summary's language)."""
    out = []
    for label, body in _cut_fields(card, _t(t)):
        if body.strip():
            parts = chunks(body, 3500)
            for n, part in enumerate(parts, 1):
                head = f"*{label}* ({n}/{len(parts)})" if len(parts) > 1 else f"*{label}*"
                out.append(f"{head}\n{esc(part)}")
    return out


def _option(kind: MeetingKind | str, t: Text) -> dict:
    kind = MeetingKind(kind)   # rows read back hold the plain string
    return {"text": {"type": "plain_text", "text": t(KIND_LABELS[kind])}, "value": kind.value}


_input, _text_input = input_block, text_input


def _too_long_to_edit(field: str, n: int, t: Text) -> str:
    if field == "decisions":
        return t.plural("*Decisions and conclusions:* {n} character — longer than Slack can edit here, so they "
                        "stay as they are.",
                        "*Decisions and conclusions:* {n} characters — longer than Slack can edit here, so they "
                        "stay as they are.", n)
    return t.plural("*Notes:* {n} character — longer than Slack can edit here, so they stay as they are.",
                    "*Notes:* {n} characters — longer than Slack can edit here, so they stay as they are.", n)


def minutes_modal(meta: dict, *, title: str = "", today: date, author_id: str,
                  card: MinutesCard | None = None, rows: int | None = None,
                  item_values: list[ActionItem] | None = None, t: Text | None = None) -> dict:
    """The /minutes modal (or its edit form when `card` is given); `meta` travels in private_metadata."""
    t = _t(t)
    m = card.minutes if card else None
    items = item_values if item_values is not None else (card.items if card else [])
    rows = max(rows or 1, len(items), 1)
    meta = {**meta, "rows": rows, "items": [i.id for i in items]}
    kind = m.kind if m else MeetingKind.client_meeting
    blocks = [
        _input("kind", t("Meeting type"), {"type": "static_select", "options": [_option(k, t) for k in MeetingKind],
                                           "initial_option": _option(kind, t)}),
        _input("title", t("Title"), _text_input(m.title if m else title[:TITLE_MAX], max_length=TITLE_MAX)),
        _input("held_on", t("Date"), {"type": "datepicker", "initial_date": str(m.held_on if m else today)}),
        _input("place", t("Place"), _text_input(m.place if m else ""), optional=True),
        _input("attendees", t("Attendees (they sign off)"),
               {"type": "multi_users_select", "initial_users": card.signer_ids if card else [author_id]}),
        _input("external", t("External attendees"), _text_input("\n".join(card.external_names) if card else "",
                                                                multiline=True),
               optional=True, hint=t("One name per line: people who are not in Slack.")),
    ]
    for field, label in (("decisions", t("Decisions and conclusions")), ("notes", t("Notes"))):
        current = getattr(m, field) if m else ""
        if len(current) > EDIT_LIMIT:
            meta[f"keep_{field}"] = True
            blocks.append(context(_too_long_to_edit(field, len(current), t)))
        else:
            blocks.append(_input(field, label, _text_input(current, multiline=True), optional=True))
    blocks.append(section(t("*Action items* — what, who, by when")))
    for i in range(rows):
        it = items[i] if i < len(items) else None
        owner = {"type": "users_select"}
        due = {"type": "datepicker"}
        if it:
            owner["initial_user"] = it.owner_id
            if it.due_on:
                due["initial_date"] = str(it.due_on)
        blocks += [
            _input(f"item_{i}_text", t("Action item {number}", number=t.number(i + 1)),
                   _text_input(it.text if it else ""), optional=True),
            _input(f"item_{i}_owner", t("Owner"), owner, optional=True),
            _input(f"item_{i}_due", t("Due date"), due, optional=True),
        ]
    if rows < MAX_ITEMS:
        blocks.append({"type": "actions", "block_id": "items_actions",
                       "elements": [button(t("➕ Add action item"), "minutes_add_item")]})
    else:
        blocks.append(context(t("That's the most one set of minutes can hold ({limit} action items).",
                                limit=t.number(MAX_ITEMS))))
    return {
        "type": "modal", "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": t("Edit minutes") if card else t("Meeting minutes")},
        "submit": {"type": "plain_text", "text": t("Save")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": blocks,
    }


def changes_modal(minutes_id: int, title: str, t: Text) -> dict:
    return {
        "type": "modal", "callback_id": CHANGES_CALLBACK,
        "title": {"type": "plain_text", "text": t("Request changes")},
        "submit": {"type": "plain_text", "text": t("Send")},
        "close": {"type": "plain_text", "text": t("Cancel")},
        "private_metadata": json.dumps({"minutes_id": minutes_id}),
        "blocks": [
            section(t("What should change in *{title}*? The author gets your comment by DM.",
                      title=esc(plain(title, 200)))),
            _input("comment", t("Your comment"), _text_input(multiline=True, max_length=3000)),
        ],
    }


def changes_dm(card: MinutesCard, user_id: str, comment: str, t: Text, name: str | None = None) -> dict:
    """The author's DM; `name` is the requester's name for the notification (which shows no mentions)."""
    m = card.minutes
    text = t("✏️ {person} asked for changes to {link} (version {version}):", person=mention(user_id),
             link=_link(m), version=t.number(m.version)) + f"\n>{esc(plain(comment, 2500))}"
    note = t("{name} asked for changes to {title}", name=name or t("An attendee"), title=m.title)
    return {"text": fit(note, 3000)[0], "blocks": [
        section(text), {"type": "actions", "elements": [button(t("Edit the minutes"), "minutes_edit", str(m.id))]}]}


def resign_dm(card: MinutesCard, t: Text) -> dict:
    m = card.minutes
    return {"text": fit(t("{title} changed — please sign again", title=m.title), 3000)[0], "blocks": [
        section(t("🔁 {author} changed {link} (now version {version}). Your earlier sign-off no longer counts — "
                  "please read it and sign again.", author=mention(m.author_id), link=_link(m),
                  version=t.number(m.version))),
        {"type": "actions", "elements": [button(t("Sign off"), "minutes_sign_off", f"{m.id}:{m.version}",
                                                style="primary")]}]}


def signed_notice(card: MinutesCard, signed, t: Text) -> dict:
    m = card.minutes
    return {"text": fit(t("You signed {title}", title=m.title), 3000)[0], "blocks": [
        section(t("✅ You signed {link}, version {version}, {when}.", link=_link(m), version=t.number(m.version),
                  when=moment(signed.signed_at, t)))]}


def already_signed(version: int, t: Text) -> str:
    return t("You've already signed version {version} of these minutes.", version=t.number(version))


def nothing_changed(t: Text) -> str:
    return t("Nothing changed, so the sign-offs stand.")


def not_posted(channel_id: str, minutes_id: int, t: Text) -> dict:
    """Told to the author when the bot can't post in the channel (private, not invited)."""
    channel = f"<#{channel_id}>"
    return {"text": t("I couldn't post the minutes"), "blocks": [
        section(t("Your minutes are saved, but I can't post in {channel} because I'm not a member. Invite me with "
                  "`/invite @ae-bot` in that channel, then press *Post now*.", channel=channel)),
        {"type": "actions", "elements": [button(t("Post now"), "minutes_repost", str(minutes_id), style="primary")]}]}
