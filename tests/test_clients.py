"""/client add · list · edit (the modal, its validation, idempotent saves), the tier's call days, the
weekly report per client at its own day and time in its AE's zone (with the week's calls), My clients
on App Home."""
from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from harness import eventually, example, fill_state
from rhythm import TEAM, utc
from sqlmodel import select
from test_weekly_report import blocks_text, button_value, channel_posts, click_at, reports_to, section_starting, write

from bot.models import TIER_CALL_DAYS, AuditEvent, CallLog, Client, ClientContact, Person, Tier, utcnow
from bot.render import reports as report_render
from bot.services import calls as calls_service
from bot.services import clients
from bot.services import reports as reports_service
from bot.services.clients import ClientDraft, call_days_for, next_report_at
from scheduler.rules.report import WeeklyReport

RULES = [WeeklyReport()]
ALL = "mon,tue,wed,thu,fri"


def add_client(db, name: str, ae: str, channel: str, tier: str = "B", day: str = "mon", time: str = "12:00",
               days=None, contacts=(), team: str = TEAM) -> Client:
    """A client as the modal saves it (call days left at the tier's default unless given)."""
    draft = ClientDraft(name=name, tier=tier, ae_id=ae, channel_id=channel, report_day=day, report_time=time,
                        call_days=list(days) if days is not None else TIER_CALL_DAYS[Tier(tier)].split(","),
                        contacts=list(contacts), opened_tier=tier)
    return clients.save(db, team, ae, draft).client


def submit(bot, view: dict, values: dict, user: str = "U0AE", team: str = TEAM):
    """bot.submit, plus conversations_select (Slack sends `selected_conversation`)."""
    p = example("view_submission.json")
    p["user"] = {**p["user"], "id": user, "team_id": team}
    p["team"] = {"id": team, "domain": "acme"}
    picks = [b for b in view["blocks"] if b.get("type") == "input" and b["element"]["type"] == "conversations_select"]
    state = fill_state({**view, "blocks": [b for b in view["blocks"] if b not in picks]}, values)
    for b in picks:
        chosen = values.get(b["block_id"], b["element"].get("initial_conversation"))
        state[b["block_id"]] = {"value": {"type": "conversations_select", "selected_conversation": chosen}}
    v = copy.deepcopy(view)
    v["state"] = {"values": state}
    p["view"] = {**p["view"], **v}
    return bot.post_payload(p)


def inputs(view: dict) -> dict:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def rows(db, model, **where):
    with db.transaction() as s:
        return [r for r in s.exec(select(model).order_by(model.id))
                if all(getattr(r, k) == v for k, v in where.items())]


def events(db, action: str) -> list[dict]:
    return [json.loads(e.detail) for e in rows(db, AuditEvent, action=action)]


def ok(r) -> None:
    assert r.status_code == 200 and not r.content.strip(b"{}"), r.text


# --- /client add -----------------------------------------------------------------------------------

def test_add_opens_a_prefilled_modal_and_saves_the_client_once(bot, slack):
    r = bot.command("/client", "add   Acme  Foods ", user="U0AE", channel="C0ACME")
    assert r.status_code == 200
    view = bot.opened_view()
    f = inputs(view)
    assert list(f) == ["name", "tier", "ae", "channel", "report_day", "report_time", "call_days", "contacts",
                       "payment_terms", "language"]
    assert f["language"]["initial_option"]["value"] == "default"      # posts follow the workspace's language
    assert f["name"]["initial_value"] == "Acme Foods"
    assert f["tier"]["initial_option"]["value"] == "B"
    assert [o["value"] for o in f["tier"]["options"]] == ["A", "B", "C"]
    assert f["ae"]["initial_user"] == "U0AE" and f["channel"]["initial_conversation"] == "C0ACME"
    assert f["report_day"]["initial_option"]["value"] == "mon"
    assert [o["value"] for o in f["report_day"]["options"]] == ["mon", "tue", "wed", "thu", "fri"]
    assert f["report_time"]["initial_value"] == "12:00" and f["payment_terms"]["initial_value"] == "45"
    assert [o["value"] for o in f["call_days"]["initial_options"]] == ["mon", "thu"]    # tier B's
    assert f["contacts"]["type"] == "multi_users_select"

    # Tier A picked, call days left as they were: they follow the tier (every weekday).
    values = {"tier": "A", "report_day": "thu", "report_time": "16:00", "contacts": ["U0GUEST", "U0PAT"]}
    ok(submit(bot, view, values))
    [c] = rows(bot.db, Client)
    assert (c.team_id, c.name, c.name_key, c.tier, c.ae_id, c.channel_id, c.report_day, c.report_time, c.call_days,
            c.payment_terms_days, c.created_by) == (TEAM, "Acme Foods", "acme foods", "A", "U0AE", "C0ACME", "thu",
                                                     "16:00", ALL, 45, "U0AE")
    assert {x.user_id for x in rows(bot.db, ClientContact, client_id=c.id)} == {"U0GUEST", "U0PAT"}
    [created] = events(bot.db, "client.created")
    assert created["view"] == view["id"] and created["tier"] == "A" and created["contacts"] == ["U0GUEST", "U0PAT"]
    reply = slack.wait_for("chat.postEphemeral")[0]
    assert (reply.params["channel"], reply.params["user"]) == ("C0ACME", "U0AE")
    text = json.dumps(reply.params["blocks"])
    assert "Added *Acme Foods*" in text and "Thursdays at 16:00" in text and "every weekday" in text
    assert "<!date^" in text and "45 days" in text

    # Slack retries the submission (or the Save button is clicked twice): one client, one audit event.
    ok(submit(bot, view, values))
    ok(submit(bot, view, {**values, "tier": "C"}))
    assert len(rows(bot.db, Client)) == 1 and len(events(bot.db, "client.created")) == 1
    assert rows(bot.db, Client)[0].tier == "A"

    # Another modal with the same name is a duplicate, not a retry.
    bot.command("/client", "add acme foods", user="U0BOB", channel="C0OTHER")
    r = submit(bot, bot.opened_view(2), {}, user="U0BOB")
    assert r.json()["errors"] == {"name": "There is already a client called “Acme Foods”."}
    assert len(slack.calls_to("chat.postEphemeral")) == 1      # the retries were not answered again


def _errors(bot, view, values) -> dict:
    r = submit(bot, view, values)
    assert r.json()["response_action"] == "errors", values
    return r.json()["errors"]


def test_every_field_is_checked_on_its_own_block_and_nothing_is_stored(bot):
    acme = add_client(bot.db, "Acme", "U0AE", "C0ACME")
    bot.command("/client", "add Beta", user="U0AE", channel="C0BETA")
    view = bot.opened_view()
    cases = [
        ({"name": "   "}, {"name": "Give the client a name"}),
        ({"name": "x" * 121}, {"name": "under 120"}),
        ({"name": "ACME"}, {"name": "already a client called “Acme”"}),
        ({"name": "  acme "}, {"name": "already a client called “Acme”"}),
        ({"report_time": "25:00"}, {"report_time": "HH:MM"}),
        ({"report_time": "noon"}, {"report_time": "HH:MM"}),
        ({"report_time": "12"}, {"report_time": "HH:MM"}),
        ({"report_time": "12:60"}, {"report_time": "HH:MM"}),
        ({"payment_terms": "0"}, {"payment_terms": "between 1 and 365"}),
        ({"payment_terms": "366"}, {"payment_terms": "between 1 and 365"}),
        ({"payment_terms": "45 days"}, {"payment_terms": "whole number"}),
        ({"payment_terms": ""}, {"payment_terms": "whole number"}),
        ({"channel": "C0ACME"}, {"channel": "already Acme's channel"}),
        ({"channel": "D0AE"}, {"channel": "not a direct message"}),
        ({"channel": None, "ae": None}, {"channel": "Pick the client's channel", "ae": "Pick the client's AE"}),
        ({"name": "", "report_time": "9h", "payment_terms": "-1"},
         {"name": "Give", "report_time": "HH:MM", "payment_terms": "between"}),
    ]
    for change, expected in cases:
        errors = _errors(bot, view, change)
        assert set(errors) == set(expected), (change, errors)
        for block, words in expected.items():
            assert words in errors[block], (change, errors)
    assert [c.id for c in rows(bot.db, Client)] == [acme.id]
    assert rows(bot.db, ClientContact) == [] and len(events(bot.db, "client.created")) == 1

    ok(submit(bot, view, {"report_time": "9:30", "payment_terms": "365"}))    # the boundaries, H:MM accepted
    beta = rows(bot.db, Client, name="Beta")[0]
    assert (beta.report_time, beta.payment_terms_days) == ("09:30", 365)
    # Names are unique per workspace, not across workspaces.
    other = add_client(bot.db, "ACME", "U0ZED", "C0ACME", team="T0OTHER")
    assert other.team_id == "T0OTHER" and other.name_key == "acme"


def test_call_days_follow_the_tier_only_while_left_at_its_default():
    a, b, c = Tier.A, Tier.B, Tier.C
    assert call_days_for(a, ["mon", "thu"], "B") == ALL                 # untouched, tier changed: A's
    assert call_days_for(c, ["mon", "thu"], "B") == "mon"
    assert call_days_for(b, ["mon", "thu"], "B") == "mon,thu"           # untouched, same tier
    assert call_days_for(c, ["tue", "fri"], "B") == "tue,fri"           # the client's own: kept
    assert call_days_for(b, ALL.split(","), "C") == ALL                 # ticked by hand (not C's default): kept
    assert call_days_for(c, ALL.split(","), "A") == "mon"               # A's default left as it was
    assert call_days_for(a, [], "B") == ALL                             # none ticked: the tier's
    assert call_days_for(b, ["thu", "mon", "sat"], None) == "mon,thu"    # weekdays only, in order


# --- next report, /client list ------------------------------------------------------------------------

def test_next_report_is_the_clients_day_and_time_in_the_aes_zone():
    seoul = next_report_at("thu", "16:00", "Asia/Seoul", utc(2026, 11, 30, 0, 0))
    assert seoul == utc(2026, 12, 3, 7, 0)
    mexico = next_report_at("mon", "12:00", "America/Mexico_City", utc(2026, 11, 30, 17, 59))
    assert mexico == utc(2026, 11, 30, 18, 0)
    assert next_report_at("mon", "12:00", "America/Mexico_City", utc(2026, 11, 30, 18, 0, 1)) == utc(2026, 12, 7, 18)
    # Across New York's spring-forward: noon is still noon (EDT), an hour earlier in UTC.
    assert next_report_at("mon", "12:00", "America/New_York", utc(2027, 3, 12)) == utc(2027, 3, 15, 16, 0)
    assert next_report_at("mon", "12:00", "America/New_York", utc(2027, 3, 5)) == utc(2027, 3, 8, 17, 0)


def _dates(text: str) -> list[datetime]:
    return [datetime.fromtimestamp(int(u), timezone.utc) for u in re.findall(r"<!date\^(\d+)\^", text)]


def test_list_shows_each_client_with_its_next_report_in_its_aes_zone(bot, slack):
    with bot.db.transaction() as s:
        for user, tz in (("U0SEOUL", "Asia/Seoul"), ("U0CDMX", "America/Mexico_City")):
            s.add(Person(team_id=TEAM, user_id=user, tz=tz, refreshed_at=utcnow()))
    add_client(bot.db, "Zeta Motors", "U0SEOUL", "C0ZETA", tier="A", day="thu", time="16:00")
    add_client(bot.db, "acme", "U0CDMX", "C0ACME", tier="C")
    add_client(bot.db, "Hidden", "U0X", "C0HIDDEN", team="T0OTHER")
    before = utcnow()
    r = bot.command("/client", "LIST", user="U0BOB")
    assert r.status_code == 200
    answer = slack.wait_for("response_url")[0]
    assert answer.params["response_type"] == "ephemeral"
    text = json.dumps(answer.params["blocks"], ensure_ascii=False)
    assert "Clients (2)" in text and "Hidden" not in text
    acme_line, zeta_line = [ln for ln in answer.params["blocks"][0]["text"]["text"].split("\n") if ln.startswith("•")]
    assert acme_line.startswith("• *acme* · tier C · AE <@U0CDMX> · <#C0ACME> · next report <!date^")
    assert zeta_line.startswith("• *Zeta Motors* · tier A · AE <@U0SEOUL> · <#C0ZETA> · next report <!date^")
    for line, tz, weekday, hour in ((acme_line, "America/Mexico_City", 0, 12), (zeta_line, "Asia/Seoul", 3, 16)):
        [when] = _dates(line)
        local = when.astimezone(ZoneInfo(tz))
        assert (local.weekday(), local.hour, local.minute) == (weekday, hour, 0), line
        assert before - timedelta(minutes=1) <= when <= before + timedelta(days=7), line


def test_list_with_no_clients_says_how_to_add_one(bot, slack):
    bot.command("/client", "list")
    assert "/client add NAME" in slack.wait_for("response_url")[0].params["text"]


# --- /client edit -------------------------------------------------------------------------------------

def test_edit_opens_the_same_modal_prefilled_and_saves_changes(bot, slack):
    acme = add_client(bot.db, "Acme", "U0AE", "C0ACME", tier="A", day="wed", time="09:15",
                      contacts=["U0GUEST", "U0PAT"])
    beta = add_client(bot.db, "Beta", "U0AE", "C0BETA", tier="B", days=["tue"])
    bot.command("/client", "edit  ACME ", channel="C0RANDOM")
    view = bot.opened_view()
    f = inputs(view)
    assert view["title"]["text"] == "Edit client"
    assert (f["name"]["initial_value"], f["tier"]["initial_option"]["value"], f["ae"]["initial_user"],
            f["channel"]["initial_conversation"], f["report_day"]["initial_option"]["value"],
            f["report_time"]["initial_value"], f["payment_terms"]["initial_value"]) == (
        "Acme", "A", "U0AE", "C0ACME", "wed", "09:15", "45")
    assert [o["value"] for o in f["call_days"]["initial_options"]] == ALL.split(",")
    assert f["contacts"]["initial_users"] == ["U0GUEST", "U0PAT"]

    assert _errors(bot, view, {"name": "beta"}) == {"name": "There is already a client called “Beta”."}
    # Down to tier C, call days untouched (A's default): C's default. A contact swapped, new terms.
    values = {"tier": "C", "contacts": ["U0PAT", "U0NEW"], "payment_terms": "60", "ae": "U0BOB"}
    ok(submit(bot, view, values))
    [c] = rows(bot.db, Client, id=acme.id)
    assert (c.name, c.tier, c.call_days, c.payment_terms_days, c.ae_id, c.report_day) == (
        "Acme", "C", "mon", 60, "U0BOB", "wed")
    assert {x.user_id for x in rows(bot.db, ClientContact, client_id=acme.id)} == {"U0PAT", "U0NEW"}
    [updated] = events(bot.db, "client.updated")
    assert set(updated["changed"]) == {"tier", "call_days", "contacts", "payment_terms_days", "ae"}
    assert updated["changed"]["call_days"] == [ALL, "mon"]
    ok(submit(bot, view, values))                 # submitted again: nothing changes, nothing recorded
    assert len(events(bot.db, "client.updated")) == 1 and len(rows(bot.db, Client)) == 2
    assert "Updated *Acme*" in json.dumps(slack.wait_for("chat.postEphemeral")[0].params["blocks"])

    # A client's own cadence survives a tier change; a rename keeps the same client.
    bot.command("/client", "edit beta")
    view = bot.opened_view(2)
    assert [o["value"] for o in inputs(view)["call_days"]["initial_options"]] == ["tue"]
    ok(submit(bot, view, {"tier": "A", "name": "Beta Labs"}))
    [b] = rows(bot.db, Client, id=beta.id)
    assert (b.name, b.name_key, b.tier, b.call_days) == ("Beta Labs", "beta labs", "A", "tue")
    slack.wait_for("chat.postEphemeral", where=lambda c: "Beta Labs" in json.dumps(c.params["blocks"]))
    replies = [c.params["blocks"][0]["text"]["text"].split(" (")[0] for c in slack.calls_to("chat.postEphemeral")]
    assert replies == ["Updated *Acme*", "Updated *Beta Labs*"]   # the repeated Acme submission: not answered again


def test_edit_of_an_unknown_name_lists_close_names(bot, slack):
    add_client(bot.db, "Acme Foods", "U0AE", "C0ACME")
    add_client(bot.db, "Acme Motors", "U0AE", "C0MOTORS")
    add_client(bot.db, "Zeta", "U0AE", "C0ZETA")
    bot.command("/client", "edit acme")
    answer = slack.wait_for("response_url")[0]
    assert answer.params["text"] == "No client called “acme”. Did you mean: Acme Foods, Acme Motors?"
    bot.command("/client", "edit zetta")
    assert slack.wait_for("response_url", 2)[1].params["text"] == "No client called “zetta”. Did you mean: Zeta?"
    assert slack.calls_to("views.open") == []
    r = bot.command("/client", "edit")
    assert "Which client?" in r.text
    r = bot.command("/client", "<!channel>")
    assert "I don't know" in r.text and "<!channel>" not in r.text and "/client add" in r.text


# --- App Home -----------------------------------------------------------------------------------------

def test_home_shows_my_clients_with_their_next_report(bot, slack):
    add_client(bot.db, "Acme", "U0AE", "C0ACME", tier="A", day="thu", time="16:00")
    add_client(bot.db, "Beta", "U0AE", "C0BETA", tier="C")
    add_client(bot.db, "Bob's client", "U0BOB", "C0BOBS")
    bot.home_opened(user="U0AE")
    view = slack.wait_for("views.publish", where=lambda c: c.params["user_id"] == "U0AE")[0].params["view"]
    texts = [b.get("text", {}).get("text", "") for b in view["blocks"]]
    at = texts.index("My clients")
    mine = view["blocks"][at + 1]["text"]["text"]
    assert re.fullmatch(r"• \*Acme\* · tier A · next report <!date\^\d+\^[^>]+>\n"
                        r"• \*Beta\* · tier C · next report <!date\^\d+\^[^>]+>", mine), mine
    assert "Bob's client" not in json.dumps(view)
    bot.home_opened(user="U0ZED")                  # no clients: no section
    zed = slack.wait_for("views.publish", where=lambda c: c.params["user_id"] == "U0ZED")[0].params["view"]
    assert "My clients" not in json.dumps(zed)

    for i in range(80):                            # a big book of clients stays a few blocks
        add_client(bot.db, f"Client {i:02d} " + "x" * 90, "U0AE", f"C0MANY{i:02d}")
    bot.home_opened(user="U0AE")
    view = slack.wait_for("views.publish", 3)[2].params["view"]
    assert len(view["blocks"]) < 100
    start = [b.get("text", {}).get("text") for b in view["blocks"]].index("My clients")
    tail = [b for b in view["blocks"][start + 1:start + 4] if b["type"] == "section"]
    assert len(tail) <= 2 and "more" in tail[-1]["text"]["text"]


# --- the weekly report, per client ------------------------------------------------------------------------

def tick(rhythm, *args):
    return rhythm.tick(utc(*args), rules=RULES)


def test_each_client_gets_its_report_on_its_own_day_and_time_in_its_aes_zone(rhythm):
    db = rhythm.db
    # A personal report time applies to channel reports only: a client's own time wins.
    rhythm.person("U0SEOUL", "Asia/Seoul", reminder_times={"weekly_report": "08:30"})
    rhythm.person("U0CDMX", "America/Mexico_City")
    kimchi = add_client(db, "Kimchi Co", "U0SEOUL", "C0KIMCHI", tier="A", day="thu", time="16:00")
    taco = add_client(db, "Taco Corp", "U0CDMX", "C0TACO")
    write(db, "U0SEOUL", "C0KIMCHI", date(2026, 11, 25), "Too early")
    write(db, "U0SEOUL", "C0KIMCHI", date(2026, 11, 26), "Shoot plan")
    write(db, "U0SEOUL", "C0KIMCHI", date(2026, 12, 2), "Casting")
    write(db, "U0SEOUL", "C0LOOSE", date(2026, 11, 26), "No client here")   # channel report, as before
    write(db, "U0CDMX", "C0TACO", date(2026, 11, 24), "Menu tasting")

    tick(rhythm, 2026, 11, 29, 23, 30)            # Monday 08:30 in Seoul: the channel without a client
    [loose] = reports_to(rhythm)
    assert loose.params["channel"] == "U0SEOUL" and "C0LOOSE" in loose.text
    tick(rhythm, 2026, 11, 30, 3, 0)              # Monday noon in Seoul: nothing (Kimchi is on Thursdays)
    tick(rhythm, 2026, 11, 30, 17, 59)
    assert len(reports_to(rhythm)) == 1
    tick(rhythm, 2026, 11, 30, 18, 0)             # Monday 12:00 in Mexico City
    assert [c.params["channel"] for c in reports_to(rhythm)] == ["U0SEOUL", "U0CDMX"]
    taco_dm = reports_to(rhythm)[1]
    assert taco_dm.text == "Weekly report for Taco Corp (week of Nov 23, 2026): draft ready"
    assert "Menu tasting" in section_starting(taco_dm, "*Meetings held (1)*")
    tick(rhythm, 2026, 12, 3, 6, 59)              # Thursday 15:59 in Seoul
    assert len(reports_to(rhythm)) == 2
    tick(rhythm, 2026, 12, 3, 7, 0)               # Thursday 16:00 in Seoul
    tick(rhythm, 2026, 12, 3, 7, 0)               # replayed
    sent = reports_to(rhythm)
    assert len(sent) == 3 and sent[2].params["channel"] == "U0SEOUL"
    kimchi_dm = sent[2]
    head = kimchi_dm.params["blocks"][1]["text"]["text"]
    assert head.startswith("📊 *Weekly report — Kimchi Co (<#C0KIMCHI>)*") and "|Nov 26, 2026>" in head
    assert "|Dec 2, 2026>" in head                 # the seven days before that Thursday
    meetings = section_starting(kimchi_dm, "*Meetings held (2)*")
    assert "Shoot plan" in meetings and "Casting" in meetings and "Too early" not in meetings
    assert json.loads(button_value(kimchi_dm, report_render.POST)) == {
        "d": rhythm.deliveries(recipient="U0SEOUL", period="2026-W49", subject=f"client:{kimchi.id}")[0].id,
        "c": f"client:{kimchi.id}", "w": "2026-W49"}
    assert {(d.recipient, d.subject, d.period, d.due_at) for d in rhythm.deliveries()} == {
        ("U0SEOUL", "C0LOOSE", "2026-W49", utc(2026, 11, 29, 23, 30)),
        ("U0CDMX", f"client:{taco.id}", "2026-W49", utc(2026, 11, 30, 18, 0)),
        ("U0SEOUL", f"client:{kimchi.id}", "2026-W49", utc(2026, 12, 3, 7, 0)),
    }                                             # no channel report for the clients' own channels

    tick(rhythm, 2026, 12, 10, 7, 0)              # every week: the next Thursday is 2026-W50
    assert (f"client:{kimchi.id}", "2026-W50", utc(2026, 12, 10, 7, 0)) in {
        (d.subject, d.period, d.due_at) for d in rhythm.deliveries(recipient="U0SEOUL")}


def test_the_report_lists_the_weeks_calls_and_their_follow_ups(rhythm):
    db = rhythm.db
    rhythm.person("U0AE", "Europe/Madrid")
    acme = add_client(db, "Acme", "U0AE", "C0ACME", day="wed", time="10:00")   # covers Nov 25 – Dec 1
    beta = add_client(db, "Beta", "U0AE", "C0BETA", day="fri")

    def call(client_id, on: date, who: str, channel=None, follow_up=None):
        draft = calls_service.CallDraft(channel_id=channel, who=who, duration="25", outcome=f"Spoke with {who}.",
                                        client_id=client_id, via="call_command",
                                        follow_up_text=follow_up or "", follow_up_owner="U0BOB" if follow_up else None,
                                        follow_up_due=date(2026, 12, 10) if follow_up else None)
        return calls_service.log_call(db, TEAM, "U0AE", draft, on)

    call(acme.id, date(2026, 11, 24), "Before the week")
    call(acme.id, date(2026, 11, 27), "Marta", follow_up="Send the revised quote")
    call(None, date(2026, 12, 1), "Luis", channel="C0ACME")       # logged against the channel only
    call(acme.id, date(2026, 12, 2), "On report day")
    call(beta.id, date(2026, 11, 28), "Beta's buyer")
    with db.transaction() as s:   # logged while Acme still used another channel: it is Acme's call all the same
        s.add(CallLog(team_id=TEAM, user_id="U0AE", client_id=acme.id, channel_id="C0OLDACME", who="Ines",
                      minutes=5, called_on=date(2026, 11, 30)))
    tick(rhythm, 2026, 12, 2, 8, 59)
    tick(rhythm, 2026, 12, 2, 9, 0)               # Wednesday 10:00 CET
    [dm] = reports_to(rhythm, "U0AE")
    calls = section_starting(dm, "*Calls (3)*")
    assert "25 min with Marta (<@U0AE>): Spoke with Marta." in calls and "|Nov 27, 2026>" in calls
    assert "25 min with Luis" in calls and "|Dec 1, 2026>" in calls and "5 min with Ines" in calls
    whole = blocks_text(dm)
    assert "Before the week" not in whole and "On report day" not in whole and "Beta's buyer" not in whole
    assert "Send the revised quote" in section_starting(dm, "*Open (1)*")   # the call's follow-up

    [d] = rhythm.deliveries(recipient="U0AE")              # "Edit first" starts from the same draft
    with db.transaction() as s:
        draft = reports_service.draft_for(s, d, "Europe/Madrid")
    text = report_render.edit_modal(draft, d.id)["blocks"][0]["element"]["initial_value"]
    assert "*Calls (3)*\n• Nov 27, 2026 — 25 min with Marta" in text


def test_a_client_report_posts_to_the_clients_channel_once(rhythm, bot, slack):
    rhythm.person("U0AE", "UTC")
    acme = add_client(rhythm.db, "Acme", "U0AE", "C0ACME", day="tue", time="09:00")
    write(rhythm.db, "U0AE", "C0ACME", date(2026, 11, 27), "Kick-off", decisions="Go with concept B.")
    tick(rhythm, 2026, 12, 1, 9, 0)
    [dm] = reports_to(rhythm, "U0AE")
    [row] = rhythm.deliveries()
    value = button_value(dm, report_render.POST)
    assert json.loads(value)["c"] == f"client:{acme.id}"
    click_at(bot, report_render.POST, value, message_ts=row.ts)
    click_at(bot, report_render.POST, value, message_ts=row.ts)
    [post] = eventually(lambda: _one(channel_posts(slack, "C0ACME")))
    assert "Acme (<#C0ACME>)" in blocks_text(post) and "Go with concept B." in blocks_text(post)
    slack.wait_for("response_url", where=lambda c: "already" in (c.params.get("text") or ""))
    assert len(channel_posts(slack, "C0ACME")) == 1
    [posted] = events(bot.db, "weekly_report.posted")
    assert (posted["channel"], posted["client_id"]) == ("C0ACME", acme.id)


def _one(found):
    assert len(found) == 1, found
    return found



def test_a_week_of_many_long_calls_stays_within_block_kit_limits():
    from fake_slack import _blocks_ok

    from bot.services.reports import WeeklyDraft

    calls = [CallLog(id=i, team_id=TEAM, user_id="U0AE", client_id=1, who="Someone " * 30, minutes=30,
                     outcome="Talked at length. " * 200, called_on=date(2026, 11, 24)) for i in range(500)]
    draft = WeeklyDraft(TEAM, "C0BIG", "U0AE", "2026-W49", date(2026, 11, 23), date(2026, 11, 29),
                        date(2026, 11, 30), calls=calls, subject="client:1", client_name="Big <Client> & Co")
    dm = report_render.weekly_dm(draft, 7)
    assert len(dm["blocks"]) <= 50 and _blocks_ok(dm["blocks"], 50)
    text = json.dumps(dm["blocks"])
    assert "Calls (500)" in text and "more" in text and "Big &lt;Client&gt; &amp; Co (<#C0BIG>)" in text
    assert dm["text"] == "Weekly report for Big &lt;Client&gt; &amp; Co (week of Nov 23, 2026): draft ready"
    assert len(report_render.edit_modal(draft, 7)["blocks"][0]["element"]["initial_value"]) <= 3000
