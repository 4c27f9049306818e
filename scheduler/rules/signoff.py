"""Sign-off nudges: 24 h after the minutes' summary was posted, then daily, a DM to each attendee who
has not approved the current version.

- The clock starts when the summary was posted (Minutes.message_ts, the Slack ts of the channel
  message), not when the row was written: a summary that could not be posted at first (a private
  channel the bot wasn't in) is re-posted later, and 24 h must count from when people could see it.
  An edit is a new version to sign: its nudges count again from the edit (Minutes.updated_at, when the
  summary was refreshed), and the nudges for the old version stop. Minutes never posted get none.
- Quiet hours: a nudge never arrives outside 08:00–20:00 in the recipient's zone nor on a weekend; it
  moves to the next working morning (09:00, or their own time for this rule). Several nudges that land
  on the same local day (a weekend folded into Monday) go out once, as the earliest of them.
- At most MAX_NUDGES DMs per version: after a week of them, more would only teach people to mute us.
- Whoever signed (or asked for changes on this version: they have answered) gets no more.

Period key: `nudge-<n>` where n is the day after the posting (1 = 24 h later); the subject carries the
version (`<minutes id>:v<version>`) so a new version's nudges are new occurrences.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlmodel import or_, select

from bot.models import Attendee, Decision, Delivery, Minutes, SignOff
from bot.render.signoff_nudges import signoff_nudge

from ..clock import at_local, business_day, every, fire_times, zone
from . import Context, Occurrence

SUBJECT = "minutes"
FIRST_AFTER = timedelta(hours=24)
MAX_NUDGES = 7
SERIES_DAYS = 14          # nominal days looked at: 7 distinct working days always fit in 10
MORNING = (9, 0)
AWAKE_FROM, AWAKE_UNTIL = time(8, 0), time(20, 0)
# Oldest anchor whose series can still reach the window: SERIES_DAYS days + a weekend's shift.
REACH = timedelta(days=SERIES_DAYS + 4)


def posted_at(m: Minutes) -> datetime | None:
    """When people could first read this version: the later of the post and the last edit."""
    if not m.message_ts:
        return None
    try:
        # A Slack ts is "<unix seconds>.<sequence>": the part after the dot is not a fraction of time.
        posted = datetime.fromtimestamp(int(m.message_ts.split(".")[0]), timezone.utc)
    except ValueError:
        posted = m.created_at
    return max(posted, m.updated_at) if m.version > 1 and m.updated_at else posted


def _awake(t: datetime, tz: str, hh: int, mm: int) -> datetime:
    """The nudge's instant, or the next working morning when it would come at night or on a weekend."""
    local = t.astimezone(zone(tz))
    day, moved = local.date(), False
    if local.time() >= AWAKE_UNTIL:
        day, moved = day + timedelta(days=1), True
    elif local.time() < AWAKE_FROM:
        moved = True
    if day.weekday() >= 5:
        day, moved = business_day(day, forward=True), True
    return at_local(day, hh, mm, tz) if moved else t


def schedule(anchor: datetime, tz: str, morning: tuple[int, int]) -> list[tuple[int, datetime]]:
    """(n, instant) of every nudge of one version for one recipient: at most one a local day, at most
    MAX_NUDGES. Computed over the whole series (not the window) so the keys are the same every tick."""
    first = anchor + FIRST_AFTER
    nominal = fire_times(every(1, first, tz), first - timedelta(seconds=1), first + timedelta(days=SERIES_DAYS - 1))
    out, days = [], set()
    for n, t in enumerate(nominal, start=1):
        when = _awake(t, tz, *morning)
        day = when.astimezone(zone(tz)).date()
        if day in days:
            continue
        days.add(day)
        out.append((n, when))
        if len(out) == MAX_NUDGES:
            break
    return out


def _subject(m: Minutes) -> str:
    return f"{m.id}:v{m.version}"


class Answers:
    """Attendees (who may sign) and who has answered the current version, for a set of minutes."""

    def __init__(self, ctx: Context, minutes: list[Minutes]):
        by_key = {(m.team_id, m.id): m for m in minutes}
        ids = [m.id for m in minutes]
        self.signers: dict[int, list[str]] = {m.id: [] for m in minutes}
        self.approved: dict[int, set[str]] = {m.id: set() for m in minutes}
        self.answered: dict[int, set[str]] = {m.id: set() for m in minutes}
        self.approved_before: dict[int, set[str]] = {m.id: set() for m in minutes}
        if not ids:
            return
        for a in ctx.s.exec(select(Attendee).where(Attendee.minutes_id.in_(ids), Attendee.user_id.is_not(None))
                            .order_by(Attendee.id)):
            if (a.team_id, a.minutes_id) in by_key:
                self.signers[a.minutes_id].append(a.user_id)
        for so in ctx.s.exec(select(SignOff).where(SignOff.subject_kind == SUBJECT, SignOff.subject_id.in_(ids))):
            m = by_key.get((so.team_id, so.subject_id))
            if m is None:
                continue
            if so.content_hash == m.content_hash:
                self.answered[m.id].add(so.signer_id)
                if so.decision == Decision.approve:
                    self.approved[m.id].add(so.signer_id)
            elif so.decision == Decision.approve:
                self.approved_before[m.id].add(so.signer_id)

    def waiting(self, m: Minutes) -> list[str]:
        return [u for u in self.signers[m.id] if u not in self.answered[m.id]]


class SignoffNudge:
    name = "signoff_nudge"
    to_person = True

    def occurrences(self, ctx: Context):
        lowest = ctx.start - REACH
        # Slack ts strings all have 10 digits before the dot (2001–2286), so they compare as text.
        since = f"{int(lowest.timestamp()):010d}"
        minutes = list(ctx.s.exec(select(Minutes).where(
            Minutes.message_ts.is_not(None),
            or_(Minutes.message_ts >= since, Minutes.updated_at >= lowest))))
        minutes = [m for m in minutes if (a := posted_at(m)) and lowest < a <= ctx.end - FIRST_AFTER]
        answers = Answers(ctx, minutes)
        cache: dict = {}
        for m in minutes:
            anchor = posted_at(m)
            for who in answers.waiting(m):
                tz = ctx.tz(m.team_id, who)
                morning = ctx.time_for(m.team_id, who, self.name, MORNING)
                key = (anchor, tz, morning)
                if key not in cache:
                    cache[key] = schedule(anchor, tz, morning)
                for n, due in cache[key]:
                    if ctx.start < due <= ctx.end:
                        yield Occurrence(m.team_id, self.name, _subject(m), who, f"nudge-{n}", due)

    def render(self, ctx: Context, deliveries: list[Delivery]):
        ids = {int(d.subject.split(":")[0]) for d in deliveries}
        minutes = {(m.team_id, m.id): m for m in ctx.s.exec(select(Minutes).where(Minutes.id.in_(ids)))}
        answers = Answers(ctx, list(minutes.values()))
        out = {}
        for d in deliveries:
            m = minutes.get((d.team_id, int(d.subject.split(":")[0])))
            # Gone, edited since (the new version has its own nudges), unposted, or already answered.
            if m is None or _subject(m) != d.subject or not m.message_ts or d.recipient not in answers.waiting(m):
                out[d.id] = None
                continue
            signers = answers.signers[m.id]
            out[d.id] = signoff_nudge(m, d.recipient, signed=len(answers.approved[m.id] & set(signers)),
                                      total=len(signers), resign=d.recipient in answers.approved_before[m.id],
                                      t=ctx.text(d.team_id, d.recipient))
        return out
