"""Progress calls: which clients an AE should call today, and logging a call (with an optional follow-up).

Who is on an AE's list on a weekday (`call_list`): their clients whose call days include that weekday
(the tier's cadence — A every weekday, B Monday and Thursday, C Monday — or the client's own), each
with its open work, whether or not there is any; then the channels without a client where they wrote
minutes or logged calls and that have open work (as before clients existed). A client's channel is
never listed as a plain channel: its calls follow the client's cadence, and go to the client's AE.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import case, func, union
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..db import Database
from ..errors import InvalidInput, Problem
from ..models import ActionItem, Attendee, CallLog, Client, Decision, ItemStatus, Minutes, SignOff, Tier
from . import audit, clients, tasks

WHO_MAX = 200
OUTCOME_MAX = 3000
MINUTES_MIN, MINUTES_MAX = 1, 600
# tasks.create names its errors after the /task modal's blocks; ours are the follow-up blocks.
FOLLOW_UP_BLOCKS = {"item_0_text": "follow_up_text", "item_0_owner": "follow_up_owner",
                    "item_0_due": "follow_up_due"}


@dataclass
class ChannelWork:
    """A client channel's open work, as the daily call DM shows it."""

    channel_id: str
    open_items: int = 0
    overdue: int = 0
    unsigned: int = 0      # minutes waiting for sign-off
    client_id: int | None = None     # set when this is a client due for its progress call
    client_name: str = ""
    tier: str = ""


CALL_KINDS = ("phone_call", "site_visit")   # their labels are the renderer's (bot/render/calls.py)


@dataclass
class CallDraft:
    """What the Log call modal said, as typed (the duration is still text)."""

    channel_id: str | None
    who: str
    duration: str
    outcome: str
    follow_up_text: str = ""
    follow_up_owner: str | None = None
    follow_up_due: date | None = None
    via: str = "daily_call"   # which button or command opened the modal (for the audit log)
    client_id: int | None = None
    needs_client: bool = False   # the modal asked which client (a picker left empty is an error)
    kind: str = "phone_call"     # or "site_visit"


@dataclass
class Logged:
    call: CallLog
    item: ActionItem | None
    created: bool          # False: the same modal submitted again; nothing new was stored
    client: Client | None = None


# --- reading (inside the caller's session: the scheduler's tick, or a service's transaction) ----------

def recent_authors(s: Session, since: datetime) -> list[tuple[str, str]]:
    """(team, user) of everyone who wrote minutes since `since`: the AEs."""
    q = select(Minutes.team_id, Minutes.author_id).where(Minutes.created_at > since).distinct()
    return [tuple(r) for r in s.exec(q)]


def waiting_for_sign_off(s: Session, team_id: str, *, author_id: str | None = None,
                         channel_ids: list[str] | None = None, limit: int = 200):
    """Minutes whose current version some attendee has not approved: [(minutes, signed, needed)]."""
    approved = (select(SignOff.id).where(
        SignOff.team_id == team_id, SignOff.subject_kind == "minutes", SignOff.subject_id == Minutes.id,
        SignOff.content_hash == Minutes.content_hash, SignOff.signer_id == Attendee.user_id,
        SignOff.decision == Decision.approve).exists())
    signed = func.sum(case((approved, 1), else_=0))
    needed = func.count(Attendee.id)
    q = (select(Minutes, signed, needed)
         .join(Attendee, (Attendee.minutes_id == Minutes.id) & (Attendee.team_id == team_id)
               & Attendee.user_id.is_not(None))
         .where(Minutes.team_id == team_id)
         .group_by(Minutes.id).having(signed < needed)
         .order_by(Minutes.held_on.desc(), Minutes.id.desc()).limit(limit))
    if author_id is not None:
        q = q.where(Minutes.author_id == author_id)
    if channel_ids is not None:
        q = q.where(Minutes.channel_id.in_(channel_ids))
    return [(m, int(a), int(b)) for m, a, b in s.exec(q)]


def _channels_of(s: Session, team_id: str, users: list[str]) -> dict[str, list[str]]:
    """AE → the channels where they wrote minutes or logged calls."""
    q = union(select(Minutes.author_id, Minutes.channel_id).where(Minutes.team_id == team_id,
                                                                   Minutes.author_id.in_(users)),
              select(CallLog.user_id, CallLog.channel_id).where(CallLog.team_id == team_id, CallLog.user_id.in_(users),
                                                                CallLog.channel_id.is_not(None)))
    out: dict[str, list[str]] = {u: [] for u in users}
    for user_id, channel in s.execute(q):
        out[user_id].append(channel)
    return out


def _busy(work: dict[str, ChannelWork], channels: list[str]) -> list[ChannelWork]:
    busy = [replace(work[c]) for c in channels if work[c].open_items or work[c].unsigned]
    return sorted(busy, key=lambda w: (-w.overdue, -w.open_items, -w.unsigned, w.channel_id))


def open_work(s: Session, team_id: str, user_id: str, today: date,
              exclude: frozenset[str] = frozenset()) -> list[ChannelWork]:
    """The AE's client channels (where they wrote minutes or logged calls; not those in `exclude`) that
    have open action items or minutes waiting for sign-off, most overdue first."""
    channels = [c for c in _channels_of(s, team_id, [user_id])[user_id] if c not in exclude]
    return _busy(_counts(s, team_id, channels, today), channels)


def call_list(s: Session, team_id: str, user_id: str, today: date) -> list[ChannelWork]:
    """Whom the AE calls on `today` (their local date): their clients due today, then the channels
    without a client that have open work (see the module's rule)."""
    return call_lists(s, team_id, [user_id], today)[user_id]


def call_lists(s: Session, team_id: str, users: list[str], today: date) -> dict[str, list[ChannelWork]]:
    """`call_list` of several AEs of one workspace, in five queries whatever their number: a tick builds
    one list per AE, so what each costs must not grow with the workspace (their own clients and
    channels are read, never the workspace's)."""
    users = list(dict.fromkeys(users))
    due = [c for c in s.exec(select(Client).where(Client.team_id == team_id, Client.ae_id.in_(users),
                                                  Client.channel_id.is_not(None)))
           if clients.is_due_for_call(c, today.weekday())]
    channels = _channels_of(s, team_id, users)
    written = {c for cs in channels.values() for c in cs}
    # Any client's channel (the AE's or a colleague's) follows its client's cadence: never listed plain.
    theirs = set(s.exec(select(Client.channel_id).where(Client.team_id == team_id, Client.channel_id.in_(written)))
                 ) if written else set()
    plain = {u: [c for c in channels[u] if c not in theirs] for u in users}
    work = _counts(s, team_id, sorted({c.channel_id for c in due} | {c for cs in plain.values() for c in cs}), today)
    out = {}
    for u in users:
        listed = [ChannelWork(c.channel_id, work[c.channel_id].open_items, work[c.channel_id].overdue,
                              work[c.channel_id].unsigned, c.id, c.name, Tier(c.tier).value)
                  for c in due if c.ae_id == u]
        listed.sort(key=lambda w: (w.tier, -w.overdue, -w.open_items, -w.unsigned, w.client_name.lower()))
        out[u] = listed + _busy(work, plain[u])
    return out


def _counts(s: Session, team_id: str, channels: list[str], today: date) -> dict[str, ChannelWork]:
    """Open items (overdue among them) and minutes waiting for sign-off per channel. Items count for a
    channel through their minutes or the call they were a follow-up of."""
    if not channels:
        return {}
    work = {c: ChannelWork(c) for c in channels}
    channel = func.coalesce(Minutes.channel_id, CallLog.channel_id)
    items = (select(channel, func.count(ActionItem.id),
                    func.sum(case((ActionItem.due_on < today, 1), else_=0)))
             .select_from(ActionItem)
             .outerjoin(Minutes, (Minutes.id == ActionItem.minutes_id) & (Minutes.team_id == team_id))
             .outerjoin(CallLog, (CallLog.follow_up_item_id == ActionItem.id) & (CallLog.team_id == team_id))
             .where(ActionItem.team_id == team_id, ActionItem.status == ItemStatus.open, channel.in_(channels))
             .group_by(channel))
    for c, n, late in s.exec(items):
        work[c].open_items, work[c].overdue = int(n), int(late or 0)
    for m, _, _ in waiting_for_sign_off(s, team_id, channel_ids=channels, limit=10_000):
        work[m.channel_id].unsigned += 1
    return work


def work_for(db: Database, team_id: str, user_id: str, today: date) -> list[ChannelWork]:
    with db.transaction() as s:
        return open_work(s, team_id, user_id, today)


# --- logging a call -------------------------------------------------------------------------------

def check(draft: CallDraft) -> tuple[int | None, dict[str, Problem]]:
    """The duration in minutes (when readable) and the problems keyed by the modal's block ids."""
    errors: dict[str, Problem] = {}
    who = draft.who.strip()
    if not who:
        errors["who"] = Problem("call_no_who")
    elif len(who) > WHO_MAX:
        errors["who"] = Problem("call_who_too_long", {"limit": WHO_MAX})
    minutes = None
    try:
        minutes = int(draft.duration.strip())
    except ValueError:
        errors["duration"] = Problem("call_bad_duration")
    else:
        if not MINUTES_MIN <= minutes <= MINUTES_MAX:
            errors["duration"] = Problem("call_duration_range", {"min": MINUTES_MIN, "max": MINUTES_MAX})
    outcome = draft.outcome.strip()
    if not outcome:
        errors["outcome"] = Problem("call_no_outcome")
    elif len(outcome) > OUTCOME_MAX:
        errors["outcome"] = Problem("call_outcome_too_long", {"limit": OUTCOME_MAX})
    text = draft.follow_up_text.strip()
    if text and not draft.follow_up_owner:
        errors["follow_up_owner"] = Problem("call_follow_up_no_owner")
    elif not text and (draft.follow_up_owner or draft.follow_up_due):
        errors["follow_up_text"] = Problem("call_follow_up_no_text")
    return minutes, errors


class _Within:
    """Hands tasks.create our open session, so the call and its follow-up commit together or not at all."""

    def __init__(self, s: Session):
        self.s = s

    @contextmanager
    def transaction(self):
        yield self.s


def log_call(db: Database, team_id: str, user_id: str, draft: CallDraft, today: date,
             view_id: str | None = None) -> Logged:
    """Store the call (on the AE's local date `today`) and its follow-up item in one transaction.
    A call with a client is stored against the client and the client's channel. The same modal
    (`view_id`) submitted again stores nothing more."""
    try:
        return _log(db, team_id, user_id, draft, today, view_id)
    except IntegrityError:
        # Two submissions of one view raced: the first one stands (its follow-up was rolled back here).
        with db.transaction() as s:
            again = _logged_by(s, team_id, view_id)
            if again is None:
                raise
            return again


def _logged_by(s: Session, team_id: str, view_id: str | None) -> Logged | None:
    if not view_id:
        return None
    call = s.exec(select(CallLog).where(CallLog.team_id == team_id, CallLog.source_view_id == view_id)).first()
    return Logged(call, None, created=False) if call else None


def _log(db: Database, team_id: str, user_id: str, draft: CallDraft, today: date, view_id: str | None) -> Logged:
    minutes, errors = check(draft)
    with db.transaction() as s:
        again = _logged_by(s, team_id, view_id)
        if again:
            return again
        channel, client = draft.channel_id, None
        if draft.client_id is not None:
            client = clients.by_id(s, team_id, draft.client_id)
            if client is None:
                errors["client"] = Problem("call_client_gone")
            else:
                channel = client.channel_id
        elif draft.needs_client:
            errors["client"] = Problem("call_pick_client")
        item = None
        if draft.follow_up_text.strip() and draft.follow_up_owner:
            try:
                item = tasks.create(_Within(s), team_id, user_id, draft.follow_up_owner, draft.follow_up_text,
                                    draft.follow_up_due, today)
            except InvalidInput as e:
                errors.update({FOLLOW_UP_BLOCKS.get(k, k): v for k, v in e.errors.items()})
        if errors:
            raise InvalidInput(errors)   # rolls back the follow-up item too
        call = CallLog(team_id=team_id, user_id=user_id, channel_id=channel, client_id=client.id if client else None,
                       kind=draft.kind if draft.kind in CALL_KINDS else "phone_call",
                       source_view_id=view_id, who=draft.who.strip(), minutes=minutes, outcome=draft.outcome.strip(),
                       called_on=today, follow_up_item_id=item.id if item else None)
        s.add(call)
        s.flush()
        about = {"client_id": client.id} if client else {}
        audit.record(s, team_id, user_id, "call.logged", "call_log", call.id, channel=channel,
                     minutes=minutes, follow_up_item=call.follow_up_item_id, via=draft.via, **about)
        return Logged(call, item, created=True, client=client)
