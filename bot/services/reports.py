"""The weekly client report: draft the last 7 days of a client (or a channel) for its AE, post it once,
snooze it.

A report's subject is a client (`client:<id>`: its channel, its calls, at its own day and time) or,
for a channel with minutes but no client, the channel itself (Mondays). A report is one
`weekly_report` delivery (period `2026-W49`, the ISO week of the local report date); a snooze is another
delivery of the same report (period `2026-W49/snooze-1`), so the engine sends it like any reminder.
The seven days reported are the ones before the report date: the local date the report first fired.
Posting is recorded in the audit log against the week's first delivery (the report's "root"), so a
report goes to the channel once, whichever of its DMs (the original or a snoozed one) was clicked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from ..db import Database
from ..errors import NotAllowed, NotFound, User, UserError
from ..models import (ActionItem, Attendee, AuditEvent, CallLog, Client, Decision, Delivery, DeliveryStatus,
                      ItemStatus, Minutes, SignOff, Workspace)
from . import audit

RULE = "weekly_report"
SUBJECT = "weekly_report"          # audit subject kind; subject_id is the root delivery's id
POSTED, POST_FAILED = "weekly_report.posted", "weekly_report.post_failed"
SNOOZE = timedelta(hours=1)
ACTIVE_DAYS = 30                   # an AE gets a channel's report while they wrote minutes there this recently
CLIENT_PREFIX = "client:"          # the subject of a client's report: client:<id>


@dataclass
class Pending:
    minutes: Minutes
    waiting: list[str]             # signers who have not approved the current version


@dataclass
class WeeklyDraft:
    team_id: str
    channel_id: str
    ae_id: str
    week: str                      # 2026-W49: the ISO week of the report date
    first: date                    # the seven days reported: first .. last (the week before the report date)
    last: date
    today: date                    # the report date: items due before it are overdue
    meetings: list[Minutes] = field(default_factory=list)
    done: list[ActionItem] = field(default_factory=list)
    open: list[ActionItem] = field(default_factory=list)
    overdue: list[ActionItem] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    calls: list[CallLog] = field(default_factory=list)
    subject: str = ""              # the delivery subject: client:<id>, or the channel
    client_name: str | None = None
    client_language: str | None = None   # the client's own language, when it has one (a post reads in it)

    @property
    def key(self) -> str:
        return self.subject or self.channel_id

    @property
    def empty(self) -> bool:
        return not (self.meetings or self.done or self.open or self.overdue or self.pending or self.calls)


@dataclass
class Posted:
    by: str
    at: datetime


@dataclass
class PostClaim:
    """The outcome of a Post click or an edited submission: go ahead (first) or already posted."""

    delivery: Delivery
    draft: WeeklyDraft
    first: bool
    posted: Posted


@dataclass
class Snoozed:
    delivery: Delivery             # the DM that was clicked
    draft: WeeklyDraft
    due_at: datetime               # when the snoozed reminder comes back
    created: bool                  # False: this DM was already snoozed (a second click)


def monday_of(week: str) -> date:
    year, w = week.split("-W")
    return date.fromisocalendar(int(year), int(w), 1)


def week_of(period: str) -> str:
    return period.split("/")[0]


def client_subject(client_id: int) -> str:
    return f"{CLIENT_PREFIX}{client_id}"


def client_id_of(subject: str) -> int | None:
    if subject.startswith(CLIENT_PREFIX) and subject[len(CLIENT_PREFIX):].isdigit():
        return int(subject[len(CLIENT_PREFIX):])
    return None


def client_of(s: Session, team_id: str, subject: str) -> Client | None:
    """The client a report is about; NotFound when it is a client's report and the client is gone."""
    cid = client_id_of(subject)
    if cid is None:
        return None
    c = s.exec(select(Client).where(Client.team_id == team_id, Client.id == cid)).first()
    if c is None or not c.channel_id:
        raise NotFound("report_client_gone")
    return c


def draft(s: Session, team_id: str, subject: str, ae_id: str, week: str, tz: str,
          today: date | None = None) -> WeeklyDraft:
    """The report of the seven days before `today` (the report date; the week's Monday by default),
    as the AE's calendar counts them. `subject` is `client:<id>` or a channel."""
    client = client_of(s, team_id, subject)
    channel_id = client.channel_id if client else subject
    today = today or monday_of(week)
    first, last = today - timedelta(days=7), today - timedelta(days=1)
    out = WeeklyDraft(team_id, channel_id, ae_id, week, first, last, today, subject=subject,
                      client_name=client.name if client else None,
                      client_language=client.language if client else None)
    in_channel = (Minutes.team_id == team_id, Minutes.channel_id == channel_id)
    out.meetings = list(s.exec(select(Minutes).where(*in_channel, Minutes.held_on >= first, Minutes.held_on <= last)
                               .order_by(Minutes.held_on, Minutes.id)))
    # The client's calls: logged against it, or (before clients existed) against its channel.
    about = CallLog.channel_id == channel_id
    if client:
        about = about | (CallLog.client_id == client.id)
    out.calls = list(s.exec(select(CallLog).where(CallLog.team_id == team_id, about, CallLog.called_on >= first,
                                                  CallLog.called_on <= last)
                            .order_by(CallLog.called_on, CallLog.id)))
    # Action items from the channel's minutes and from the follow-ups of its calls.
    recent = (ActionItem.status == ItemStatus.open) | (ActionItem.done_at >= _midnight(first, tz) - timedelta(days=1))
    wanted = (ActionItem.team_id == team_id, ActionItem.status.in_([ItemStatus.open, ItemStatus.done]), recent)
    items = {i.id: i for i in s.exec(select(ActionItem).join(Minutes, Minutes.id == ActionItem.minutes_id)
                                     .where(*in_channel, *wanted))}
    items.update({i.id: i for i in s.exec(
        select(ActionItem).join(CallLog, CallLog.follow_up_item_id == ActionItem.id)
        .where(CallLog.team_id == team_id, about, *wanted))})
    items = sorted(items.values(), key=lambda i: (i.due_on is None, i.due_on or date.min, i.id))
    zone = ZoneInfo(tz)
    for i in items:
        if i.status == ItemStatus.done:
            if i.done_at and first <= i.done_at.astimezone(zone).date() <= last:
                out.done.append(i)
        elif i.due_on and i.due_on < today:
            out.overdue.append(i)
        else:
            out.open.append(i)
    out.pending = _pending(s, team_id, channel_id, today)
    return out


def _midnight(d: date, tz: str) -> datetime:
    return datetime.combine(d, datetime.min.time(), tzinfo=ZoneInfo(tz))


def _pending(s: Session, team_id: str, channel_id: str, today: date) -> list[Pending]:
    """Minutes of the last 30 days still waiting for someone to sign their current version."""
    recent = list(s.exec(select(Minutes).where(
        Minutes.team_id == team_id, Minutes.channel_id == channel_id,
        Minutes.held_on >= today - timedelta(days=ACTIVE_DAYS), Minutes.held_on <= today)
        .order_by(Minutes.held_on, Minutes.id)))
    if not recent:
        return []
    ids = [m.id for m in recent]
    signers: dict[int, list[str]] = {}
    for mid, uid in s.exec(select(Attendee.minutes_id, Attendee.user_id).where(
            Attendee.team_id == team_id, Attendee.minutes_id.in_(ids), Attendee.user_id.is_not(None))
            .order_by(Attendee.id)):
        signers.setdefault(mid, []).append(uid)
    signed: dict[int, set[str]] = {}
    hashes = {m.id: m.content_hash for m in recent}
    for mid, uid, h in s.exec(select(SignOff.subject_id, SignOff.signer_id, SignOff.content_hash).where(
            SignOff.team_id == team_id, SignOff.subject_kind == "minutes", SignOff.subject_id.in_(ids),
            SignOff.decision == Decision.approve)):
        if hashes.get(mid) == h:
            signed.setdefault(mid, set()).add(uid)
    out = []
    for m in recent:
        waiting = [u for u in signers.get(m.id, []) if u not in signed.get(m.id, set())]
        if waiting:
            out.append(Pending(m, waiting))
    return out


def zone_of(s: Session, team_id: str, user_id: str) -> str:
    """A person's zone; the workspace's until Slack has told us theirs (as the scheduler counts it)."""
    from .people import get

    p = get(s, team_id, user_id)
    if p and (p.tz or p.tz_override):
        return p.time_zone
    w = s.exec(select(Workspace).where(Workspace.team_id == team_id)).first()
    return w.tz if w else "UTC"


def posted(s: Session, team_id: str, root_id: int) -> Posted | None:
    """Who posted the report, if it is in the channel (a failed post does not count)."""
    events = list(s.exec(select(AuditEvent).where(
        AuditEvent.team_id == team_id, AuditEvent.subject_kind == SUBJECT, AuditEvent.subject_id == root_id,
        AuditEvent.action.in_([POSTED, POST_FAILED])).order_by(AuditEvent.id)))
    ok = [e for e in events if e.action == POSTED]
    if len(ok) > len(events) - len(ok):
        return Posted(ok[-1].actor_id, ok[-1].at)
    return None


def root_of(s: Session, d: Delivery) -> Delivery | None:
    return s.exec(select(Delivery).where(
        Delivery.team_id == d.team_id, Delivery.rule == RULE, Delivery.subject == d.subject,
        Delivery.recipient == d.recipient, Delivery.period == week_of(d.period))).first()


def report_date(s: Session, d: Delivery, tz: str) -> date:
    """The date a report is as of: a client's is the local date it first fired (its own weekday);
    a channel's is the week's Monday."""
    if client_id_of(d.subject) is None:
        return monday_of(week_of(d.period))
    root = root_of(s, d) or d
    return root.due_at.astimezone(ZoneInfo(tz)).date()


def draft_for(s: Session, d: Delivery, tz: str) -> WeeklyDraft:
    """The draft a weekly report delivery (the original or a snoozed one) is about."""
    return draft(s, d.team_id, d.subject, d.recipient, week_of(d.period), tz, report_date(s, d, tz))


# --- the DM's buttons ------------------------------------------------------------------------------

def claim_post(db: Database, team_id: str, user_id: str, delivery_id: int, subject: str, week: str,
               edited: bool = False) -> PostClaim:
    """Reserve the right to post this week's report. Two clicks (or a click and an edited submission)
    race here; exactly one gets `first=True`. The post is recorded before Slack is called: if Slack then
    fails, `post_failed` releases it, so a later click can try again."""
    with db.transaction() as s:
        # A write first: it takes the row lock (PostgreSQL) or the write lock (SQLite) before anything
        # is read, so the second of two concurrent clicks reads what the first one recorded.
        locked = s.execute(update(Delivery).where(
            Delivery.team_id == team_id, Delivery.rule == RULE, Delivery.subject == subject,
            Delivery.recipient == user_id, Delivery.period == week).values(attempts=Delivery.attempts)
            .execution_options(synchronize_session=False))
        d = _clicked(s, team_id, user_id, delivery_id)
        root = root_of(s, d)
        if locked.rowcount == 0 or root is None or d.subject != subject or week_of(d.period) != week:
            raise NotFound("report_gone")
        report = draft_for(s, d, zone_of(s, team_id, user_id))
        before = posted(s, team_id, root.id)
        if before:
            return PostClaim(d, report, False, before)
        audit.record(s, team_id, user_id, POSTED, SUBJECT, root.id, channel=report.channel_id, week=week,
                     delivery_id=d.id, edited=edited, **_about(d))
        s.flush()
        return PostClaim(d, report, True, posted(s, team_id, root.id))


def post_failed(db: Database, team_id: str, user_id: str, delivery_id: int, error: str) -> None:
    with db.transaction() as s:
        d = _clicked(s, team_id, user_id, delivery_id)
        root = root_of(s, d) or d
        where = {"channel": d.subject} if client_id_of(d.subject) is None else _about(d)
        audit.record(s, team_id, user_id, POST_FAILED, SUBJECT, root.id, week=week_of(d.period),
                     error=error[:200], **where)


def for_edit(db: Database, team_id: str, user_id: str, delivery_id: int) -> tuple[Delivery, WeeklyDraft]:
    with db.transaction() as s:
        d = _clicked(s, team_id, user_id, delivery_id)
        root = root_of(s, d)
        report = draft_for(s, d, zone_of(s, team_id, user_id))
        done = posted(s, team_id, root.id) if root else None
        if done:
            raise UserError("report_already_posted", channel=report.channel_id, person=User(done.by))
        return d, report


def snooze(db: Database, team_id: str, user_id: str, delivery_id: int, clicked_at: datetime) -> Snoozed:
    """Bring the same report back an hour after the click: one more delivery of it, which the engine
    sends at its next tick after that. Its period is derived from the clicked DM, so a second click
    on the same DM hits the UNIQUE key and snoozes nothing more."""
    with db.transaction() as s:
        d = _clicked(s, team_id, user_id, delivery_id)
        week = week_of(d.period)
        root = root_of(s, d)
        report = draft_for(s, d, zone_of(s, team_id, user_id))
        done = posted(s, team_id, root.id) if root else None
        if done:
            raise UserError("report_nothing_to_snooze", channel=report.channel_id, person=User(done.by))
        n = int(d.period.rsplit("snooze-", 1)[1]) + 1 if "/snooze-" in d.period else 1
        period, due = f"{week}/snooze-{n}", clicked_at + SNOOZE
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        created = s.execute(
            insert(Delivery).values(team_id=team_id, rule=RULE, subject=d.subject, recipient=user_id,
                                    period=period, due_at=due, next_attempt_at=due,
                                    status=DeliveryStatus.pending, attempts=0, error="")
            .on_conflict_do_nothing(index_elements=["team_id", "rule", "subject", "recipient", "period"])
            .returning(Delivery.id)).first() is not None
        if not created:
            due = s.exec(select(Delivery.due_at).where(
                Delivery.team_id == team_id, Delivery.rule == RULE, Delivery.subject == d.subject,
                Delivery.recipient == user_id, Delivery.period == period)).one()
        else:
            audit.record(s, team_id, user_id, "weekly_report.snoozed", SUBJECT, root.id if root else d.id,
                         channel=report.channel_id, week=week, until=due, **_about(d))
        return Snoozed(d, report, due, created)


def _about(d: Delivery) -> dict:
    cid = client_id_of(d.subject)
    return {"client_id": cid} if cid is not None else {}


def _clicked(s: Session, team_id: str, user_id: str, delivery_id: int) -> Delivery:
    d = s.exec(select(Delivery).where(Delivery.team_id == team_id, Delivery.id == delivery_id,
                                      Delivery.rule == RULE)).first()
    if d is None:
        raise NotFound("report_gone")
    if d.recipient != user_id:
        raise NotAllowed("report_not_yours", owner=User(d.recipient))
    return d
