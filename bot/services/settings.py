"""A person's reminder settings and language (/ae settings) and holidays (/ae away), and the workspace's
time zone and language. Problems are raised as codes (worded in bot/render/problems.py)."""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, select

from ..db import Database
from ..errors import InvalidInput, Problem, UserError
from ..i18n import LANGUAGES, language_of
from ..models import Person, Workspace
from . import audit, people, readers, roles

# Rules whose time a person may move, with the time they come at otherwise.
RULE_TIMES: dict[str, tuple[int, int]] = {
    "item_due": (9, 0), "daily_call": (9, 30), "weekly_report": (12, 0), "weekly_planning": (19, 0),
    "quarterly_review": (10, 0),
}
# Rules a person may opt out of; some choices cover more than one rule (the yearly review comes with
# the quarterly one).
OPT_OUTS: dict[str, tuple[str, ...]] = {
    "item_due": ("item_due",), "item_overdue": ("item_overdue",), "signoff_nudge": ("signoff_nudge",),
    "daily_call": ("daily_call",), "weekly_report": ("weekly_report",),
    "quarterly_review": ("quarterly_review", "yearly_review"),
}
AWAY_MAX_DAYS = 90
SLACK_LANGUAGE = "slack"   # the language select's value for "none chosen: follow Slack's locale"
_HHMM = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
_RANGE = re.compile(r"^(\S+?)\s*(?:\.\.|…|–|—)\s*(\S+)$")


@dataclass
class Current:
    """What the settings modal shows: the person's values (defaults filled in) and the workspace's."""

    slack_tz: str | None
    tz_override: str | None
    times: dict[str, str]
    opted_out: set[str]
    weekly_planning: bool
    workspace_tz: str
    away_from: date | None = None
    away_until: date | None = None
    roles: dict[str, list[str]] = field(default_factory=dict)   # finance/lead holders (shown to admins)
    language: str | None = None            # chosen in /ae settings; None: Slack's
    slack_language: str = "en"             # what the person's Slack locale gives
    workspace_language: str = "en"         # of channel posts: stored, else what a first save would store


@dataclass
class Choices:
    """What the person submitted; `workspace_tz` is None when the form did not offer it."""

    tz_override: str = ""
    times: dict[str, str] = field(default_factory=dict)
    opt_out: list[str] = field(default_factory=list)
    weekly_planning: bool = False
    workspace_tz: str | None = None
    roles: dict[str, list[str]] | None = None   # None when the form did not offer them (not an admin)
    language: str | None = None                  # SLACK_LANGUAGE or None: follow Slack's locale
    workspace_language: str | None = None        # None when the form did not offer it or left it empty


def fmt(hm: tuple[int, int]) -> str:
    return f"{hm[0]:02d}:{hm[1]:02d}"


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def zone_name(text: str) -> str:
    """The IANA name for what the person typed (any case); a UserError with a suggestion otherwise."""
    text = (text or "").strip().replace(" ", "_")
    found = _zones().get(text.lower())
    if found:
        return found
    try:
        ZoneInfo(text)
        return text
    except (ZoneInfoNotFoundError, ValueError):
        pass
    near = difflib.get_close_matches(text.lower(), list(_zones()), n=1, cutoff=0.6)
    if near:
        raise UserError("zone_unknown_near", zone=text[:64], near=_zones()[near[0]])
    raise UserError("zone_unknown", zone=text[:64])


def _get_person(s: Session, team_id: str, user_id: str) -> Person:
    return people.get(s, team_id, user_id) or Person(team_id=team_id, user_id=user_id)


def _get_workspace(s: Session, team_id: str) -> Workspace:
    return s.exec(select(Workspace).where(Workspace.team_id == team_id)).first() or Workspace(team_id=team_id)


def current(db: Database, team_id: str, user_id: str) -> Current:
    with db.transaction() as s:
        p = people.get(s, team_id, user_id) or Person(team_id=team_id, user_id=user_id)
        w = _get_workspace(s, team_id)
        stored = json.loads(p.reminder_times or "{}")
        times = {rule: fmt(_hhmm(stored.get(rule, "")) or default) for rule, default in RULE_TIMES.items()}
        slack_language = language_of(p.locale)
        return Current(slack_tz=p.tz, tz_override=p.tz_override, times=times, opted_out=p.opted_out,
                       weekly_planning=bool(p.weekly_planning), workspace_tz=w.tz or "UTC",
                       away_from=p.away_from, away_until=p.away_until,
                       roles={r: roles.holders(s, team_id, r) for r in roles.ROLES},
                       language=p.language if p.language in LANGUAGES else None, slack_language=slack_language,
                       workspace_language=_workspace_language(w, slack_language))


def _workspace_language(w: Workspace, configurer_language: str) -> str:
    """The stored language; for a workspace nobody has configured yet, the configurer's (the default a
    first save stores); for one configured before languages existed, English (what its posts are in)."""
    if w.language in LANGUAGES:
        return w.language
    return configurer_language if w.id is None else "en"


def _hhmm(text: str) -> tuple[int, int] | None:
    m = _HHMM.match(text or "")
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        return int(m.group(1)), int(m.group(2))
    return None


def validate(c: Choices, is_admin: bool) -> dict:
    """The values to store; InvalidInput keyed by the modal's block ids when something is off."""
    errors, out = {}, {}
    try:
        out["tz_override"] = zone_name(c.tz_override) if c.tz_override.strip() else None
    except UserError as e:
        errors["tz"] = e.problem
    times = {}
    for rule, default in RULE_TIMES.items():
        text = (c.times.get(rule) or "").strip()
        if not text:
            continue   # empty: the default time
        hm = _hhmm(text)
        if hm is None:
            errors[f"time_{rule}"] = Problem("time_unreadable", {"example": fmt(default)})
        elif hm != default:
            times[rule] = fmt(hm)
    out["times"] = times
    unknown = [r for r in c.opt_out if r not in OPT_OUTS]
    if unknown:
        errors["opt_out"] = Problem("setting_gone")
    out["opt_out"] = {rule for choice in c.opt_out if choice in OPT_OUTS for rule in OPT_OUTS[choice]}
    if c.language in (None, "", SLACK_LANGUAGE):
        out["language"] = None
    elif c.language in LANGUAGES:
        out["language"] = c.language
    else:
        errors["language"] = Problem("setting_gone")
    if c.workspace_tz is not None:
        if not is_admin:
            errors["workspace_tz"] = Problem("workspace_tz_admin_only")
        else:
            try:
                out["workspace_tz"] = zone_name(c.workspace_tz) if c.workspace_tz.strip() else "UTC"
            except UserError as e:
                errors["workspace_tz"] = e.problem
    if c.workspace_language and is_admin:
        if c.workspace_language in LANGUAGES:
            out["workspace_language"] = c.workspace_language
        else:
            errors["workspace_language"] = Problem("setting_gone")
    if errors:
        raise InvalidInput(errors)
    return out


def _role_changes(db: Database, team_id: str, c: Choices) -> dict[str, list[str]]:
    """The roles whose holders the form changes (a form showing the same people changes nothing)."""
    if c.roles is None:
        return {}
    now = roles.of_team(db, team_id)
    return {r: list(dict.fromkeys(users)) for r, users in c.roles.items()
            if r in roles.ROLES and set(users) != set(now[r])}


def _workspace_language_change(db: Database, team_id: str, user_id: str, c: Choices) -> bool:
    """Whether the form asks for another workspace language than the one the modal showed."""
    if not c.workspace_language:
        return False
    with db.transaction() as s:
        p = people.get(s, team_id, user_id)
        shown = _workspace_language(_get_workspace(s, team_id), language_of(p.locale if p else None))
    return c.workspace_language != shown


def save(db: Database, team_id: str, user_id: str, c: Choices, is_admin: bool) -> Current:
    """Write the person's settings (and the workspace's zone and language, for admins) in one transaction;
    then who holds finance and lead (admins only), through roles.set_holders, which opens its own
    transaction. Everything is validated before either is written, so only a database failure could leave
    the second one unwritten."""
    changes = _role_changes(db, team_id, c)
    try:
        v, errors = validate(c, is_admin), {}
    except InvalidInput as e:
        v, errors = {}, dict(e.errors)
    if changes and not is_admin:
        errors.update({r: Problem(f"{r}_admin_only") for r in changes})
    if not is_admin and _workspace_language_change(db, team_id, user_id, c):
        errors["workspace_language"] = Problem("workspace_language_admin_only")
    if errors:
        raise InvalidInput(errors)
    managed_out = {r for rules in OPT_OUTS.values() for r in rules}
    with db.transaction() as s:
        p = _get_person(s, team_id, user_id)
        before = {"tz_override": p.tz_override, "reminder_times": p.reminder_times, "opt_out": p.opt_out,
                  "weekly_planning": p.weekly_planning, "language": p.language}
        # Keep what this form does not manage (times and opt-outs of other rules).
        times = {k: val for k, val in json.loads(p.reminder_times or "{}").items() if k not in RULE_TIMES}
        times.update(v["times"])
        out = sorted((p.opted_out - managed_out) | v["opt_out"])
        p.tz_override = v["tz_override"]
        p.reminder_times = json.dumps(times, sort_keys=True)
        p.opt_out = ",".join(out) or None
        p.weekly_planning = c.weekly_planning
        p.language = v["language"]
        s.add(p)
        s.flush()
        after = {"tz_override": p.tz_override, "reminder_times": p.reminder_times, "opt_out": p.opt_out,
                 "weekly_planning": p.weekly_planning, "language": p.language}
        changed = {k: after[k] for k in after if before[k] != after[k]}
        if "workspace_tz" in v or "workspace_language" in v:
            changed.update(_save_workspace(s, team_id, v, language_of(p.locale)))
        if changed:
            audit.record(s, team_id, user_id, "settings.saved", "person", p.id, **changed)
    people.forget(team_id, user_id)   # the zone cache: "today" follows a new override at once
    readers.forget("person", team_id, user_id)   # the very next reply is in the language just chosen
    if "workspace_language" in changed:
        readers.forget_all()   # every channel without a client language follows the workspace's
    if changes:
        roles.set_holders(db, team_id, user_id, is_admin, changes)
    return current(db, team_id, user_id)


def _save_workspace(s: Session, team_id: str, v: dict, configurer_language: str) -> dict:
    """The admin's workspace fields; the row a first save creates gets a language even when none was
    chosen: the configurer's own (from their Slack locale)."""
    w, changed = _get_workspace(s, team_id), {}
    if "workspace_tz" in v and w.tz != v["workspace_tz"]:
        changed["workspace_tz"] = w.tz = v["workspace_tz"]
    language = v.get("workspace_language") or (configurer_language if w.id is None else None)
    if language and w.language != language:
        changed["workspace_language"] = w.language = language
    if changed or w.id is None:
        s.add(w)
    return changed


# --- /ae away ---------------------------------------------------------------------------------------

def parse_away(text: str) -> tuple[date, date] | None:
    """`YYYY-MM-DD..YYYY-MM-DD` → (from, until); `off` → None; InvalidInput keyed "away" otherwise."""
    text = (text or "").strip()
    if text.lower() in ("off", "clear", "none", "back"):
        return None
    if not text:
        raise InvalidInput.one("away", "away_missing")
    m = _RANGE.match(text)
    try:
        if not m:
            raise ValueError
        first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
    except ValueError:
        raise InvalidInput.one("away", "away_unreadable", text=text[:40]) from None
    return first, last


def set_away(db: Database, team_id: str, user_id: str, first: date, last: date, today: date) -> Person:
    if first > last:
        raise InvalidInput.one("away", "away_backwards", first=first, last=last)
    if last < today:
        raise InvalidInput.one("away", "away_past", last=last)
    if last - first >= timedelta(days=AWAY_MAX_DAYS):
        raise InvalidInput.one("away", "away_too_long", days=(last - first).days + 1, limit=AWAY_MAX_DAYS)
    with db.transaction() as s:
        p = _get_person(s, team_id, user_id)
        p.away_from, p.away_until = first, last
        s.add(p)
        s.flush()
        audit.record(s, team_id, user_id, "away.set", "person", p.id, away_from=first, away_until=last)
        return p


def clear_away(db: Database, team_id: str, user_id: str) -> bool:
    """Back from holiday; says whether there was one to clear."""
    with db.transaction() as s:
        p = people.get(s, team_id, user_id)
        if p is None or (p.away_from is None and p.away_until is None):
            return False
        p.away_from = p.away_until = None
        s.add(p)
        audit.record(s, team_id, user_id, "away.cleared", "person", p.id)
        return True
