"""What App Home shows a person: their open items and the minutes waiting on signatures."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from ..db import Database
from ..models import ActionItem, Attendee, Decision, Minutes, SignOff
from . import invoices, tasks
from . import clients as clients_service


@dataclass
class HomeData:
    items: list[ActionItem]
    to_sign: list[Minutes]                       # I attended; I have not approved this version
    unsigned_mine: list[tuple[Minutes, int, int]]  # I wrote; (minutes, signed, needed)
    finance: object = None                       # open invoices by aging, for finance (services/invoices)
    clients: list | None = None                  # my clients with their next report (services/clients.ClientRow)


def for_user(db: Database, team_id: str, user_id: str, limit: int = 20) -> HomeData:
    items = tasks.open_for(db, team_id, user_id, limit=limit)
    with db.transaction() as s:
        approved = (select(SignOff.id).where(
            SignOff.team_id == team_id, SignOff.subject_kind == "minutes", SignOff.subject_id == Minutes.id,
            SignOff.content_hash == Minutes.content_hash, SignOff.signer_id == user_id,
            SignOff.decision == Decision.approve).exists())
        to_sign = list(s.exec(
            select(Minutes).join(Attendee, Attendee.minutes_id == Minutes.id)
            .where(Minutes.team_id == team_id, Attendee.team_id == team_id, Attendee.user_id == user_id,
                   ~approved)
            .order_by(Minutes.held_on.desc(), Minutes.id.desc()).limit(limit)))
        mine = list(s.exec(select(Minutes).where(Minutes.team_id == team_id, Minutes.author_id == user_id)
                           .order_by(Minutes.held_on.desc(), Minutes.id.desc()).limit(200)))
        unsigned = []
        for m in mine:
            needed = set(s.exec(select(Attendee.user_id).where(
                Attendee.team_id == team_id, Attendee.minutes_id == m.id, Attendee.user_id.is_not(None))))
            signed = set(s.exec(select(SignOff.signer_id).where(
                SignOff.team_id == team_id, SignOff.subject_kind == "minutes", SignOff.subject_id == m.id,
                SignOff.content_hash == m.content_hash, SignOff.decision == Decision.approve)))
            if needed - signed:
                unsigned.append((m, len(needed & signed), len(needed)))
            if len(unsigned) >= limit:
                break
    return HomeData(items=items, to_sign=to_sign, unsigned_mine=unsigned,
                    finance=invoices.home_for(db, team_id, user_id), clients=clients_service.mine(db, team_id, user_id))
