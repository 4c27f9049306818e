"""Work orders: create one with its finance job number, deliver, close, and the deliverable's sign-off.

Status moves open → delivered (the client's AE or the creator) → closed (finance) → invoiced (the invoice
service, through `mark_invoiced`, inside its own transaction). Every move is in the audit log.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..amounts import amount_problem
from ..db import Database
from ..errors import InvalidInput, NotAllowed, NotFound, Problem, User, UserError
from ..i18n import Text, text_for
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
ENGLISH = text_for("en")       # the notation amounts are read in when no reader is given (scripts, tests)
# Minor units per currency (ISO 4217): how many decimals an amount may have.
CURRENCIES = {"USD": 2, "EUR": 2, "GBP": 2, "MXN": 2, "CAD": 2, "BRL": 2, "CNY": 2, "KRW": 0, "JPY": 0}
_DELIVERABLE = (WorkOrderStatus.open, WorkOrderStatus.delivered)   # delivering again makes a new version


class Outdated(UserError):
    """A sign-off button for an earlier delivery: a sign-off binds to what the signer saw."""

    def __init__(self, wo: WorkOrder):
        super().__init__("workorder_outdated", number=wo.number, version=wo.version)


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

def read_amount(text: str, currency: str | None, notation: Text | None = None) -> Decimal | Problem:
    """The amount as the reader writes it ("1,200.50" in English, "1.200,50" in Spanish), or the
    Problem with it. `notation` is the reader's Text, used only to read digits: no prose comes back."""
    return amount_problem(text, currency, notation or ENGLISH, limit=AMOUNT_MAX)


# --- creating ----------------------------------------------------------------------------------

def validate(draft: WorkOrderDraft, today: date, notation: Text | None = None) -> Decimal:
    """Raise InvalidInput keyed by the modal's block ids; returns the estimated cost (read in the
    reader's `notation`)."""
    errors: dict[str, Problem] = {}
    if draft.client_id is None:
        errors["client"] = Problem("workorder_client_missing")
    if draft.kind not in WorkOrderKind._value2member_map_:
        errors["kind"] = Problem("workorder_kind_missing")
    title = draft.title.strip()
    if not title:
        errors["title"] = Problem("workorder_title_missing")
    elif len(title) > TITLE_MAX:
        errors["title"] = Problem("workorder_title_too_long", {"limit": TITLE_MAX, "length": len(title)})
    if len(draft.brief) > BRIEF_MAX:
        errors["brief"] = Problem("workorder_brief_too_long", {"limit": BRIEF_MAX})
    if draft.currency not in CURRENCIES:
        errors["currency"] = Problem("workorder_currency_missing")
    amount = read_amount(draft.cost, draft.currency if draft.currency in CURRENCIES else None, notation)
    if isinstance(amount, Problem):
        errors["cost"], amount = amount, Decimal(0)
    if len(draft.vendor.strip()) > VENDOR_MAX:
        errors["vendor"] = Problem("workorder_vendor_too_long", {"limit": VENDOR_MAX})
    if draft.due_on is None:
        errors["due_on"] = Problem("workorder_due_missing")
    elif draft.due_on < today:
        errors["due_on"] = Problem("due_in_past", {"date": draft.due_on})
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
           source_view_id: str | None = None, notation: Text | None = None) -> tuple[WorkOrderCard, bool]:
    """Validate, number and store a work order. Returns (card, created); a repeated submission of one
    modal returns the first one's card with created=False."""
    now = now or utcnow()
    try:
        with db.transaction() as s:
            p = people.get(s, team_id, author_id)
            local = now.astimezone(ZoneInfo(p.time_zone if p else "UTC"))
            amount = validate(draft, local.date(), notation)
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
        return _card(s, _for_owner(s, team_id, user_id, work_order_id, _DELIVERABLE, "deliver"))


def deliver(db: Database, team_id: str, user_id: str, work_order_id: int,
            deliverable: str) -> tuple[WorkOrderCard, bool]:
    """Record what was delivered. Delivering again (new text) is a new version: earlier sign-offs stop
    counting. Returns (card, changed)."""
    text = deliverable.strip()
    if not text:
        raise InvalidInput.one("deliverable", "workorder_deliverable_missing")
    if len(text) > DELIVERABLE_MAX:
        raise InvalidInput.one("deliverable", "workorder_deliverable_too_long", limit=DELIVERABLE_MAX)
    with db.transaction() as s:
        wo = _for_owner(s, team_id, user_id, work_order_id, _DELIVERABLE, "deliver")
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
          actual_cost: str, notation: Text | None = None) -> WorkOrderCard:
    """Finance closes a delivered job, recording what it actually cost (read in the reader's notation)."""
    with db.transaction() as s:
        wo = _for_finance(s, team_id, user_id, is_admin, work_order_id)
        amount = read_amount(actual_cost, wo.currency, notation)
        if isinstance(amount, Problem):
            raise InvalidInput({"actual_cost": amount})
        _move(s, wo, status=WorkOrderStatus.closed.value, actual_cost=amount, closed_at=utcnow(), closed_by=user_id)
        audit.record(s, team_id, user_id, "work_order.closed", SUBJECT, wo.id, actual_cost=amount,
                     currency=wo.currency)
        return _card(s, wo)


def mark_invoiced(s: Session, team_id: str, work_order_id: int, actor_id: str = "ae-bot") -> WorkOrder:
    """closed → invoiced, inside the invoice's own transaction (so both happen or neither)."""
    wo = _get(s, team_id, work_order_id)
    _require_status(wo, (WorkOrderStatus.closed,))
    _move(s, wo, status=WorkOrderStatus.invoiced.value)
    audit.record(s, team_id, actor_id, "work_order.invoiced", SUBJECT, wo.id)
    return wo


# --- the deliverable's sign-off ------------------------------------------------------------------

def check_can_request(db: Database, team_id: str, user_id: str,
                      work_order_id: int) -> tuple[WorkOrderCard, list[str]]:
    """The card, and the client's contacts (who will sign as the client)."""
    with db.transaction() as s:
        wo = _for_owner(s, team_id, user_id, work_order_id, (WorkOrderStatus.delivered,), "signoff")
        return _card(s, wo), _contacts(s, wo)


def request_signoff(db: Database, team_id: str, user_id: str, work_order_id: int,
                    colleague_ids: list[str]) -> WorkOrderCard:
    """Set who signs: the colleagues picked, and the client's contacts (role "client"), always."""
    with db.transaction() as s:
        wo = _for_owner(s, team_id, user_id, work_order_id, (WorkOrderStatus.delivered,), "signoff")
        contacts = _contacts(s, wo)
        wanted = {u: "colleague" for u in colleague_ids if u not in contacts}
        wanted.update({u: "client" for u in contacts})
        if not wanted:
            raise InvalidInput.one("signers", "workorder_no_signers")
        if len(wanted) > MAX_SIGNERS:
            raise InvalidInput.one("signers", "workorder_too_many_signers", limit=MAX_SIGNERS)
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
        raise InvalidInput.one("comment", "workorder_comment_missing")
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
                raise _status_error(wo)
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
        raise UserError("workorder_changed_meanwhile", number=wo.number)
    s.refresh(wo)


def _for_owner(s: Session, team_id: str, user_id: str, work_order_id: int, allowed: tuple, doing: str) -> WorkOrder:
    """`doing` is "deliver" or "signoff": which refusal an outsider gets."""
    wo = _get(s, team_id, work_order_id)
    _require_owner(s, wo, user_id, doing)
    _require_status(wo, allowed)
    return wo


def _for_finance(s: Session, team_id: str, user_id: str, is_admin: bool, work_order_id: int) -> WorkOrder:
    wo = _get(s, team_id, work_order_id)
    if not roles.has_role(s, team_id, user_id, roles.FINANCE, is_admin):
        named = roles.holders(s, team_id, roles.FINANCE)
        if named:
            raise NotAllowed("workorder_finance_only", people=[User(u) for u in named])
        raise NotAllowed("workorder_finance_only_admin")
    _require_status(wo, (WorkOrderStatus.delivered,))
    return wo


# What a work order in each status can't do any more, and what to do instead (one message each).
_STATUS_CODES = {WorkOrderStatus.open: "workorder_is_open", WorkOrderStatus.delivered: "workorder_is_delivered",
                 WorkOrderStatus.closed: "workorder_is_closed", WorkOrderStatus.invoiced: "workorder_is_invoiced"}


def _status_error(wo: WorkOrder) -> UserError:
    return UserError(_STATUS_CODES[WorkOrderStatus(wo.status)], number=wo.number)


def _require_status(wo: WorkOrder, allowed: tuple[WorkOrderStatus, ...]) -> None:
    if wo.status not in allowed:
        raise _status_error(wo)


def _require_owner(s: Session, wo: WorkOrder, user_id: str, doing: str) -> None:
    client = s.get(Client, wo.client_id)
    owners = dict.fromkeys([client.ae_id if client else None, wo.created_by])
    if user_id not in owners:
        raise NotAllowed(f"workorder_owner_only_{doing}", number=wo.number,
                         people=[User(u) for u in owners if u])


def _require_signer(s: Session, wo: WorkOrder, user_id: str) -> str:
    row = s.exec(select(WorkOrderSigner).where(WorkOrderSigner.team_id == wo.team_id,
                                               WorkOrderSigner.work_order_id == wo.id,
                                               WorkOrderSigner.user_id == user_id)).first()
    if row is None:
        raise NotAllowed("workorder_not_signer", number=wo.number)
    return row.role


def _get(s: Session, team_id: str, work_order_id: int) -> WorkOrder:
    wo = s.exec(select(WorkOrder).where(WorkOrder.team_id == team_id, WorkOrder.id == work_order_id)).first()
    if wo is None:
        raise NotFound("workorder_gone")
    return wo


def _client(s: Session, team_id: str, client_id: int) -> Client:
    c = s.exec(select(Client).where(Client.team_id == team_id, Client.id == client_id)).first()
    if c is None:
        raise InvalidInput.one("client", "workorder_client_gone")
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
