"""Who and where a Teams activity is: our workspace and person keys for its tenant and sender, the
person's zone and locale from the activity's `clientInfo`, and the conversation references the bot
needs to write first (kept on install and on every message, retired on uninstall)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import select

from ..db import Database
from ..models import TeamsAccount, TeamsConversation, utcnow
from ..services import people


def team_key(tenant_id: str) -> str:
    return "MT" + hashlib.sha256(f"tenant:{tenant_id}".encode()).hexdigest()[:24].upper()


def user_key(tenant_id: str, user: str) -> str:
    return "MU" + hashlib.sha256(f"user:{tenant_id}:{user}".encode()).hexdigest()[:24].upper()


@dataclass(frozen=True)
class Sender:
    team_id: str
    user_id: str
    tenant_id: str
    name: str
    locale: str | None
    tz: str | None


def tenant_of(activity: dict) -> str:
    return ((activity.get("conversation") or {}).get("tenantId")
            or ((activity.get("channelData") or {}).get("tenant") or {}).get("id") or "")


def sender_of(activity: dict) -> Sender:
    tenant = tenant_of(activity)
    who = activity.get("from") or {}
    info = next((e for e in activity.get("entities") or [] if isinstance(e, dict) and e.get("type") == "clientInfo"),
                {})
    tz = info.get("timezone") or activity.get("localTimezone")
    return Sender(team_key(tenant), user_key(tenant, who.get("aadObjectId") or who.get("id", "")), tenant,
                  str(who.get("name") or ""), info.get("locale") or activity.get("locale"),
                  tz if isinstance(tz, str) and people.valid_zone(tz) else None)


def _kind(activity: dict) -> str:
    kind = (activity.get("conversation") or {}).get("conversationType") or "personal"
    return kind if kind in ("personal", "groupChat", "channel") else "personal"


def _bot_removed(activity: dict) -> bool:
    bot = (activity.get("recipient") or {}).get("id")
    if activity.get("type") == "installationUpdate":
        return activity.get("action") in ("remove", "remove-upgrade")
    removed = activity.get("membersRemoved") or []
    return any(isinstance(m, dict) and m.get("id") == bot for m in removed)


def observe(db: Database, activity: dict) -> Sender:
    """Remember the sender (zone and locale refreshed whenever they write) and the conversation, or
    retire it when the bot was uninstalled or removed. One transaction."""
    sender = sender_of(activity)
    conversation = (activity.get("conversation") or {}).get("id")
    with db.transaction() as s:
        if activity.get("type") == "message" or sender.tz or sender.locale:
            people.remember(db, sender.team_id, sender.user_id, name=sender.name, tz=sender.tz, locale=sender.locale)
        who = activity.get("from") or {}
        account = s.exec(select(TeamsAccount).where(TeamsAccount.team_id == sender.team_id,
                                                    TeamsAccount.user_id == sender.user_id)).first()
        if account is None:
            account = TeamsAccount(team_id=sender.team_id, user_id=sender.user_id, tenant_id=sender.tenant_id,
                                   teams_id=str(who.get("id", "")))
        account.teams_id, account.aad_object_id = str(who.get("id", "")), who.get("aadObjectId")
        account.name, account.seen_at = sender.name or account.name, utcnow()
        s.add(account)
        if conversation:
            ref = s.exec(select(TeamsConversation).where(TeamsConversation.team_id == sender.team_id,
                                                         TeamsConversation.conversation_id == conversation)).first()
            if _bot_removed(activity):
                if ref is not None and ref.retired_at is None:
                    ref.retired_at = utcnow()
                    s.add(ref)
            else:
                ref = ref or TeamsConversation(team_id=sender.team_id, conversation_id=conversation,
                                               tenant_id=sender.tenant_id, service_url=activity["serviceUrl"])
                ref.service_url, ref.kind = activity["serviceUrl"], _kind(activity)
                ref.bot_id = str((activity.get("recipient") or {}).get("id", ""))
                ref.user_id = sender.user_id if ref.kind == "personal" else None
                ref.retired_at = None
                s.add(ref)
    return sender
