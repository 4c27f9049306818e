"""/call [client] and the daily call's clients: who is on the list by tier cadence, the Log call button
pre-set to a client, the client picker, and a call logged once however often its modal is submitted."""
from __future__ import annotations

import json
import re
import threading
from datetime import date, timedelta

from harness import eventually
from rhythm import TEAM, utc
from sqlmodel import select
from test_clients import add_client, rows
from test_daily_call import DONE, OPEN, add_minutes, call_dms, sections

from bot.models import ActionItem, AuditEvent, CallLog, Person, utcnow
from scheduler.rules.calls import DailyCall

RULES = [DailyCall()]
LATER = date(2026, 12, 18)
GOOD = {"who": "Marta", "duration": "20", "outcome": "Happy with the drafts."}


def ok(r) -> None:
    assert r.status_code == 200 and not r.content.strip(b"{}"), r.text


def listed(dm) -> list[str]:
    """Who a call list names, in order: client names, or #channels for channels without a client."""
    out = []
    for s in sections(dm)[1:]:
        text = s["text"]["text"]
        m = re.match(r"\*(.+?)\* · tier ", text)
        out.append(m.group(1) if m else text.split("\n")[0])
    return out


# --- who is on the list --------------------------------------------------------------------------------

def test_the_tier_sets_who_is_called_on_which_weekday(rhythm):
    db = rhythm.db
    rhythm.person("U0AE", "UTC")
    rhythm.person("U0OTHER", "UTC")
    rhythm.person("U0ZED", "UTC")
    rhythm.person("U0KIRI", "Pacific/Kiritimati")            # UTC+14: its Monday morning is Sunday in UTC
    alpha = add_client(db, "Alpha", "U0AE", "C0ALPHA", tier="A")
    bravo = add_client(db, "Bravo", "U0AE", "C0BRAVO", tier="B")
    charlie = add_client(db, "Charlie", "U0AE", "C0CHARLIE", tier="C")
    add_client(db, "Delta", "U0AE", "C0DELTA", tier="C", days=["tue"])       # its own cadence
    add_client(db, "Echo", "U0OTHER", "C0ECHO", tier="A")                    # another AE's
    add_client(db, "Fox", "U0KIRI", "C0FOX", tier="C")
    # Open work: Bravo has an overdue item; Alpha has an item from a colleague's minutes, which doesn't
    # make Alpha's channel that colleague's call; a channel without a client is listed as before.
    add_minutes(db, "U0AE", "C0BRAVO", items=[("U0AE", date(2026, 11, 25), OPEN), ("U0AE", LATER, DONE)])
    add_minutes(db, "U0ZED", "C0ALPHA", items=[("U0ZED", LATER, OPEN)])
    add_minutes(db, "U0AE", "C0LEGACY", items=[("U0AE", LATER, OPEN)])

    rhythm.tick(utc(2026, 11, 29, 12), RULES)
    rhythm.tick(utc(2026, 11, 29, 19, 30), RULES)            # Monday 09:30 in Kiritimati
    [fox] = call_dms(rhythm, "U0KIRI")
    assert listed(fox) == ["Fox"]
    days = {}
    for day in (30, 1, 2, 3):                                 # Mon Nov 30 .. Thu Dec 3, 09:30 UTC
        rhythm.tick(utc(2026, 11, 30, 9, 30) if day == 30 else utc(2026, 12, day, 9, 30), RULES)
        days[day] = [listed(dm) for dm in call_dms(rhythm, "U0AE")][-1]
    assert days == {
        30: ["Alpha", "Bravo", "Charlie", "<#C0LEGACY>"],     # Monday: A, B and C
        1: ["Alpha", "Delta", "<#C0LEGACY>"],                 # Tuesday: A, and Delta's own day
        2: ["Alpha", "<#C0LEGACY>"],
        3: ["Alpha", "Bravo", "<#C0LEGACY>"],                 # Thursday: A and B
    }
    assert len(call_dms(rhythm, "U0AE")) == 4 and len(call_dms(rhythm, "U0OTHER")) == 4
    assert call_dms(rhythm, "U0ZED") == []                    # Alpha is U0AE's client to call
    assert len(call_dms(rhythm, "U0KIRI")) == 1               # C is Mondays only

    monday = call_dms(rhythm, "U0AE")[0]
    assert monday.text == "Calls for today: 3 clients due for a call, 1 channel with open work"
    head, a, b, c, legacy = sections(monday)
    assert a["text"]["text"] == "*Alpha* · tier A · <#C0ALPHA>\n1 open action item"
    assert b["text"]["text"] == "*Bravo* · tier B · <#C0BRAVO>\n1 open action item · *1 overdue*"
    assert c["text"]["text"] == "*Charlie* · tier C · <#C0CHARLIE>\nNothing open — a progress check-in."
    assert [x["accessory"]["value"] for x in (a, b, c, legacy)] == [
        f"client:{alpha.id}", f"client:{bravo.id}", f"client:{charlie.id}", "C0LEGACY"]
    assert {d.subject for d in rhythm.deliveries()} == {"-"}


def test_an_ae_whose_clients_are_not_due_and_has_no_other_work_gets_nothing(rhythm):
    rhythm.person("U0AE", "UTC")
    add_client(rhythm.db, "Charlie", "U0AE", "C0CHARLIE", tier="C")
    add_minutes(rhythm.db, "U0AE", "C0CHARLIE", items=[("U0AE", LATER, OPEN)])   # its work waits for Monday
    rhythm.tick(utc(2026, 12, 1, 1), RULES)
    rhythm.tick(utc(2026, 12, 1, 9, 30), RULES)               # Tuesday
    assert call_dms(rhythm) == [] and rhythm.deliveries() == []


# --- Log call from the daily call, pre-set to the client ---------------------------------------------------

def test_log_call_on_a_client_opens_the_modal_for_that_client(rhythm, bot, slack):
    rhythm.person("U0AE", "UTC")
    alpha = add_client(rhythm.db, "Alpha", "U0AE", "C0ALPHA", tier="A")
    rhythm.tick(utc(2026, 12, 1, 1), RULES)
    rhythm.tick(utc(2026, 12, 1, 9, 30), RULES)
    [dm] = call_dms(rhythm, "U0AE")
    button = sections(dm)[1]["accessory"]
    bot.click(button["action_id"], button["value"], user="U0AE", channel="D0AE")
    view = bot.opened_view()
    assert "Call with *Alpha* (<#C0ALPHA>)" in json.dumps(view["blocks"])
    assert "client" not in {b.get("block_id") for b in view["blocks"]}          # no picker: it is set
    ok(bot.submit(view, GOOD))
    [call] = rows(bot.db, CallLog)
    assert (call.client_id, call.channel_id, call.source_view_id, call.who) == (alpha.id, "C0ALPHA", view["id"], "Marta")
    with bot.db.transaction() as s:
        [e] = s.exec(select(AuditEvent).where(AuditEvent.action == "call.logged")).all()
    assert json.loads(e.detail)["client_id"] == alpha.id and json.loads(e.detail)["via"] == "daily_call"
    done = slack.wait_for("chat.postMessage", where=lambda c: (c.text or "").startswith("Call with"))[0]
    assert "20-minute call with Marta at *Alpha* (<#C0ALPHA>)" in json.dumps(done.params["blocks"])


# --- /call -------------------------------------------------------------------------------------------------

def test_call_with_a_clients_name_logs_against_it_once(bot, slack):
    acme = add_client(bot.db, "Acme Foods", "U0AE", "C0ACME")
    r = bot.command("/call", "  acme FOODS ", user="U0AE", channel="C0RANDOM")
    assert r.status_code == 200
    view = bot.opened_view()
    assert "Call with *Acme Foods* (<#C0ACME>)" in json.dumps(view["blocks"])
    due = date.today() + timedelta(days=5)
    values = {**GOOD, "follow_up_text": "Send the revised quote", "follow_up_owner": "U0BOB", "follow_up_due": due}
    for _ in range(3):                       # Save clicked again / Slack retrying: logged once
        ok(bot.submit(view, values))
    [call] = rows(bot.db, CallLog)
    [item] = rows(bot.db, ActionItem)
    assert (call.client_id, call.channel_id, call.source_view_id, call.follow_up_item_id) == (
        acme.id, "C0ACME", view["id"], item.id)
    assert (item.owner_id, item.text, item.due_on) == ("U0BOB", "Send the revised quote", due)
    eventually(lambda: _dm_recorded(bot, item.id))
    assert len(rows(bot.db, AuditEvent, action="call.logged")) == 1

    # Two submissions of a new modal at the same instant: still one call.
    bot.command("/call", "Acme Foods", user="U0AE")
    second = bot.opened_view(2)
    results = []
    threads = [threading.Thread(target=lambda: results.append(bot.submit(second, GOOD))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        ok(r)
    assert [c.source_view_id for c in rows(bot.db, CallLog)] == [view["id"], second["id"]]


def _dm_recorded(bot, item_id: int) -> None:
    [item] = rows(bot.db, ActionItem, id=item_id)
    assert item.dm_ts


def test_call_without_a_name_offers_this_workspaces_clients(bot, slack):
    acme = add_client(bot.db, "Acme", "U0AE", "C0ACME")
    beta = add_client(bot.db, "Beta", "U0BOB", "C0BETA")
    add_client(bot.db, "Aardvark", "U0BOB", "C0AARD")
    add_client(bot.db, "Gamma", "U0X", "C0GAMMA", team="T0OTHER")
    bot.command("/call", "", user="U0AE", channel="C0BETA")
    view = bot.opened_view()
    [picker] = [b for b in view["blocks"] if b.get("block_id") == "client"]
    options = [(o["text"]["text"], o["value"]) for o in picker["element"]["options"]]
    assert [name for name, _ in options] == ["Acme", "Aardvark", "Beta"]       # mine first, then by name
    assert picker["element"]["initial_option"]["value"] == str(beta.id)       # this channel's client
    assert picker["element"]["type"] == "static_select"

    r = bot.submit(view, {**GOOD, "client": None})
    assert r.json()["errors"] == {"client": "Pick the client."}
    assert rows(bot.db, CallLog) == []
    ok(bot.submit(view, {**GOOD, "client": str(acme.id)}))
    [call] = rows(bot.db, CallLog)
    assert (call.client_id, call.channel_id) == (acme.id, "C0ACME")


def test_call_with_an_unknown_name_says_so_and_offers_the_picker(bot, slack):
    add_client(bot.db, "Acme", "U0AE", "C0ACME")
    bot.command("/call", "acmee", user="U0AE", channel="C0RANDOM")
    view = bot.opened_view()
    assert view["blocks"][0]["elements"][0]["text"] == "No client called “acmee”. Did you mean: Acme?"
    [picker] = [b for b in view["blocks"] if b.get("block_id") == "client"]
    assert "initial_option" not in picker["element"]


def test_call_in_a_workspace_without_clients_asks_for_the_channel(bot, slack):
    with bot.db.transaction() as s:
        s.add(Person(team_id=TEAM, user_id="U0AE", tz="UTC", refreshed_at=utcnow()))
    bot.command("/call", "", user="U0AE", channel="C0MEET")
    view = bot.opened_view()
    assert [b.get("block_id") for b in view["blocks"]][:2] == ["channel", "kind"]
    assert view["blocks"][0]["element"]["type"] == "conversations_select"
    bot.command("/call", "Acme", user="U0AE", channel="C0MEET")
    view = bot.opened_view(2)
    assert "no clients yet" in view["blocks"][0]["elements"][0]["text"]
    assert view["blocks"][1]["block_id"] == "channel"


def test_a_site_visit_is_logged_as_one(bot, slack):
    from sqlmodel import select

    from bot.models import CallLog

    bot.command("/call", "")
    view = bot.opened_view()
    kinds = next(b for b in view["blocks"] if b.get("block_id") == "kind")["element"]["options"]
    assert [o["value"] for o in kinds] == ["phone_call", "site_visit"]
    values = {"kind": "site_visit", "who": "Dana at the plant", "duration": "90", "outcome": "Walked the line"}
    if any(b.get("block_id") == "channel" for b in view["blocks"]):
        values["channel"] = "C0MEET"
    assert bot.submit(view, values).status_code == 200
    slack.wait_for("chat.postMessage", where=lambda c: "site visit" in str(c.params.get("blocks")))
    with bot.db.transaction() as s:
        assert s.exec(select(CallLog)).one().kind == "site_visit"


def test_an_aes_call_list_reads_their_own_clients_not_the_whole_workspaces(rhythm):
    """A tick builds one list per AE: reading every client of the workspace for each made the tick's
    cost grow with the square of the agency (2,000 AEs: 150 ms a list)."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from bot.models import Client
    from bot.services import calls as service

    for i in range(30):
        add_client(rhythm.db, f"Other {i}", f"U0OTHER{i}", f"C0OTHER{i}", tier="A")
    add_client(rhythm.db, "Mine", "U0AE", "C0MINE", tier="A")
    add_minutes(rhythm.db, "U0AE", "C0OTHER3", items=[("U0AE", LATER, OPEN)])   # a colleague's client: not mine to call
    add_minutes(rhythm.db, "U0AE", "C0LEGACY", items=[("U0AE", LATER, OPEN)])
    loaded = []
    listen = lambda session, obj: loaded.append(obj) if isinstance(obj, Client) else None   # noqa: E731
    sa.event.listen(Session, "loaded_as_persistent", listen)
    try:
        with rhythm.db.transaction() as s:
            work = service.call_list(s, TEAM, "U0AE", date(2026, 12, 1))
    finally:
        sa.event.remove(Session, "loaded_as_persistent", listen)
    assert [(w.client_name or w.channel_id) for w in work] == ["Mine", "C0LEGACY"]
    assert [c.name for c in loaded] == ["Mine"]
