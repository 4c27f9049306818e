"""Work orders: the modal, gapless job numbers, the card and its status flow, the deliverable's sign-off."""
from __future__ import annotations

import itertools
import json
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from harness import eventually, example
from sqlmodel import select

from bot.db import Database
from bot.errors import InvalidInput, NotAllowed, Problem, UserError
from bot.i18n import text_for
from bot.models import (AuditEvent, Client, ClientContact, JobCounter, SignOff, WorkOrder, WorkOrderSigner,
                        WorkOrderStatus)
from bot.render.problems import describe
from bot.services import people, roles
from bot.services import workorders as service

TEAM = "T0ACME"
SOON = date.today() + timedelta(days=20)
_keys = itertools.count(1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def db(db_url):
    d = Database(db_url)
    d.upgrade()
    yield d
    d.dispose()


def add_client(db, name="Acme", ae="U0AE", channel="C0ACME", contacts=(), team=TEAM) -> int:
    with db.transaction() as s:
        c = Client(team_id=team, name=name, name_key=name.lower(), ae_id=ae, channel_id=channel, created_by=ae)
        s.add(c)
        s.flush()
        for u in contacts:
            s.add(ClientContact(team_id=team, client_id=c.id, user_id=u))
        return c.id


def draft(client_id, **over) -> service.WorkOrderDraft:
    d = {"client_id": client_id, "kind": "creative", "title": "Spring key visual", "brief": "Three concepts.",
         "cost": "1,200.50", "currency": "USD", "vendor": "", "due_on": SOON}
    d.update(over)
    return service.WorkOrderDraft(**d)


def rows(db, model, **where):
    with db.transaction() as s:
        q = select(model).order_by(*model.__table__.primary_key.columns)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return list(s.exec(q))


def actions(db) -> list[str]:
    return [e.action for e in rows(db, AuditEvent) if e.action.startswith("work_order.")]


def blocks_text(call) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def told(slack, n=1) -> str:
    return slack.wait_for("response_url", n)[n - 1].params["text"]


def click(bot, action_id, value, user="U0AE", user_team=TEAM, channel="C0ACME"):
    """A button press; `user_team` is the clicker's own org (a Slack Connect guest's differs from ours)."""
    p = example("block_actions.json")
    p["user"] = {**p["user"], "id": user, "username": user.lower(), "name": user.lower(), "team_id": user_team}
    p["team"] = {"id": TEAM, "domain": "acme"}
    p["trigger_id"] = f"{next(_keys)}.trigger"
    p["actions"][0].update(action_id=action_id, value=value)
    p["channel"] = {"id": channel, "name": "acme-shared"}
    p["container"] = {**p["container"], "channel_id": channel, "message_ts": "1764000000.000101"}
    p["response_url"] = bot.slack.response_url(f"wo{next(_keys)}")
    r = bot.post_payload(p)
    assert r.status_code == 200
    return r


def views_opened(slack) -> int:
    return len(slack.calls_to("views.open"))


def open_view(bot, slack, before: int) -> dict:
    call = slack.wait_for("views.open", before + 1)[before]
    return {**call.params["view"], "id": f"V{before + 1:08d}", "hash": f"h{before + 1}"}


def modal_values(client_id, **over) -> dict:
    v = {"client": str(client_id), "kind": "creative", "title": "Spring key visual",
         "brief": "Three concepts for the spring campaign.", "cost": "1,200.50", "currency": "USD",
         "vendor": "Studio Norte", "due_on": SOON}
    v.update(over)
    return v


def create_via_slack(bot, slack, client_id, channel="C0MEET", **over) -> WorkOrder:
    n = views_opened(slack)
    bot.command("/workorder", channel=channel)
    view = open_view(bot, slack, n)
    r = bot.submit(view, modal_values(client_id, **over))
    assert r.status_code == 200 and not r.content.strip(b"{}"), r.content

    def posted():
        found = [w for w in rows(bot.db, WorkOrder) if w.source_view_id == view["id"]]
        assert len(found) == 1 and found[0].message_ts
        return found[0]
    return eventually(posted)


def until(predicate):
    """Wait for the bot to finish what it does after the ack."""
    def check():
        value = predicate()
        assert value
        return value
    return eventually(check)


def card_shows(slack, ts: str, *parts: str) -> str:
    """Wait until the newest chat.update of the message `ts` shows every part; returns its blocks."""
    def check():
        updates = [c for c in slack.calls_to("chat.update") if c.params["ts"] == ts]
        assert updates, f"no chat.update of {ts}"
        text = blocks_text(updates[-1])
        for part in parts:
            assert part in text, part
        return text
    return eventually(check)


# --- amounts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,currency,expected", [
    ("1,200.50", "USD", Decimal("1200.50")), ("1200.5", "EUR", Decimal("1200.50")),
    (" 75 ", "GBP", Decimal("75.00")), ("1,500", "JPY", Decimal("1500")), ("1500.00", "KRW", Decimal("1500")),
    ("12,345,678.9", "MXN", Decimal("12345678.90")),
])
def test_amounts_that_are_accepted_are_exact_decimals(text, currency, expected):
    got = service.read_amount(text, currency)
    assert got == expected and isinstance(got, Decimal) and str(got) == str(expected)


# "1.234" in English could be a thousand or one and a bit: refused as ambiguous (bot/amounts.py), not guessed.
@pytest.mark.parametrize("text,currency,says", [
    ("", "USD", "Enter an amount"), ("abc", "USD", "can't read"), ("-5", "USD", "more than zero"),
    ("0", "USD", "more than zero"), ("0.00", "EUR", "more than zero"), ("1.234", "USD", "read two ways"),
    ("1500.5", "JPY", "JPY amounts have no decimals"), ("10.1", "KRW", "no decimals"),
    ("1.200,50", "EUR", "can't read"), ("12,34", "USD", "can't read"), ("1e3", "USD", "can't read"),
    ("NaN", "USD", "can't read"), ("1" * 13, "USD", "too large"), ("1.2345", "USD", "at most 2 decimals"),
])
def test_amounts_that_are_refused_say_why(text, currency, says):
    got = service.read_amount(text, currency)
    assert isinstance(got, Problem), got
    assert says in describe(got, text_for("en"))


# --- the modal ---------------------------------------------------------------------------------

def test_without_clients_the_command_says_to_add_one(bot, slack):
    bot.command("/workorder")
    assert "/client add" in told(slack)
    assert views_opened(slack) == 0


def test_invalid_fields_come_back_on_their_blocks_and_nothing_is_numbered(bot, slack):
    cid = add_client(bot.db)
    bot.command("/workorder", channel="C0ACME")
    view = open_view(bot, slack, 0)
    client_block = next(b for b in view["blocks"] if b["block_id"] == "client")
    assert client_block["element"]["initial_option"]["value"] == str(cid)   # run in the client's channel
    past = datetime.now(ZoneInfo("America/New_York")).date() - timedelta(days=1)   # the author's zone (fake Slack)
    r = bot.submit(view, modal_values(cid, title="  ", cost="1500.5", currency="JPY", due_on=past))
    body = r.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "cost", "due_on"}
    assert "JPY amounts have no decimals" in body["errors"]["cost"] and "in the past" in body["errors"]["due_on"]
    r = bot.submit(view, modal_values(cid, cost="1.2345", kind=None, client=None))
    assert set(r.json()["errors"]) == {"cost", "kind", "client"}
    assert "at most 2 decimals" in r.json()["errors"]["cost"]
    assert rows(bot.db, WorkOrder) == [] and rows(bot.db, JobCounter) == []


def test_the_due_date_is_judged_in_the_authors_zone(db):
    cid = add_client(db)
    people.remember(db, TEAM, "U0TOKYO", tz="Asia/Tokyo")
    people.remember(db, TEAM, "U0HONO", tz="Pacific/Honolulu")
    now = utc(2026, 3, 10, 8, 0)          # Tokyo: 10 March 17:00; Honolulu: 9 March 22:00
    with pytest.raises(InvalidInput) as e:
        service.create(db, TEAM, "U0TOKYO", draft(cid, due_on=date(2026, 3, 9)), now=now)
    assert e.value.errors["due_on"].code == "due_in_past"
    card, created = service.create(db, TEAM, "U0HONO", draft(cid, due_on=date(2026, 3, 9)), now=now)
    assert created and card.wo.number == "WO-2026-0001"


# --- job numbers -----------------------------------------------------------------------------------

def test_numbers_are_sequential_per_workspace_and_year_in_the_authors_zone(db):
    acme, other = add_client(db), add_client(db, team="T0OTHER")
    people.remember(db, TEAM, "U0NY", tz="America/New_York")
    people.remember(db, TEAM, "U0TOKYO", tz="Asia/Tokyo")
    people.remember(db, "T0OTHER", "U0NY", tz="America/New_York")
    eve = utc(2027, 1, 1, 4, 30)          # New York: 31 Dec 2026 23:30; Tokyo: 1 Jan 2027 13:30
    due = date(2027, 1, 15)
    got = [service.create(db, TEAM, "U0NY", draft(acme, due_on=due), now=eve)[0].wo.number for _ in range(3)]
    assert got == ["WO-2026-0001", "WO-2026-0002", "WO-2026-0003"]
    assert service.create(db, TEAM, "U0TOKYO", draft(acme, due_on=due), now=eve)[0].wo.number == "WO-2027-0001"
    assert service.create(db, TEAM, "U0NY", draft(acme, due_on=due), now=eve + timedelta(hours=1))[0].wo.number \
        == "WO-2027-0002"
    assert service.create(db, "T0OTHER", "U0NY", draft(other, due_on=due), now=eve)[0].wo.number == "WO-2026-0001"
    assert service.create(db, TEAM, "U0NY", draft(acme, due_on=due), now=eve)[0].wo.number == "WO-2026-0004"
    # Another workspace's client can't be used from this one (and the refusal takes no number).
    with pytest.raises(InvalidInput):
        service.create(db, TEAM, "U0NY", draft(other, due_on=due), now=eve)
    with db.transaction() as s:
        counters = {(c.team_id, c.year): c.last for c in s.exec(select(JobCounter))}
    assert counters == {(TEAM, 2026): 4, (TEAM, 2027): 2, ("T0OTHER", 2026): 1}


class Boom(Exception):
    pass


def test_numbers_have_no_gaps_or_duplicates_under_concurrent_creation(db, db_url, db_kind):
    """Separate engines (connections) create at once; some creations fail after taking a number."""
    threads, per_thread = (8, 25) if db_kind == "postgres" else (4, 8)
    teams = (TEAM, "T0OTHER")
    clients = {t: add_client(db, team=t) for t in teams}
    for t in teams:
        people.remember(db, t, "U0NY", tz="America/New_York")
    years = {2026: utc(2026, 6, 1, 15), 2027: utc(2027, 6, 1, 15)}
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    failed = [0]

    def work(n: int) -> None:
        mine = Database(db_url)
        try:
            start.wait()
            for i in range(per_thread):
                team, year = teams[(n + i) % 2], 2026 + n % 2
                d = draft(clients[team], due_on=date(year, 12, 31))
                _, created = service.create(mine, team, "U0NY", d, now=years[year], source_view_id=f"V{n}-{i}")
                assert created
                if i % 5 == 2:
                    # The same modal submitted again: it takes a number, hits the view id, rolls back.
                    _, created = service.create(mine, team, "U0NY", d, now=years[year], source_view_id=f"V{n}-{i}")
                    assert not created
                    # A creation that fails after taking its number.
                    try:
                        with mine.transaction() as s:
                            service.take_number(s, team, year)
                            raise Boom()
                    except Boom:
                        failed[0] += 1
        except BaseException as e:   # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            mine.dispose()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not errors, errors
    assert failed[0] > 0
    all_wos = rows(db, WorkOrder)
    assert len(all_wos) == threads * per_thread
    by_key: dict[tuple[str, int], list[int]] = {}
    for wo in all_wos:
        by_key.setdefault((wo.team_id, wo.year), []).append(wo.seq)
        assert wo.number == f"WO-{wo.year}-{wo.seq:04d}"
    assert len(by_key) == 4
    with db.transaction() as s:
        counters = {(c.team_id, c.year): c.last for c in s.exec(select(JobCounter))}
    for key, seqs in by_key.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), key     # no gaps, no duplicates
        assert counters[key] == len(seqs)


# --- the card and the status flow ------------------------------------------------------------------

def test_the_card_goes_to_the_clients_channel_and_a_resubmission_writes_nothing_twice(bot, slack):
    cid = add_client(bot.db)
    n = views_opened(slack)
    bot.command("/workorder", channel="C0MEET")
    view = open_view(bot, slack, n)
    values = modal_values(cid, kind="media_placement", brief="Billboards on Reforma.\n" + "x" * 2000)
    assert bot.submit(view, values).status_code == 200
    post = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "C0ACME")[0]
    year = datetime.now(ZoneInfo("America/New_York")).year
    text = blocks_text(post)
    for part in (f"WO-{year}-0001", "Acme", "Media placement", "Spring key visual", "Billboards on Reforma",
                 "$1,200.50", "Studio Norte", "<!date^", "Open", '"workorder_deliver"'):
        assert part in text, part
    assert '"workorder_close"' not in text and "xxxxxxxxx…" in text   # closing comes after delivery; brief cut
    until(lambda: rows(bot.db, WorkOrder)[0].message_ts)
    assert bot.submit(view, values).status_code == 200     # Slack retried the same modal
    again = service.create(bot.db, TEAM, "U0AE", draft(cid), source_view_id=view["id"])   # and once more, waited for
    assert again[1] is False and again[0].wo.number == f"WO-{year}-0001"
    [wo] = rows(bot.db, WorkOrder)
    assert (wo.estimated_cost, wo.currency, wo.message_channel) == (Decimal("1200.50"), "USD", "C0ACME")
    assert len(slack.calls_to("chat.postMessage")) == 1 and actions(bot.db) == ["work_order.created"]
    with bot.db.transaction() as s:
        assert s.exec(select(JobCounter)).one().last == 1


def test_status_flow_with_finance_closing_at_an_exact_actual_cost(bot, slack):
    cid = add_client(bot.db)
    slack.users["U0FIN"] = {"is_admin": True}
    wo = create_via_slack(bot, slack, cid)
    v = str(wo.id)

    click(bot, "workorder_close", v, user="U0FIN")                       # not delivered yet
    assert "is open" in told(slack) and "Mark it delivered first" in told(slack)
    click(bot, "workorder_deliver", v, user="U0BOB")                     # neither AE nor creator
    assert "Only the client's AE" in told(slack, 2)

    n = views_opened(slack)
    click(bot, "workorder_deliver", v, user="U0AE")
    deliver = open_view(bot, slack, n)
    assert bot.submit(deliver, {"deliverable": ""}).json()["errors"]["deliverable"] == "Say what was delivered."
    assert bot.submit(deliver, {"deliverable": "Key visual, 3 concepts: https://files.example/kv"}).status_code == 200
    card_shows(slack, wo.message_ts, "Delivered", "Key visual, 3 concepts", '"workorder_close"',
               '"workorder_request_signoff"')
    delivered = rows(bot.db, WorkOrder)[0]
    assert (delivered.status, delivered.version, len(delivered.content_hash)) == ("delivered", 1, 64)

    click(bot, "workorder_close", v, user="U0BOB")                       # not finance
    assert "Only finance can close a job. Ask a workspace admin." in told(slack, 3)
    n = views_opened(slack)
    click(bot, "workorder_close", v, user="U0FIN")                       # an admin: finance by default
    close = open_view(bot, slack, n)
    assert "Actual cost (USD)" in json.dumps(close)
    assert "at most 2 decimals" in bot.submit(close, {"actual_cost": "1180.255"}, user="U0FIN").json()["errors"][
        "actual_cost"]
    assert bot.submit(close, {"actual_cost": "1,180.25"}, user="U0FIN").status_code == 200
    text = card_shows(slack, wo.message_ts, "Closed", "$1,180.25", "Closed by:* <@U0FIN>")
    assert '"workorder_close"' not in text and '"workorder_deliver"' not in text
    closed = rows(bot.db, WorkOrder)[0]
    assert closed.status == "closed" and closed.closed_by == "U0FIN"
    assert isinstance(closed.actual_cost, Decimal) and closed.actual_cost == Decimal("1180.25")

    click(bot, "workorder_deliver", v, user="U0AE")                      # an illegal move back
    assert "is closed" in told(slack, 4)
    with bot.db.transaction() as s:                                      # the invoice's transaction
        service.mark_invoiced(s, TEAM, wo.id, "U0FIN")
    with pytest.raises(UserError) as refused, bot.db.transaction() as s:
        service.mark_invoiced(s, TEAM, wo.id)
    assert "is invoiced" in describe(refused.value, text_for("en"))
    assert rows(bot.db, WorkOrder)[0].status == WorkOrderStatus.invoiced
    assert actions(bot.db) == ["work_order.created", "work_order.delivered", "work_order.closed",
                               "work_order.invoiced"]


def test_a_named_finance_role_overrides_the_admins(bot, slack):
    cid = add_client(bot.db)
    slack.users["U0FIN"] = {"is_admin": True}
    wo = create_via_slack(bot, slack, cid)
    service.deliver(bot.db, TEAM, "U0AE", wo.id, "Press release, final")
    roles.set_holders(bot.db, TEAM, "U0FIN", True, {"finance": ["U0CFO"]})
    click(bot, "workorder_close", str(wo.id), user="U0FIN")
    assert "Only finance can close a job. Ask <@U0CFO>." in told(slack)
    with pytest.raises(NotAllowed):
        service.close(bot.db, TEAM, "U0FIN", True, wo.id, "100")
    n = views_opened(slack)
    click(bot, "workorder_close", str(wo.id), user="U0CFO")              # not an admin, but finance
    close = open_view(bot, slack, n)
    assert bot.submit(close, {"actual_cost": "990"}, user="U0CFO").status_code == 200
    until(lambda: rows(bot.db, WorkOrder)[0].status == "closed")
    assert rows(bot.db, WorkOrder)[0].actual_cost == Decimal("990.00")


def test_per_currency_decimals_when_closing(db):
    cid = add_client(db)
    card, _ = service.create(db, TEAM, "U0AE", draft(cid, cost="250,000", currency="JPY"))
    assert card.wo.estimated_cost == Decimal("250000")
    service.deliver(db, TEAM, "U0AE", card.wo.id, "Research report")
    with pytest.raises(InvalidInput) as e:
        service.close(db, TEAM, "U0ADMIN", True, card.wo.id, "249999.5")
    assert "JPY amounts have no decimals" in describe(e.value.errors["actual_cost"], text_for("en"))
    assert service.close(db, TEAM, "U0ADMIN", True, card.wo.id, "249,999").wo.actual_cost == Decimal("249999")


# --- the deliverable's sign-off -----------------------------------------------------------------

def delivered_with_signoff(bot, slack):
    cid = add_client(bot.db, contacts=["U0DANA"])                       # Dana: a Slack Connect guest
    wo = create_via_slack(bot, slack, cid)
    n = views_opened(slack)
    click(bot, "workorder_deliver", str(wo.id), user="U0AE")
    bot.submit(open_view(bot, slack, n), {"deliverable": "Key visual v1: https://files.example/kv1"})
    until(lambda: rows(bot.db, WorkOrder)[0].status == "delivered")
    n = views_opened(slack)
    click(bot, "workorder_request_signoff", str(wo.id), user="U0BOB")   # only the AE or the creator
    assert "Only the client's AE" in told(slack)
    click(bot, "workorder_request_signoff", str(wo.id), user="U0AE")
    signers_view = open_view(bot, slack, n)
    assert "<@U0DANA>" in json.dumps(signers_view)
    assert bot.submit(signers_view, {"signers": ["U0ALICE", "U0BOB"]}).status_code == 200
    post = slack.wait_for("chat.postMessage", 2, where=lambda c: c.params["channel"] == "C0ACME")[1]
    until(lambda: rows(bot.db, WorkOrder)[0].signoff_ts)
    return rows(bot.db, WorkOrder)[0], post


def test_a_client_contact_in_a_shared_channel_confirms_the_deliverable(bot, slack):
    wo, post = delivered_with_signoff(bot, slack)
    text = blocks_text(post)
    assert "0 of 3 signed" in text and "Key visual v1" in text and f'"{wo.id}:1"' in text
    assert "<@U0DANA> (client)" in text
    assert {(x.user_id, x.role) for x in rows(bot.db, WorkOrderSigner)} == \
        {("U0ALICE", "colleague"), ("U0BOB", "colleague"), ("U0DANA", "client")}

    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0DANA", user_team="T0CLIENT")
    card_shows(slack, wo.signoff_ts, "1 of 3 signed", "<@U0DANA>", "confirmed by the client", "<!date^")
    [so] = rows(bot.db, SignOff)
    assert (so.team_id, so.subject_kind, so.signer_id, so.role, so.version, so.content_hash) == \
        (TEAM, "work_order", "U0DANA", "client", 1, wo.content_hash)
    card_shows(slack, wo.message_ts, "1 of 3 signed", "confirmed by the client")

    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0ALICE")
    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0ALICE")        # a double click counts once
    assert "already signed version 1" in told(slack, 2)
    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0EVE")          # not asked to sign
    assert "Only the people asked to sign" in told(slack, 3)
    assert sorted(x.signer_id for x in rows(bot.db, SignOff)) == ["U0ALICE", "U0DANA"]
    card_shows(slack, wo.signoff_ts, "2 of 3 signed", "Waiting for: <@U0BOB>")

    n = views_opened(slack)                                               # the guest asks for a change
    click(bot, "workorder_request_changes", str(wo.id), user="U0DANA", user_team="T0CLIENT")
    changes = open_view(bot, slack, n)
    assert bot.submit(changes, {"comment": ""}, user="U0DANA").json()["errors"]["comment"]
    assert bot.submit(changes, {"comment": "Logo bigger, please."}, user="U0DANA").status_code == 200
    dm = slack.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == "U0AE")[0]
    assert "Logo bigger" in blocks_text(dm) and "<@U0DANA> (client)" in blocks_text(dm)
    card_shows(slack, wo.signoff_ts, "<@U0DANA> asked for changes", "Logo bigger")
    assert actions(bot.db).count("work_order.approve") == 2
    assert actions(bot.db).count("work_order.changes_requested") == 1


def test_delivering_again_resets_the_signoffs(bot, slack):
    wo, _ = delivered_with_signoff(bot, slack)
    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0DANA", user_team="T0CLIENT")
    card_shows(slack, wo.signoff_ts, "1 of 3 signed")
    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0ALICE")
    card_shows(slack, wo.signoff_ts, "2 of 3 signed")

    n = views_opened(slack)
    click(bot, "workorder_deliver", str(wo.id), user="U0AE")
    again = open_view(bot, slack, n)
    assert "earlier sign-offs stop counting" in json.dumps(again)
    bot.submit(again, {"deliverable": "Key visual v2, bigger logo: https://files.example/kv2"})
    card_shows(slack, wo.signoff_ts, "0 of 3 signed", "please sign again: <@U0ALICE>, <@U0DANA>", f'"{wo.id}:2"',
               "Key visual v2")
    reply = slack.wait_for("chat.postMessage", where=lambda c: c.params.get("thread_ts") == wo.signoff_ts)[0]
    assert "version 2" in reply.params["text"] and "<@U0DANA>" in reply.params["text"]
    wo2 = rows(bot.db, WorkOrder)[0]
    assert wo2.version == 2 and wo2.content_hash != wo.content_hash

    click(bot, "workorder_sign_off", f"{wo.id}:1", user="U0ALICE")        # the old card's button
    assert "delivered again" in told(slack, 2) and "version 2" in told(slack, 2)
    click(bot, "workorder_sign_off", f"{wo.id}:2", user="U0DANA", user_team="T0CLIENT")
    text = card_shows(slack, wo.signoff_ts, "1 of 3 signed", "please sign again: <@U0ALICE>")
    assert "please sign again: <@U0ALICE>, " not in text
    assert [(x.signer_id, x.version) for x in rows(bot.db, SignOff)] == \
        [("U0DANA", 1), ("U0ALICE", 1), ("U0DANA", 2)]                    # history kept, only v2 counts
    card = service.load(bot.db, TEAM, wo.id)
    assert [x.signer_id for x in card.approvals] == ["U0DANA"] and card.must_resign == ["U0ALICE"]

    # Asking again (Bob no longer signs): a new card; the old one loses its buttons.
    n = views_opened(slack)
    click(bot, "workorder_request_signoff", str(wo.id), user="U0AE")
    again = open_view(bot, slack, n)
    assert json.dumps(again).count("U0BOB") == 1 and "U0ALICE" in json.dumps(again)   # pre-filled colleagues
    bot.submit(again, {"signers": ["U0ALICE"]})
    cards = slack.wait_for("chat.postMessage", 3, where=lambda c: c.params["channel"] == "C0ACME"
                           and not c.params.get("thread_ts"))
    assert "1 of 2 signed" in blocks_text(cards[2]) and f'"{wo.id}:2"' in blocks_text(cards[2])
    old = card_shows(slack, wo.signoff_ts, "replaced by a newer one")
    assert "workorder_sign_off" not in old
    until(lambda: rows(bot.db, WorkOrder)[0].signoff_ts not in (None, wo.signoff_ts))   # buttons now act there
    assert {x.user_id for x in rows(bot.db, WorkOrderSigner)} == {"U0ALICE", "U0DANA"}
