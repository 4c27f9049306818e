"""Minutes: write them up, edit them (a new version), sign them off, request changes."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..db import Database
from ..errors import InvalidInput, NotAllowed, NotFound, Problem, User, UserError
from ..models import (ActionItem, Attendee, Decision, ItemStatus, MeetingKind, Minutes, MinutesVersion,
                      SignOff, utcnow)
from . import audit, signoffs

TITLE_MAX = 150
TEXT_MAX = 40_000          # notes/decisions: stored in full, the summary cuts them
ITEM_TEXT_MAX = 2_000
MAX_ITEMS = 25             # 3 input blocks a row: 25 rows + the rest stay under a modal's 100 blocks
MAX_ATTENDEES = 100
MAX_EXTERNAL = 50
SUBJECT = "minutes"


class Outdated(UserError):
    """A button for an older version was clicked: a sign-off binds to what the signer saw."""

    def __init__(self, m: Minutes):
        if m.permalink:
            super().__init__("minutes_outdated_link", version=m.version, link=m.permalink)
        else:
            super().__init__("minutes_outdated", version=m.version)


@dataclass
class ItemDraft:
    text: str = ""
    owner_id: str | None = None
    due_on: date | None = None
    item_id: int | None = None   # the existing item a row edits

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.owner_id and not self.due_on


@dataclass
class MinutesDraft:
    kind: MeetingKind
    title: str
    held_on: date | None
    place: str = ""
    attendee_ids: list[str] = field(default_factory=list)
    external_names: list[str] = field(default_factory=list)
    notes: str = ""
    decisions: str = ""
    items: list[ItemDraft] = field(default_factory=list)


@dataclass
class MinutesCard:
    """Everything the summary message shows, read in one transaction."""

    minutes: Minutes
    signer_ids: list[str]
    external_names: list[str]
    items: list[ActionItem]
    approvals: list[SignOff]            # on the current version
    change_requests: list[SignOff]      # on the current version
    must_resign: list[str]              # signed an earlier version, not this one

    @property
    def signed_ids(self) -> set[str]:
        return {s.signer_id for s in self.approvals}

    @property
    def fully_signed(self) -> bool:
        return set(self.signer_ids) <= self.signed_ids


@dataclass
class EditResult:
    card: MinutesCard
    changed: bool
    new_items: list[ActionItem]         # new rows, or rows whose owner changed: their owners get a DM


def validate(draft: MinutesDraft, today: date, existing: dict[int, ActionItem] | None = None) -> None:
    """Raise InvalidInput keyed by the modal's block ids; nothing is written when this fails."""
    existing = existing or {}
    errors: dict[str, Problem] = {}
    title = draft.title.strip()
    if not title:
        errors["title"] = Problem("minutes_no_title")
    elif len(title) > TITLE_MAX:
        errors["title"] = Problem("minutes_title_too_long", {"limit": TITLE_MAX, "length": len(title)})
    if draft.held_on is None:
        errors["held_on"] = Problem("minutes_no_date")
    if len(draft.attendee_ids) > MAX_ATTENDEES:
        errors["attendees"] = Problem("minutes_too_many_attendees", {"limit": MAX_ATTENDEES})
    if len(draft.external_names) > MAX_EXTERNAL:
        errors["external"] = Problem("minutes_too_many_external", {"limit": MAX_EXTERNAL})
    for name in ("notes", "decisions"):
        if len(getattr(draft, name)) > TEXT_MAX:
            errors[name] = Problem(f"minutes_{name}_too_long", {"limit": TEXT_MAX})
    if len(draft.items) > MAX_ITEMS:
        errors[f"item_{MAX_ITEMS - 1}_text"] = Problem("minutes_too_many_items", {"limit": MAX_ITEMS})
    for i, it in enumerate(draft.items[:MAX_ITEMS]):
        if it.empty:
            continue
        if not it.text.strip():
            errors[f"item_{i}_text"] = Problem("task_no_text")
        elif len(it.text) > ITEM_TEXT_MAX:
            errors[f"item_{i}_text"] = Problem("task_text_too_long", {"limit": ITEM_TEXT_MAX})
        if not it.owner_id:
            errors[f"item_{i}_owner"] = Problem("task_owner_required")
        old = existing.get(it.item_id) if it.item_id else None
        if it.due_on and it.due_on < today and not (old and old.due_on == it.due_on):
            errors[f"item_{i}_due"] = Problem("due_in_past", {"date": it.due_on})
    if errors:
        raise InvalidInput(errors)


def content_hash(draft: MinutesDraft) -> str:
    body = {
        "kind": draft.kind.value, "title": draft.title.strip(), "held_on": str(draft.held_on),
        "place": draft.place.strip(), "attendees": sorted(set(draft.attendee_ids)),
        "external": [n.strip() for n in draft.external_names if n.strip()],
        "notes": draft.notes, "decisions": draft.decisions,
        "items": [[i.text.strip(), i.owner_id, str(i.due_on)] for i in draft.items if not i.empty],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def create(db: Database, team_id: str, author_id: str, channel_id: str, draft: MinutesDraft,
           today: date, source_view_id: str | None = None) -> tuple[MinutesCard, list[ActionItem]]:
    validate(draft, today)
    try:
        with db.transaction() as s:
            m = Minutes(team_id=team_id, author_id=author_id, channel_id=channel_id,
                        source_view_id=source_view_id, content_hash=content_hash(draft),
                        **_fields(draft))
            s.add(m)
            s.flush()
            _write_attendees(s, m, draft)
            items = [_new_item(s, m, it, author_id) for it in draft.items if not it.empty]
            _snapshot(s, m, draft, author_id)
            audit.record(s, team_id, author_id, "minutes.created", SUBJECT, m.id, version=1,
                         hash=m.content_hash, items=len(items))
            s.flush()
            return _card(s, m), items
    except IntegrityError:
        # The same modal submitted twice: the first one stands.
        with db.transaction() as s:
            m = s.exec(select(Minutes).where(Minutes.team_id == team_id,
                                             Minutes.source_view_id == source_view_id)).first()
            if m is None:
                raise
            return _card(s, m), []


def edit(db: Database, team_id: str, actor_id: str, minutes_id: int, draft: MinutesDraft,
         today: date) -> EditResult:
    with db.transaction() as s:
        m = _get(s, team_id, minutes_id)
        if m.author_id != actor_id:
            raise NotAllowed("minutes_not_author", author=User(m.author_id))
        old_items = {i.id: i for i in _items(s, m)}
        validate(draft, today, old_items)
        new_hash = content_hash(draft)
        if new_hash == m.content_hash:
            return EditResult(_card(s, m), changed=False, new_items=[])
        for k, v in _fields(draft).items():
            setattr(m, k, v)
        m.version += 1
        m.content_hash = new_hash
        m.updated_at = utcnow()
        s.add(m)
        for a in s.exec(select(Attendee).where(Attendee.minutes_id == m.id)):
            s.delete(a)
        _write_attendees(s, m, draft)
        notify: list[ActionItem] = []
        kept: set[int] = set()
        for it in draft.items:
            if it.empty:
                continue
            old = old_items.get(it.item_id) if it.item_id else None
            if old is None:
                notify.append(_new_item(s, m, it, actor_id))
                continue
            kept.add(old.id)
            owner_changed = old.owner_id != it.owner_id
            old.text, old.owner_id, old.due_on = it.text.strip(), it.owner_id, it.due_on
            s.add(old)
            if owner_changed and old.status == ItemStatus.open:
                notify.append(old)
        for gone in set(old_items) - kept:
            if old_items[gone].status == ItemStatus.open:
                old_items[gone].status = ItemStatus.cancelled
                s.add(old_items[gone])
        _snapshot(s, m, draft, actor_id)
        audit.record(s, team_id, actor_id, "minutes.edited", SUBJECT, m.id, version=m.version,
                     hash=new_hash)
        s.flush()
        return EditResult(_card(s, m), changed=True, new_items=notify)


def sign_off(db: Database, team_id: str, user_id: str, minutes_id: int,
             version: int | None = None) -> tuple[MinutesCard, bool]:
    """Approve the current version (the one the button showed, when it says which). Returns (card, True)
    when this click counted."""
    return _decide(db, team_id, user_id, minutes_id, Decision.approve, "", version)


def request_changes(db: Database, team_id: str, user_id: str, minutes_id: int,
                    comment: str) -> tuple[MinutesCard, bool]:
    comment = comment.strip()
    if not comment:
        raise InvalidInput.one("comment", "minutes_no_comment")
    return _decide(db, team_id, user_id, minutes_id, Decision.changes_requested, comment[:3000])


def check_signer(db: Database, team_id: str, user_id: str, minutes_id: int) -> Minutes:
    with db.transaction() as s:
        m = _get(s, team_id, minutes_id)
        _require_signer(s, m, user_id)
        return m


def for_author(db: Database, team_id: str, actor_id: str, minutes_id: int) -> MinutesCard:
    """The card to pre-fill the edit modal; only the author may edit."""
    with db.transaction() as s:
        m = _get(s, team_id, minutes_id)
        if m.author_id != actor_id:
            raise NotAllowed("minutes_not_author", author=User(m.author_id))
        return _card(s, m)


def load(db: Database, team_id: str, minutes_id: int) -> MinutesCard:
    with db.transaction() as s:
        return _card(s, _get(s, team_id, minutes_id))


def set_message(db: Database, team_id: str, minutes_id: int, channel: str, ts: str,
                permalink: str | None) -> None:
    with db.transaction() as s:
        m = _get(s, team_id, minutes_id)
        m.message_channel, m.message_ts, m.permalink = channel, ts, permalink
        s.add(m)


# --- inside a transaction -------------------------------------------------------------------

def _decide(db, team_id, user_id, minutes_id, decision: Decision, comment: str, version: int | None = None):
    try:
        with db.transaction() as s:
            m = _get(s, team_id, minutes_id)
            _require_signer(s, m, user_id)
            if version is not None and version != m.version:
                raise Outdated(m)
            counted = signoffs.decide(s, team_id, SUBJECT, m.id, m.version, m.content_hash, user_id, decision,
                                      comment)
            return _card(s, m), counted
    except IntegrityError:
        # A double click raced us to the same row: it counts once.
        return load(db, team_id, minutes_id), False


def _require_signer(s: Session, m: Minutes, user_id: str) -> None:
    if user_id not in _signer_ids(s, m):
        raise NotAllowed("minutes_not_attendee")


def _get(s: Session, team_id: str, minutes_id: int) -> Minutes:
    m = s.exec(select(Minutes).where(Minutes.team_id == team_id, Minutes.id == minutes_id)).first()
    if m is None:
        raise NotFound("minutes_gone")
    return m


def _fields(d: MinutesDraft) -> dict:
    return dict(kind=d.kind, title=d.title.strip(), held_on=d.held_on, place=d.place.strip()[:200],
                notes=d.notes, decisions=d.decisions)


def _write_attendees(s: Session, m: Minutes, d: MinutesDraft) -> None:
    for uid in dict.fromkeys(d.attendee_ids):
        s.add(Attendee(team_id=m.team_id, minutes_id=m.id, user_id=uid))
    for name in d.external_names:
        if name.strip():
            s.add(Attendee(team_id=m.team_id, minutes_id=m.id, external_name=name.strip()[:200]))


def _new_item(s: Session, m: Minutes, it: ItemDraft, creator_id: str) -> ActionItem:
    item = ActionItem(team_id=m.team_id, text=it.text.strip(), owner_id=it.owner_id, due_on=it.due_on,
                      minutes_id=m.id, creator_id=creator_id)
    s.add(item)
    s.flush()
    audit.record(s, m.team_id, creator_id, "item.created", "action_item", item.id,
                 owner=item.owner_id, minutes_id=m.id)
    return item


def _snapshot(s: Session, m: Minutes, d: MinutesDraft, actor_id: str) -> None:
    body = {**_fields(d), "attendees": d.attendee_ids, "external": d.external_names,
            "items": [[i.text, i.owner_id, i.due_on] for i in d.items if not i.empty]}
    s.add(MinutesVersion(team_id=m.team_id, minutes_id=m.id, version=m.version,
                         content_hash=m.content_hash, created_by=actor_id,
                         snapshot=json.dumps(body, default=str)))


def _signer_ids(s: Session, m: Minutes) -> list[str]:
    q = select(Attendee.user_id).where(Attendee.team_id == m.team_id, Attendee.minutes_id == m.id,
                                       Attendee.user_id.is_not(None)).order_by(Attendee.id)
    return list(s.exec(q))


def _items(s: Session, m: Minutes) -> list[ActionItem]:
    q = select(ActionItem).where(ActionItem.team_id == m.team_id, ActionItem.minutes_id == m.id,
                                 ActionItem.status != ItemStatus.cancelled).order_by(ActionItem.id)
    return list(s.exec(q))


def _card(s: Session, m: Minutes) -> MinutesCard:
    signers = _signer_ids(s, m)
    externals = list(s.exec(select(Attendee.external_name).where(
        Attendee.team_id == m.team_id, Attendee.minutes_id == m.id,
        Attendee.external_name.is_not(None)).order_by(Attendee.id)))
    t = signoffs.tally(s, m.team_id, SUBJECT, m.id, m.content_hash)
    return MinutesCard(
        minutes=m, signer_ids=signers, external_names=externals, items=_items(s, m),
        approvals=t.approvals, change_requests=t.change_requests, must_resign=t.must_resign(signers),
    )
