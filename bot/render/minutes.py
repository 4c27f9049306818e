"""Minutes: the summary message with its sign-off state, the modal, the comment modal."""
from __future__ import annotations

import json
from datetime import date

from ..models import ActionItem, ItemStatus, MeetingKind
from ..services.minutes import MAX_ITEMS, TITLE_MAX, MinutesCard
from .text import (SECTION_MAX, button, chunks, context, day, esc, fit, input_block, mention, mentions, moment,
                   packed_sections, plain, section, text_input)

KIND_LABELS = {
    MeetingKind.client_meeting: "Client meeting",
    MeetingKind.internal_meeting: "Internal meeting",
    MeetingKind.phone_call: "Phone call",
    MeetingKind.site_visit: "Site visit",
    MeetingKind.proposal: "Proposal",
}
THREAD_NOTE = " _(cut here — the full text is in the thread)_"
MODAL_CALLBACK = "minutes_modal"
CHANGES_CALLBACK = "minutes_changes_modal"
EDIT_LIMIT = 3000   # a plain_text_input holds at most this much


def item_line(item: ActionItem) -> str:
    due = f", due {day(item.due_on)}" if item.due_on else ""
    mark = "✅ " if item.status == ItemStatus.done else "• "
    return f"{mark}{esc(item.text)} — {mention(item.owner_id)}{due}"


def summary(card: MinutesCard) -> dict:
    """chat.postMessage / chat.update arguments (text + blocks) for a set of minutes."""
    m = card.minutes
    place = f" · {esc(m.place)}" if m.place else ""
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(f"📝 {m.title}", 150), "emoji": True}},
        context(f"*{KIND_LABELS[MeetingKind(m.kind)]}* · {day(m.held_on)}{place} · written by {mention(m.author_id)}"
                f" · version {m.version}"),
    ]
    who = f"*Attendees:* {mentions(card.signer_ids)}"
    if card.external_names:
        who += "\n*Also present:* " + esc(", ".join(card.external_names))
    blocks.append(section(fit(who, SECTION_MAX, " _(list cut)_")[0]))
    for label, body in (("Decisions", m.decisions), ("Notes", m.notes)):
        if body.strip():
            text, _ = fit(f"*{label}*\n{esc(body)}", SECTION_MAX, THREAD_NOTE)
            blocks.append(section(text))
    if card.items:
        blocks += packed_sections("*Action items*", [item_line(i) for i in card.items], max_sections=8)
    blocks += signoff_blocks(card)
    blocks.append({"type": "actions", "block_id": "minutes_actions", "elements": [
        button("Sign off", "minutes_sign_off", f"{m.id}:{m.version}", style="primary"),
        button("Request changes", "minutes_request_changes", str(m.id)),
        button("Edit", "minutes_edit", str(m.id)),
    ]})
    signed = len(card.signed_ids & set(card.signer_ids))
    text = f"Minutes: {m.title} ({signed} of {len(card.signer_ids)} signed)"
    return {"text": fit(text, 3000)[0], "blocks": blocks}


def signoff_blocks(card: MinutesCard) -> list[dict]:
    total = len(card.signer_ids)
    signed = [s for s in card.approvals if s.signer_id in card.signer_ids]
    title = f"*Sign-off: {len(signed)} of {total} signed*" + (" ✅" if total and len(signed) == total else "")
    lines = [f"✔︎ {mention(s.signer_id)} {moment(s.signed_at)}" for s in signed]
    waiting = [u for u in card.signer_ids if u not in card.signed_ids]
    if card.must_resign:
        lines.append(f"🔁 Changed since they signed (version {card.minutes.version}) — please sign again: "
                     + mentions(card.must_resign))
    others = [u for u in waiting if u not in card.must_resign]
    if others:
        lines.append("Waiting for: " + mentions(others))
    for c in card.change_requests:
        lines.append(f"✏️ {mention(c.signer_id)} asked for changes: “{esc(plain(c.comment, 300))}”")
    return packed_sections(title, lines, max_sections=6)


def _cut_fields(card: MinutesCard) -> list[tuple[str, str]]:
    m = card.minutes
    return [(label, body) for label, body in (("Decisions", m.decisions), ("Notes", m.notes))
            if len(f"*{label}*\n{esc(body)}") > SECTION_MAX]


def overflow(card: MinutesCard) -> bool:
    """True when the summary had to cut the decisions or notes."""
    return bool(_cut_fields(card))


def full_text_replies(card: MinutesCard) -> list[str]:
    """Thread replies carrying in full what the summary cut."""
    out = []
    for label, body in _cut_fields(card):
        if body.strip():
            parts = chunks(body, 3500)
            for n, part in enumerate(parts, 1):
                head = f"*{label}* ({n}/{len(parts)})" if len(parts) > 1 else f"*{label}*"
                out.append(f"{head}\n{esc(part)}")
    return out


def _option(kind: MeetingKind | str) -> dict:
    kind = MeetingKind(kind)   # rows read back hold the plain string
    return {"text": {"type": "plain_text", "text": KIND_LABELS[kind]}, "value": kind.value}


_input, _text_input = input_block, text_input


def minutes_modal(meta: dict, *, title: str = "", today: date, author_id: str,
                  card: MinutesCard | None = None, rows: int | None = None,
                  item_values: list[ActionItem] | None = None) -> dict:
    """The /minutes modal (or its edit form when `card` is given); `meta` travels in private_metadata."""
    m = card.minutes if card else None
    items = item_values if item_values is not None else (card.items if card else [])
    rows = max(rows or 1, len(items), 1)
    meta = {**meta, "rows": rows, "items": [i.id for i in items]}
    kind = m.kind if m else MeetingKind.client_meeting
    blocks = [
        _input("kind", "Meeting type", {"type": "static_select", "options": [_option(k) for k in MeetingKind],
                                        "initial_option": _option(kind)}),
        _input("title", "Title", _text_input(m.title if m else title[:TITLE_MAX], max_length=TITLE_MAX)),
        _input("held_on", "Date", {"type": "datepicker", "initial_date": str(m.held_on if m else today)}),
        _input("place", "Place", _text_input(m.place if m else ""), optional=True),
        _input("attendees", "Attendees (they sign off)",
               {"type": "multi_users_select", "initial_users": card.signer_ids if card else [author_id]}),
        _input("external", "External attendees", _text_input("\n".join(card.external_names) if card else "",
                                                             multiline=True),
               optional=True, hint="One name per line: people who are not in Slack."),
    ]
    for field, label in (("decisions", "Decisions and conclusions"), ("notes", "Notes")):
        current = getattr(m, field) if m else ""
        if len(current) > EDIT_LIMIT:
            meta[f"keep_{field}"] = True
            blocks.append(context(f"*{label}:* {len(current):,} characters — longer than Slack can edit here, "
                                  "so they stay as they are."))
        else:
            blocks.append(_input(field, label, _text_input(current, multiline=True), optional=True))
    blocks.append(section("*Action items* — what, who, by when"))
    for i in range(rows):
        it = items[i] if i < len(items) else None
        owner = {"type": "users_select"}
        due = {"type": "datepicker"}
        if it:
            owner["initial_user"] = it.owner_id
            if it.due_on:
                due["initial_date"] = str(it.due_on)
        blocks += [
            _input(f"item_{i}_text", f"Action item {i + 1}", _text_input(it.text if it else ""), optional=True),
            _input(f"item_{i}_owner", "Owner", owner, optional=True),
            _input(f"item_{i}_due", "Due date", due, optional=True),
        ]
    if rows < MAX_ITEMS:
        blocks.append({"type": "actions", "block_id": "items_actions",
                       "elements": [button("➕ Add action item", "minutes_add_item")]})
    else:
        blocks.append(context(f"That's the most one set of minutes can hold ({MAX_ITEMS} action items)."))
    return {
        "type": "modal", "callback_id": MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Edit minutes" if card else "Meeting minutes"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": blocks,
    }


def changes_modal(minutes_id: int, title: str) -> dict:
    return {
        "type": "modal", "callback_id": CHANGES_CALLBACK,
        "title": {"type": "plain_text", "text": "Request changes"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"minutes_id": minutes_id}),
        "blocks": [
            section(f"What should change in *{esc(plain(title, 200))}*? The author gets your comment by DM."),
            _input("comment", "Your comment", _text_input(multiline=True, max_length=3000)),
        ],
    }


def changes_dm(card: MinutesCard, user_id: str, comment: str) -> dict:
    m = card.minutes
    link = f"<{m.permalink}|{esc(plain(m.title, 200))}>" if m.permalink else f"*{esc(plain(m.title, 200))}*"
    text = f"✏️ {mention(user_id)} asked for changes to {link} (version {m.version}):\n>{esc(plain(comment, 2500))}"
    return {"text": fit(f"{user_id} asked for changes to {m.title}", 3000)[0], "blocks": [
        section(text), {"type": "actions", "elements": [button("Edit the minutes", "minutes_edit", str(m.id))]}]}


def resign_dm(card: MinutesCard) -> dict:
    m = card.minutes
    link = f"<{m.permalink}|{esc(plain(m.title, 200))}>" if m.permalink else f"*{esc(plain(m.title, 200))}*"
    return {"text": f"{m.title} changed — please sign again", "blocks": [
        section(f"🔁 {mention(m.author_id)} changed {link} (now version {m.version}). "
                "Your earlier sign-off no longer counts — please read it and sign again."),
        {"type": "actions", "elements": [button("Sign off", "minutes_sign_off", f"{m.id}:{m.version}",
                                                 style="primary")]}]}


def signed_notice(card: MinutesCard, signed) -> dict:
    m = card.minutes
    link = f"<{m.permalink}|{esc(plain(m.title, 200))}>" if m.permalink else f"*{esc(plain(m.title, 200))}*"
    return {"text": f"You signed {m.title}", "blocks": [
        section(f"✅ You signed {link}, version {m.version}, {moment(signed.signed_at)}.")]}


def not_posted(channel_id: str, minutes_id: int) -> dict:
    """Told to the author when the bot can't post in the channel (private, not invited)."""
    return {"text": "I couldn't post the minutes", "blocks": [
        section(f"Your minutes are saved, but I can't post in <#{channel_id}> because I'm not a member. "
                "Invite me with `/invite @ae-bot` in that channel, then press *Post now*."),
        {"type": "actions", "elements": [button("Post now", "minutes_repost", str(minutes_id), style="primary")]}]}
