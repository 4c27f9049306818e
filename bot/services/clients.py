"""Clients: add and edit one (from the /client modal), list them, find one by name, and when its
weekly report comes next.

Call days and the tier (the rule the modal follows, `call_days_for`):
  1. no day ticked → the tier's default (TIER_CALL_DAYS);
  2. the days ticked are still the default of the tier the form opened with, and the tier was changed
     → the new tier's default (the person left the cadence to the tier);
  3. otherwise → exactly the days ticked (the client's own cadence, kept across tier changes).

A repeated submission of one modal (same view id) saves once and is answered once: the view id is
kept in the `client.created` / `client.updated` audit event, and an edit that changes nothing records
nothing.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..db import Database
from ..errors import InvalidInput, NotFound, Problem
from ..i18n import LANGUAGES
from ..models import TIER_CALL_DAYS, AuditEvent, Client, ClientContact, Tier, utcnow
from . import audit
from .reports import zone_of

SUBJECT = "client"
CREATED, UPDATED = "client.created", "client.updated"
NAME_MAX = 120
CONTACTS_MAX = 50
TERMS_MIN, TERMS_MAX, TERMS_DEFAULT = 1, 365, 45
DAYS = ("mon", "tue", "wed", "thu", "fri")
REPORT_DAY, REPORT_TIME = "mon", "12:00"
WORKSPACE_DEFAULT = "default"   # the /client modal's Language choice: posts follow the workspace's language
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass
class ClientDraft:
    """What the /client modal said, as typed (time and payment terms are still text)."""

    name: str
    tier: str | None
    ae_id: str | None
    channel_id: str | None
    report_day: str | None
    report_time: str
    call_days: list[str]
    contacts: list[str] = field(default_factory=list)
    payment_terms: str = str(TERMS_DEFAULT)
    opened_tier: str | None = None      # the tier the form's call days were filled from (rule 2)
    language: str | None = None         # en/es/ko/zh; None or WORKSPACE_DEFAULT: the workspace's


@dataclass
class ClientRow:
    client: Client
    contacts: list[str]
    next_report: datetime | None        # None: no channel, so no report


@dataclass
class Saved:
    client: Client
    contacts: list[str]
    created: bool
    changed: bool                       # False: a repeated submission, or an edit that changed nothing
    next_report: datetime | None = None
    repeat: bool = False                # this very modal was saved before (Slack retried, Save clicked twice)


def name_key(name: str) -> str:
    """One client per name in a workspace, whatever the case or spacing: "ACME  Foods" is "acme foods"."""
    return " ".join((name or "").split()).lower()


def clean_name(name: str) -> str:
    return " ".join((name or "").split())


def call_days_for(tier: Tier, ticked: list[str], opened_tier: str | None) -> str:
    """The cadence to store (see the module's rule)."""
    days = [d for d in DAYS if d in set(ticked)]
    if not days:
        return TIER_CALL_DAYS[tier]
    joined = ",".join(days)
    if opened_tier in Tier._value2member_map_ and Tier(opened_tier) != tier \
            and joined == TIER_CALL_DAYS[Tier(opened_tier)]:
        return TIER_CALL_DAYS[tier]
    return joined


def hh_mm(text: str) -> str | None:
    """"9:30" or "09:30" → "09:30"; None when it is not a time of day."""
    m = _HHMM.match(text or "")
    if not m:
        return None
    h, mm = int(m.group(1)), int(m.group(2))
    return f"{h:02d}:{mm:02d}" if 0 <= h < 24 and 0 <= mm < 60 else None


def next_report_at(report_day: str, report_time: str, tz: str, now: datetime) -> datetime:
    """The next instant (at or after `now`) of the weekly report: report_day at report_time in `tz`.

    APScheduler does the calendar (and DST) math, as the scheduler's rule does."""
    h, m = (int(x) for x in (hh_mm(report_time) or REPORT_TIME).split(":"))
    trigger = CronTrigger(day_of_week=report_day, hour=h, minute=m, timezone=ZoneInfo(tz))
    return trigger.get_next_fire_time(None, now)


def is_due_for_call(client: Client, weekday: int) -> bool:
    """Is `weekday` (0 = Monday) one of the client's progress-call days?"""
    return weekday < len(DAYS) and DAYS[weekday] in (client.call_days or "").split(",")


# --- reading ---------------------------------------------------------------------------------------

def of_team(s: Session, team_id: str) -> list[Client]:
    return list(s.exec(select(Client).where(Client.team_id == team_id).order_by(Client.name_key)))


def by_id(s: Session, team_id: str, client_id: int) -> Client | None:
    return s.exec(select(Client).where(Client.team_id == team_id, Client.id == client_id)).first()


def by_channel(s: Session, team_id: str, channel_id: str) -> Client | None:
    return s.exec(select(Client).where(Client.team_id == team_id, Client.channel_id == channel_id)
                  .order_by(Client.id)).first()


def contacts_of(s: Session, team_id: str, client_id: int) -> list[str]:
    return list(s.exec(select(ClientContact.user_id).where(
        ClientContact.team_id == team_id, ClientContact.client_id == client_id).order_by(ClientContact.id)))


def _next(s: Session, c: Client, now: datetime, zones: dict | None = None) -> datetime | None:
    """When the scheduler will next send the client's report (none without a channel)."""
    if not c.channel_id:
        return None
    zones = {} if zones is None else zones
    if c.ae_id not in zones:
        zones[c.ae_id] = zone_of(s, c.team_id, c.ae_id)
    return next_report_at(c.report_day, c.report_time, zones[c.ae_id], now)


def rows(s: Session, team_id: str, now: datetime, ae_id: str | None = None) -> list[ClientRow]:
    clients = [c for c in of_team(s, team_id) if ae_id is None or c.ae_id == ae_id]
    contacts: dict[int, list[str]] = {}
    if clients:
        for cid, uid in s.exec(select(ClientContact.client_id, ClientContact.user_id).where(
                ClientContact.team_id == team_id, ClientContact.client_id.in_([c.id for c in clients]))
                .order_by(ClientContact.id)):
            contacts.setdefault(cid, []).append(uid)
    zones: dict[str, str] = {}
    return [ClientRow(c, contacts.get(c.id, []), _next(s, c, now, zones)) for c in clients]


def list_for(db: Database, team_id: str, now: datetime | None = None) -> list[ClientRow]:
    with db.transaction() as s:
        return rows(s, team_id, now or utcnow())


def mine(db: Database, team_id: str, ae_id: str, now: datetime | None = None) -> list[ClientRow]:
    with db.transaction() as s:
        return rows(s, team_id, now or utcnow(), ae_id=ae_id)


def find(db: Database, team_id: str, name: str) -> ClientRow:
    """The client with this name (any case); NotFound lists the close names."""
    with db.transaction() as s:
        key = name_key(name)
        clients = of_team(s, team_id)
        for c in clients:
            if c.name_key == key:
                return ClientRow(c, contacts_of(s, team_id, c.id), _next(s, c, utcnow()))
    raise _not_found(name, clients)


def _not_found(name: str, clients: list[Client]) -> NotFound:
    key = name_key(name)
    close = [c.name for c in clients if key and (key in c.name_key or c.name_key in key)]
    close += difflib.get_close_matches(key, [c.name_key for c in clients], n=3, cutoff=0.6)
    names = {c.name_key: c.name for c in clients}
    close = list(dict.fromkeys(names.get(n, n) for n in close))[:5]
    shown = clean_name(name)[:60]
    if close:
        return NotFound("client_not_found_close", name=shown, names=close)
    if clients:
        return NotFound("client_not_found", name=shown)
    return NotFound("client_not_found_none", name=shown)


def load(db: Database, team_id: str, client_id: int) -> ClientRow:
    with db.transaction() as s:
        c = by_id(s, team_id, client_id)
        if c is None:
            raise NotFound("client_gone")
        return ClientRow(c, contacts_of(s, team_id, c.id), _next(s, c, utcnow()))


def for_picker(db: Database, team_id: str, user_id: str, channel_id: str | None,
               limit: int = 100) -> tuple[list[Client], Client | None, int]:
    """Clients to offer in a picker (the person's own first, then by name, at most `limit`), the one
    whose channel this is, and how many were left out."""
    with db.transaction() as s:
        clients = of_team(s, team_id)
        here = by_channel(s, team_id, channel_id) if channel_id else None
    clients.sort(key=lambda c: (c.ae_id != user_id, c.name_key))
    shown = clients[:limit]
    if here and all(c.id != here.id for c in shown):
        shown = [here, *shown[:limit - 1]]
    return shown, here, len(clients) - len(shown)


# --- writing ---------------------------------------------------------------------------------------

def check(s: Session, team_id: str, draft: ClientDraft, client_id: int | None) -> tuple[dict, dict[str, Problem]]:
    """The fields to store and the errors, keyed by the modal's block ids."""
    errors: dict[str, Problem] = {}
    name = clean_name(draft.name)
    if not name:
        errors["name"] = Problem("client_name_missing")
    elif len(name) > NAME_MAX:
        errors["name"] = Problem("client_name_too_long", {"limit": NAME_MAX})
    else:
        other = s.exec(select(Client).where(Client.team_id == team_id, Client.name_key == name_key(name))).first()
        if other and other.id != client_id:
            errors["name"] = Problem("client_name_taken", {"name": other.name})
    tier = Tier(draft.tier) if draft.tier in Tier._value2member_map_ else None
    if tier is None:
        errors["tier"] = Problem("client_tier_missing")
    if not draft.ae_id:
        errors["ae"] = Problem("client_ae_missing")
    channel = draft.channel_id
    if not channel:
        errors["channel"] = Problem("client_channel_missing")
    elif channel[:1] == "D":
        errors["channel"] = Problem("client_channel_dm")
    else:
        owner = by_channel(s, team_id, channel)
        if owner and owner.id != client_id:
            # Modal errors are plain text: a <#C…> mention would show as code, so name the client.
            errors["channel"] = Problem("client_channel_taken", {"client": owner.name})
    if draft.report_day not in DAYS:
        errors["report_day"] = Problem("client_report_day_missing")
    time = hh_mm(draft.report_time)
    if time is None:
        errors["report_time"] = Problem("client_bad_time")
    terms = None
    try:
        terms = int((draft.payment_terms or "").strip())
    except ValueError:
        errors["payment_terms"] = Problem("client_bad_terms")
    else:
        if not TERMS_MIN <= terms <= TERMS_MAX:
            errors["payment_terms"] = Problem("client_terms_range", {"low": TERMS_MIN, "high": TERMS_MAX})
    language = None if draft.language in (None, "", WORKSPACE_DEFAULT) else draft.language
    if language is not None and language not in LANGUAGES:
        errors["language"] = Problem("client_bad_language")
    contacts = list(dict.fromkeys(u for u in draft.contacts if u))
    if len(contacts) > CONTACTS_MAX:
        errors["contacts"] = Problem("client_too_many_contacts", {"limit": CONTACTS_MAX})
    fields = {}
    if not errors:
        fields = dict(name=name, name_key=name_key(name), tier=tier, ae_id=draft.ae_id, channel_id=channel,
                      report_day=draft.report_day, report_time=time, payment_terms_days=terms,
                      call_days=call_days_for(tier, draft.call_days, draft.opened_tier), language=language)
    return {**fields, "contacts": contacts}, errors


def save(db: Database, team_id: str, actor_id: str, draft: ClientDraft, client_id: int | None = None,
         view_id: str | None = None, now: datetime | None = None) -> Saved:
    """Add (client_id None) or edit a client and its contacts in one transaction, with an audit event."""
    now = now or utcnow()
    try:
        with db.transaction() as s:
            fields, errors = check(s, team_id, draft, client_id)
            if errors:
                again = _same_view(s, team_id, view_id, draft) if client_id is None else None
                if again is not None:
                    return again
                raise InvalidInput(errors)
            contacts = fields.pop("contacts")
            if client_id is None:
                c = Client(team_id=team_id, created_by=actor_id, **fields)
                s.add(c)
                s.flush()
                _set_contacts(s, c, contacts)
                audit.record(s, team_id, actor_id, CREATED, SUBJECT, c.id, view=view_id,
                             **_described(c, contacts))
                s.flush()
                return Saved(c, contacts, created=True, changed=True, next_report=_next(s, c, now))
            c = by_id(s, team_id, client_id)
            if c is None:
                raise NotFound("client_gone")
            before = _described(c, contacts_of(s, team_id, c.id))
            for k, v in fields.items():
                setattr(c, k, v)
            s.add(c)
            _set_contacts(s, c, contacts)
            after = _described(c, contacts)
            changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
            if changed:
                audit.record(s, team_id, actor_id, UPDATED, SUBJECT, c.id, view=view_id, changed=changed)
            s.flush()
            return Saved(c, contacts, created=False, changed=bool(changed), next_report=_next(s, c, now),
                         repeat=not changed and _saved_by(s, team_id, c.id, UPDATED, view_id))
    except IntegrityError:
        # Two submissions of one view raced past the duplicate check: the first one stands.
        with db.transaction() as s:
            again = _same_view(s, team_id, view_id, draft)
            if again is None:
                raise InvalidInput.one("name", "client_taken")
            return again


def _same_view(s: Session, team_id: str, view_id: str | None, draft: ClientDraft) -> Saved | None:
    """The client this very modal created already (a repeated submission), if so."""
    if not view_id:
        return None
    c = s.exec(select(Client).where(Client.team_id == team_id, Client.name_key == name_key(draft.name))).first()
    if c is None or not _saved_by(s, team_id, c.id, CREATED, view_id):
        return None
    return Saved(c, contacts_of(s, team_id, c.id), created=True, changed=False,
                 next_report=_next(s, c, utcnow()), repeat=True)


def _saved_by(s: Session, team_id: str, client_id: int, action: str, view_id: str | None) -> bool:
    """Did this modal (view id) already create or change the client? (The audit event keeps the view.)"""
    if not view_id:
        return False
    return any(json.loads(e.detail).get("view") == view_id for e in s.exec(select(AuditEvent).where(
        AuditEvent.team_id == team_id, AuditEvent.subject_kind == SUBJECT, AuditEvent.subject_id == client_id,
        AuditEvent.action == action)))


def _set_contacts(s: Session, c: Client, wanted: list[str]) -> None:
    have = {cc.user_id: cc for cc in s.exec(select(ClientContact).where(
        ClientContact.team_id == c.team_id, ClientContact.client_id == c.id))}
    for uid, row in have.items():
        if uid not in wanted:
            s.delete(row)
    s.flush()
    for uid in wanted:
        if uid not in have:
            s.add(ClientContact(team_id=c.team_id, client_id=c.id, user_id=uid))


def _described(c: Client, contacts: list[str]) -> dict:
    return {"name": c.name, "tier": Tier(c.tier).value, "ae": c.ae_id, "channel": c.channel_id,
            "report_day": c.report_day, "report_time": c.report_time, "call_days": c.call_days,
            "payment_terms_days": c.payment_terms_days, "language": c.language, "contacts": sorted(contacts)}
