"""Work orders: create one with its finance job number, deliver, close, and the deliverable's sign-off.

Status moves open → delivered (the client's AE or the creator) → closed (finance) → invoiced (the invoice
service, through `mark_invoiced`, inside its own transaction). Every move is in the audit log.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..db import Database
from ..errors import InvalidInput, NotAllowed, NotFound, UserError
from ..models import (Client, ClientContact, Decision, JobCounter, SignOff, WorkOrder, WorkOrderKind,
                      WorkOrderSigner, WorkOrderStatus, utcnow)
from . import audit, people, roles, signoffs

SUBJECT = "work_order"
TITLE_MAX = 200
BRIEF_MAX = 3000            # one plain_text_input
VENDOR_MAX = 200
DELIVERABLE_MAX = 3000
MAX_SIGNERS = 50
AMOUNT_MAX = Decimal("1e12")   # the column holds 14 integer digits; nobody's job costs a trillion
# Minor units per currency (ISO 4217): how many decimals an amount may have.
CURRENCIES = {"USD": 2, "EUR": 2, "GBP": 2, "MXN": 2, "CAD": 2, "BRL": 2, "CNY": 2, "KRW": 0, "JPY": 0}
_DELIVERABLE = (WorkOrderStatus.open, WorkOrderStatus.delivered)   # delivering again makes a new version
_AMOUNT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


class Outdated(UserError):
    """A sign-off button for an earlier delivery: a sign-off binds to what the signer saw."""

    def __init__(self, wo: WorkOrder):
        super().__init__(f"{wo.number} was delivered again since that message (now version {wo.version}). "
                         "Please look at the newest sign-off card and sign there.")


@dataclass
class WorkOrderDraft:
    client_id: int | None
    kind: str | None
    title: str
    brief: str
    cost: str                  # as typed: parsed per currency
    currency: str | None
    vendor: str
    due_on: date | None


@dataclass
class WorkOrderCard:
    """Everything the job card and the sign-off card show, read in one transaction."""

    wo: WorkOrder
    client: Client
    signers: list[WorkOrderSigner]
    approvals: list[SignOff]           # on the current delivery, by listed signers
    change_requests: list[SignOff]
    must_resign: list[str]             # signed an earlier delivery, not this one

    @property
    def signer_ids(self) -> list[str]:
        return [x.user_id for x in self.signers]

    @property
    def role_of(self) -> dict[str, str]:
        return {x.user_id: x.role for x in self.signers}


# --- money ------------------------------------------------------------------------------------

def parse_amount(text: str, currency: str | None) -> Decimal:
    """"1,200.50" → Decimal("1200.50"), checked against the currency's decimals; ValueError says why."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        raise ValueError("Enter an amount, e.g. 1,200.50.")
    if raw.startswith("-"):
        raise ValueError("The amount must be more than zero.")
    if not _AMOUNT.match(raw):   # also keeps out "1e3", "NaN" and "1.200,50"
        raise ValueError("Use digits with an optional decimal point, e.g. 1200.50 or 1,200.50.")
    amount = Decimal(raw.replace(",", ""))
    if amount <= 0:
        raise ValueError("The amount must be more than zero.")
    if amount >= AMOUNT_MAX:
        raise ValueError("That amount is too large.")
    if currency in CURRENCIES:
        places = CURRENCIES[currency]
        unit = Decimal(1).scaleb(-places)
        if amount != amount.quantize(unit):
            raise ValueError(f"{currency} amounts have no decimals." if places == 0
                             else f"{currency} amounts have at most {places} decimals.")
        amount = amount.quantize(unit)
    return amount


# --- creating ----------------------------------------------------------------------------------

def validate(draft: WorkOrderDraft, today: date) -> Decimal:
    """Raise InvalidInput keyed by the modal's block ids; returns the estimated cost."""
    errors: dict[str, str] = {}
    if draft.client_id is None:
        errors["client"] = "Pick the client."
    if draft.kind not in WorkOrderKind._value2member_map_:
        errors["kind"] = "Pick the kind of work."
    title = draft.title.strip()
    if not title:
        errors["title"] = "Give the work order a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters (it has {len(title)})."
    if len(draft.brief) > BRIEF_MAX:
        errors["brief"] = f"Keep the brief under {BRIEF_MAX:,} characters."
    if draft.currency not in CURRENCIES:
        errors["currency"] = "Pick the currency."
    amount = Decimal(0)
    try:
        amount = parse_amount(draft.cost, draft.currency)
    except ValueError as e:
        errors["cost"] = str(e)
    if len(draft.vendor.strip()) > VENDOR_MAX:
        errors["vendor"] = f"Keep the vendor under {VENDOR_MAX} characters."
    if draft.due_on is None:
        errors["due_on"] = "Pick the due date."
    elif draft.due_on < today:
        errors["due_on"] = f"{draft.due_on:%Y-%m-%d} is in the past; pick today or later."
    if errors:
        raise InvalidInput(errors)
    return amount


def take_number(s: Session, team_id: str, year: int) -> int:
    """The next job number of (team, year), inside the caller's transaction.

    The UPDATE holds the counter row's lock until commit, so concurrent creations queue here, and a
    creation that rolls back gives its number back: no gaps, no duplicates. (SQLite: the write lock.)
    """
    insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
    s.execute(insert(JobCounter).values(team_id=team_id, year=year, last=0).on_conflict_do_nothing())
    bump = (sa.update(JobCounter).where(JobCounter.team_id == team_id, JobCounter.year == year)
            .values(last=JobCounter.last + 1).returning(JobCounter.last))
    return s.execute(bump).scalar_one()


def create(db: Database, team_id: str, author_id: str, draft: WorkOrderDraft, now: datetime | None = None,
           source_view_id: str | None = None) -> tuple[WorkOrderCard, bool]:
    """Validate, number and store a work order. Returns (card, created); a repeated submission of one
    modal returns the first one's card with created=False."""
    now = now or utcnow()
    try:
        with db.transaction() as s:
            p = people.get(s, team_id, author_id)
            local = now.astimezone(ZoneInfo(p.time_zone if p else "UTC"))
            amount = validate(draft, local.date())
            client = _client(s, team_id, draft.client_id)
            seq = take_number(s, team_id, local.year)
            wo = WorkOrder(team_id=team_id, client_id=client.id, number=f"WO-{local.year}-{seq:04d}",
                           year=local.year, seq=seq, kind=WorkOrderKind(draft.kind), title=draft.title.strip(),
                           brief=draft.brief.strip(), estimated_cost=amount, currency=draft.currency,
                           vendor=draft.vendor.strip(), due_on=draft.due_on, created_by=author_id,
                           created_at=now, source_view_id=source_view_id)
            s.add(wo)
            s.flush()
            audit.record(s, team_id, author_id, "work_order.created", SUBJECT, wo.id, number=wo.number,
                         client_id=client.id, estimated_cost=amount, currency=wo.currency)
            return _card(s, wo), True
    except IntegrityError:
        # The same modal submitted twice: the first one stands (and this one's number went back).
        if source_view_id is None:
            raise
        with db.transaction() as s:
            wo = s.exec(select(WorkOrder).where(WorkOrder.team_id == team_id,
                                                WorkOrder.source_view_id == source_view_id)).first()
            if wo is None:
                raise
            return _card(s, wo), False


def clients(db: Database, team_id: str, user_id: str, limit: int = 100) -> tuple[list[Client], int]:
    """The clients to pick from (the person's own first, then by name; a select holds 100) and how many
    there are in all."""
    with db.transaction() as s:
        rows = list(s.exec(select(Client).where(Client.team_id == team_id)))
    rows.sort(key=lambda c: (c.ae_id != user_id, c.name_key))
    return rows[:limit], len(rows)


# --- moving through the statuses -------------------------------------------------------------

def check_can_deliver(db: Database, team_id: str, user_id: str, work_order_id: int) -> WorkOrderCard:
    with db.transaction() as s:
        return _card(s, _for_owner(s, team_id, user_id, work_order_id, _DELIVERABLE, "mark it delivered"))


def deliver(db: Database, team_id: str, user_id: str, work_order_id: int,
            deliverable: str) -> tuple[WorkOrderCard, bool]:
    """Record what was delivered. Delivering again (new text) is a new version: earlier sign-offs stop
    counting. Returns (card, changed)."""
    text = deliverable.strip()
    if not text:
        raise InvalidInput({"deliverable": "Say what was delivered."})
    if len(text) > DELIVERABLE_MAX:
        raise InvalidInput({"deliverable": f"Keep it under {DELIVERABLE_MAX:,} characters; link to the files."})
    with db.transaction() as s:
        wo = _for_owner(s, team_id, user_id, work_order_id, _DELIVERABLE, "mark it delivered")
        if wo.content_hash and text == wo.deliverable:
            return _card(s, wo), False
        version = wo.version + 1 if wo.content_hash else wo.version   # the first delivery is version 1
        h = deliverable_hash(wo.id, version, text)
        _move(s, wo, status=WorkOrderStatus.delivered.value, deliverable=text, version=version, content_hash=h,
              delivered_at=utcnow())
        audit.record(s, team_id, user_id, "work_order.delivered", SUBJECT, wo.id, version=version, hash=h)
        return _card(s, wo), True


def deliverable_hash(work_order_id: int, version: int, text: str) -> str:
    # The version is part of it: a re-delivery is a new thing to sign even if it reverts to earlier text.
    body = {"work_order": work_order_id, "version": version, "deliverable": text}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def check_can_close(db: Database, team_id: str, user_id: str, is_admin: bool, work_order_id: int) -> WorkOrderCard:
    with db.transaction() as s:
        return _card(s, _for_finance(s, team_id, user_id, is_admin, work_order_id))


def close(db: Database, team_id: str, user_id: str, is_admin: bool, work_order_id: int,
          actual_cost: str) -> WorkOrderCard:
    """Finance closes a delivered job, recording what it actually cost."""
    with db.transaction() as s:
        wo = _for_finance(s, team_id, user_id, is_admin, work_order_id)
        try:
            amount = parse_amount(actual_cost, wo.currency)
        except ValueError as e:
            raise InvalidInput({"actual_cost": str(e)}) from None
        _move(s, wo, status=WorkOrderStatus.closed.value, actual_cost=amount, closed_at=utcnow(), closed_by=user_id)
        audit.record(s, team_id, user_id, "work_order.closed", SUBJECT, wo.id, actual_cost=amount,
                     currency=wo.currency)
        return _card(s, wo)


def mark_invoiced(s: Session, team_id: str, work_order_id: int, actor_id: str = "ae-bot") -> WorkOrder:
    """closed → invoiced, inside the invoice's own transaction (so both happen or neither)."""
    wo = _get(s, team_id, work_order_id)
    _require_status(wo, (WorkOrderStatus.closed,), "invoice it")
    _move(s, wo, status=WorkOrderStatus.invoiced.value)
    audit.record(s, team_id, actor_id, "work_order.invoiced", SUBJECT, wo.id)
    return wo


# --- the deliverable's sign-off ------------------------------------------------------------------

def check_can_request(db: Database, team_id: str, user_id: str,
                      work_order_id: int) -> tuple[WorkOrderCard, list[str]]:
    """The card, and the client's contacts (who will sign as the client)."""
    with db.transaction() as s:
        wo = _for_owner(s, team_id, user_id, work_order_id, (WorkOrderStatus.delivered,), "ask for sign-off")
        return _card(s, wo), _contacts(s, wo)


def request_signoff(db: Database, team_id: str, user_id: str, work_order_id: int,
                    colleague_ids: list[str]) -> WorkOrderCard:
    """Set who signs: the colleagues picked, and the client's contacts (role "client"), always."""
    with db.transaction() as s:
        wo = _for_owner(s, team_id, user_id, work_order_id, (WorkOrderStatus.delivered,), "ask for sign-off")
        contacts = _contacts(s, wo)
        wanted = {u: "colleague" for u in colleague_ids if u not in contacts}
        wanted.update({u: "client" for u in contacts})
        if not wanted:
            raise InvalidInput({"signers": "Pick who worked on it (this client has no contacts on file to confirm)."})
        if len(wanted) > MAX_SIGNERS:
            raise InvalidInput({"signers": f"At most {MAX_SIGNERS} people can sign one deliverable."})
        for row in _signers(s, wo):
            role = wanted.pop(row.user_id, None)
            if role is None:
                s.delete(row)
            elif role != row.role:
                row.role = role
                s.add(row)
        for u, role in wanted.items():
            s.add(WorkOrderSigner(team_id=team_id, work_order_id=wo.id, user_id=u, role=role))
        s.flush()
        audit.record(s, team_id, user_id, "work_order.signoff_requested", SUBJECT, wo.id, version=wo.version,
                     signers=[x.user_id for x in _signers(s, wo)])
        return _card(s, wo)


def sign_off(db: Database, team_id: str, user_id: str, work_order_id: int,
             version: int | None = None) -> tuple[WorkOrderCard, bool]:
    return _decide(db, team_id, user_id, work_order_id, Decision.approve, "", version)


def request_changes(db: Database, team_id: str, user_id: str, work_order_id: int,
                    comment: str) -> tuple[WorkOrderCard, bool]:
    comment = comment.strip()
    if not comment:
        raise InvalidInput({"comment": "Say what should change."})
    return _decide(db, team_id, user_id, work_order_id, Decision.changes_requested, comment[:3000])


def check_signer(db: Database, team_id: str, user_id: str, work_order_id: int) -> WorkOrder:
    with db.transaction() as s:
        wo = _get(s, team_id, work_order_id)
        _require_signer(s, wo, user_id)
        return wo


# --- reading, and where the cards are ----------------------------------------------------------

def load(db: Database, team_id: str, work_order_id: int) -> WorkOrderCard:
    with db.transaction() as s:
        return _card(s, _get(s, team_id, work_order_id))


def set_message(db: Database, team_id: str, work_order_id: int, channel: str, ts: str) -> None:
    with db.transaction() as s:
        wo = _get(s, team_id, work_order_id)
        wo.message_channel, wo.message_ts = channel, ts
        s.add(wo)


def set_signoff_message(db: Database, team_id: str, work_order_id: int, channel: str, ts: str) -> None:
    with db.transaction() as s:
        wo = _get(s, team_id, work_order_id)
        wo.signoff_channel, wo.signoff_ts = channel, ts
        s.add(wo)


# --- inside a transaction ----------------------------------------------------------------------

def _decide(db, team_id, user_id, work_order_id, decision: Decision, comment: str, version: int | None = None):
    try:
        with db.transaction() as s:
            wo = _get(s, team_id, work_order_id)
            role = _require_signer(s, wo, user_id)
            if version is not None and version != wo.version:
                raise Outdated(wo)
            if wo.status != WorkOrderStatus.delivered and decision == Decision.changes_requested:
                raise UserError(f"{wo.number} is {wo.status}; it can no longer be changed.")
            counted = signoffs.decide(s, team_id, SUBJECT, wo.id, wo.version, wo.content_hash, user_id, decision,
                                      comment, role=role)
            return _card(s, wo), counted
    except IntegrityError:
        # A double click raced us to the same row: it counts once.
        return load(db, team_id, work_order_id), False


def _move(s: Session, wo: WorkOrder, **values) -> None:
    """Write `values` only if the work order is still as we read it (status and version): two people
    acting at once can't both move it."""
    q = sa.update(WorkOrder).where(WorkOrder.id == wo.id, WorkOrder.team_id == wo.team_id,
                                   WorkOrder.status == str(getattr(wo.status, "value", wo.status)),
                                   WorkOrder.version == wo.version)
    if s.execute(q.values(**values)).rowcount != 1:
        raise UserError(f"Someone changed {wo.number} at the same moment. Look at its card and try again.")
    s.refresh(wo)


def _for_owner(s: Session, team_id: str, user_id: str, work_order_id: int, allowed: tuple, doing: str) -> WorkOrder:
    wo = _get(s, team_id, work_order_id)
    _require_owner(s, wo, user_id, doing)
    _require_status(wo, allowed, doing)
    return wo


def _for_finance(s: Session, team_id: str, user_id: str, is_admin: bool, work_order_id: int) -> WorkOrder:
    wo = _get(s, team_id, work_order_id)
    roles.require(s, team_id, user_id, roles.FINANCE, is_admin, "close a job")
    _require_status(wo, (WorkOrderStatus.delivered,), "close the job")
    return wo


def _require_status(wo: WorkOrder, allowed: tuple[WorkOrderStatus, ...], doing: str) -> None:
    if wo.status in allowed:
        return
    need = " or ".join(a.value for a in allowed)
    hint = {WorkOrderStatus.open: " Mark it delivered first.", WorkOrderStatus.closed: " The job is closed.",
            WorkOrderStatus.invoiced: " It has been invoiced."}.get(WorkOrderStatus(wo.status), "")
    raise UserError(f"{wo.number} is {WorkOrderStatus(wo.status).value}; you can {doing} only when it is "
                    f"{need}.{hint}")


def _require_owner(s: Session, wo: WorkOrder, user_id: str, doing: str) -> None:
    client = s.get(Client, wo.client_id)
    owners = dict.fromkeys([client.ae_id if client else None, wo.created_by])
    if user_id not in owners:
        who = " or ".join(f"<@{u}>" for u in owners if u)
        raise NotAllowed(f"Only the client's AE or whoever opened {wo.number} can {doing}. Ask {who}.")


def _require_signer(s: Session, wo: WorkOrder, user_id: str) -> str:
    row = s.exec(select(WorkOrderSigner).where(WorkOrderSigner.team_id == wo.team_id,
                                               WorkOrderSigner.work_order_id == wo.id,
                                               WorkOrderSigner.user_id == user_id)).first()
    if row is None:
        raise NotAllowed(f"Only the people asked to sign {wo.number}'s deliverable can sign it off.")
    return row.role


def _get(s: Session, team_id: str, work_order_id: int) -> WorkOrder:
    wo = s.exec(select(WorkOrder).where(WorkOrder.team_id == team_id, WorkOrder.id == work_order_id)).first()
    if wo is None:
        raise NotFound("That work order no longer exists in this workspace.")
    return wo


def _client(s: Session, team_id: str, client_id: int) -> Client:
    c = s.exec(select(Client).where(Client.team_id == team_id, Client.id == client_id)).first()
    if c is None:
        raise InvalidInput({"client": "That client no longer exists; pick another."})
    return c


def _contacts(s: Session, wo: WorkOrder) -> list[str]:
    return list(s.exec(select(ClientContact.user_id).where(
        ClientContact.team_id == wo.team_id, ClientContact.client_id == wo.client_id).order_by(ClientContact.id)))


def _signers(s: Session, wo: WorkOrder) -> list[WorkOrderSigner]:
    return list(s.exec(select(WorkOrderSigner).where(WorkOrderSigner.team_id == wo.team_id,
                                                     WorkOrderSigner.work_order_id == wo.id)
                       .order_by(WorkOrderSigner.id)))


def _card(s: Session, wo: WorkOrder) -> WorkOrderCard:
    signers = _signers(s, wo)
    ids = {x.user_id for x in signers}
    # Nothing delivered yet (no hash): nothing to have signed.
    t = signoffs.tally(s, wo.team_id, SUBJECT, wo.id, wo.content_hash or "-")
    return WorkOrderCard(wo=wo, client=s.get(Client, wo.client_id), signers=signers,
                         approvals=[x for x in t.approvals if x.signer_id in ids],
                         change_requests=[x for x in t.change_requests if x.signer_id in ids],
                         must_resign=t.must_resign([x.user_id for x in signers]))
