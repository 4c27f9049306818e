"""Operations: the CLI, migrations, the append-only audit log, UTC storage, signatures, error
handling, token redaction in logs, /healthz and settings. Real processes, real databases, real HTTP;
Slack is faked only at its Web API (tests/fake_slack.py)."""
from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from harness import SECRET, TOKEN, eventually

from bot import logs
from bot.db import Database
from bot.models import AuditEvent
from bot.settings import DEFAULT_SLACK_API_URL, Settings, sqlalchemy_url

REPO = Path(__file__).resolve().parents[1]
SETTINGS_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                "DATABASE_URL", "PORT", "LOG_LEVEL")


def cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`ae-bot ARGS` in a clean environment (nothing from ours leaks in), in a directory of its own."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO), **env}
    start = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=clean, capture_output=True,
                       text=True, encoding="utf-8", timeout=60)
    p.elapsed = time.monotonic() - start
    return p


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """Settings built in-process see neither our environment nor a .env in the working directory."""
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as c:
        return {t.name: c.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def audit(**kw) -> AuditEvent:
    return AuditEvent(**{"team_id": "T0ACME", "actor_id": "U0AE", "action": "test.event", "subject_kind": "test",
                         **kw})


# --- 1. `ae-bot run` without its settings -----------------------------------------------------------
def test_run_without_tokens_says_what_is_missing_and_where_to_get_it(tmp_path):
    p = cli(tmp_path, "run")
    out = p.stdout + p.stderr
    assert p.returncode == 2 and p.elapsed < 10 and "Traceback" not in out, out
    message = p.stderr.strip()
    first = message.splitlines()[0]
    assert "SLACK_BOT_TOKEN" in first and "SLACK_SIGNING_SECRET" in first
    assert "api.slack.com/apps" in message and ".env" in message
    # One short message, not a wall of text (a headline naming the variables plus one paragraph).
    assert len(message) < 1200 and len(message.splitlines()) <= 12
    assert not (tmp_path / "ae-bot.db").exists()     # refused before touching anything


def test_run_reads_dotenv_and_names_only_what_is_still_missing(tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv-42\n")
    p = cli(tmp_path, "run")
    out = p.stdout + p.stderr
    assert p.returncode == 2, out
    first = p.stderr.strip().splitlines()[0]
    assert "SLACK_SIGNING_SECRET" in first and "SLACK_BOT_TOKEN" not in first
    assert "xoxb-from-dotenv-42" not in out and "Traceback" not in out


def test_socket_mode_needs_no_signing_secret(no_env):
    s = Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1-A1-2", _env_file=None)
    assert s.socket_mode and s.missing_for_run() == []
    assert Settings(slack_app_token="xapp-1-A1-2", _env_file=None).missing_for_run() == ["SLACK_BOT_TOKEN"]
    assert Settings(_env_file=None).missing_for_run() == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
    http = Settings(slack_bot_token="xoxb-1", slack_signing_secret="s", _env_file=None)
    assert not http.socket_mode and http.missing_for_run() == []


# --- 2. `ae-bot db upgrade` and `ae-bot tick` ---------------------------------------------------------
def test_db_upgrade_creates_the_schema_and_is_idempotent_then_tick_runs(empty_db_url, tmp_path, slack):
    db_url = empty_db_url
    for _ in range(2):
        p = cli(tmp_path, "db", "upgrade", DATABASE_URL=db_url)
        assert p.returncode == 0 and "Traceback" not in p.stderr, p.stdout + p.stderr
    engine = sa.create_engine(sqlalchemy_url(db_url))
    try:
        names = set(sa.inspect(engine).get_table_names())
        with engine.connect() as c:
            versions = c.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    finally:
        engine.dispose()
    assert set(SQLModel.metadata.tables) <= names and "audit_event" in names, names
    assert len(versions) == 1
    p = cli(tmp_path, "tick", "--at", "2026-11-30T12:00:00+01:00", DATABASE_URL=db_url)
    assert p.returncode == 2 and "SLACK_BOT_TOKEN" in p.stderr and "Traceback" not in p.stderr
    p = cli(tmp_path, "tick", "--at", "2026-11-30T12:00:00+01:00", DATABASE_URL=db_url,
            SLACK_BOT_TOKEN="xoxb-tick", SLACK_API_URL=slack.api_url)
    assert p.returncode == 0 and "tick at 2026-11-30T11:00:00+00:00" in p.stdout, p.stdout + p.stderr


def test_tick_with_an_unreadable_time_exits_2_with_a_readable_message(tmp_path):
    p = cli(tmp_path, "tick", "--at", "garbage", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert p.returncode == 2 and "Traceback" not in p.stdout + p.stderr
    assert "--at" in p.stderr and "garbage" in p.stderr and "ISO" in p.stderr


# --- 3. migrations match the models -------------------------------------------------------------------
def test_migrations_match_the_models(db_url):
    db = Database(db_url)
    try:
        db.upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
            diff = compare_metadata(ctx, SQLModel.metadata)
    finally:
        db.dispose()
    # No filtering needed: on both SQLite and PostgreSQL the comparison comes back empty.
    assert diff == [], diff


# --- 4. the audit log is append-only ------------------------------------------------------------------
def test_audit_log_is_append_only(db_url):
    db = Database(db_url)
    try:
        db.upgrade()
        with db.transaction() as s:
            s.add(audit(detail='{"n": 1}'))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.transaction() as s:
                s.execute(sa.update(AuditEvent).values(detail='{"n": 2}'))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.transaction() as s:
                s.execute(sa.delete(AuditEvent))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):   # through the ORM as well
            with db.transaction() as s:
                s.exec(select(AuditEvent)).one().action = "rewritten"
        with db.transaction() as s:
            s.add(audit(action="second"))
        with db.transaction() as s:
            rows = s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [(r.action, r.detail) for r in rows] == [("test.event", '{"n": 1}'), ("second", "{}")]
    finally:
        db.dispose()


# --- 5. times are stored as timezone-aware UTC ----------------------------------------------------------
def test_times_are_stored_as_aware_utc(db_url):
    tokyo = datetime(2026, 11, 30, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=9)))
    db = Database(db_url)
    try:
        db.upgrade()
        with db.transaction() as s:
            s.add(audit(at=tokyo))
        with db.transaction() as s:
            back = s.exec(select(AuditEvent)).one().at
        assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
        assert back == tokyo and back.hour == 0 and back.microsecond == 123456
        with db.engine.connect() as c:                        # what is really in the column
            raw = c.execute(sa.text("SELECT at FROM audit_event")).scalar_one()
        if db.engine.dialect.name == "sqlite":
            assert str(raw).startswith("2026-11-30 00:30:15.123456"), raw
        else:
            assert raw.tzinfo is not None and raw == tokyo, raw     # timestamptz: an instant
            cols = {c["name"]: c["type"] for c in sa.inspect(db.engine).get_columns("audit_event")}
            assert cols["at"].timezone is True
        with pytest.raises(sa.exc.StatementError, match="naive"):
            with db.transaction() as s:
                s.add(audit(at=datetime(2026, 11, 30, 12, 0)))
    finally:
        db.dispose()


# --- 6. request signatures ----------------------------------------------------------------------------
def test_forged_or_stale_signatures_are_refused(bot, slack):
    before = row_counts(bot.db)
    forged = bot.command("/minutes", "Kick-off", secret="wrong")
    stale = bot.command("/minutes", "Kick-off", timestamp=int(time.time()) - 600)
    assert (forged.status_code, stale.status_code) == (401, 401)
    time.sleep(0.3)                                   # anything the bot would do happens after the ack
    assert slack.calls == []
    assert row_counts(bot.db) == before
    ok = bot.command("/minutes", "Kick-off")
    assert ok.status_code == 200
    slack.wait_for("views.open")                      # the same request, correctly signed, does work


# --- 7. an unexpected failure ---------------------------------------------------------------------------
def test_unexpected_failure_answers_with_a_ref_and_logs_the_context(bot, slack, caplog):
    caplog.set_level(logging.ERROR)
    slack.fail_next("views.open", error="internal_error")
    r = bot.command("/minutes", "Kick-off", user="U0AE", team="T0ACME")
    assert r.status_code == 200
    said = slack.wait_for("response_url", where=lambda c: "Sorry" in (c.text or ""))[0]
    m = re.search(r"Sorry — that failed \(ref ([\w-]+)\)", said.text)
    assert m, said.text
    assert said.params.get("response_type") == "ephemeral"
    ref = m.group(1)

    def logged():
        hits = [rec for rec in caplog.records if rec.levelno >= logging.ERROR and ref in rec.getMessage()]
        assert hits, [rec.getMessage() for rec in caplog.records]
        return hits[0]
    rec = eventually(logged)
    line = rec.getMessage()
    assert "T0ACME" in line and "U0AE" in line and "/minutes" in line
    assert rec.exc_info is not None                   # the traceback goes to the log, not to the person
    assert "Traceback" not in said.text and "internal_error" not in said.text

    # A failure before the ack (a modal submission whose metadata is corrupt): still a 200, still a ref.
    assert bot.command("/minutes", "Again").status_code == 200
    view = {**bot.opened_view(2), "private_metadata": "{not json"}
    r = bot.submit(view, {"title": "Again"})
    assert r.status_code == 200
    dm = slack.wait_for("chat.postMessage", where=lambda c: "Sorry" in (c.text or ""))[0]
    assert dm.params["channel"] == "U0AE" and re.search(r"\(ref [\w-]+\)", dm.text), dm.params


def test_a_modal_opened_too_late_says_to_try_again_not_sorry(bot, slack):
    """Work behind the ack can reach views.open after the trigger's 3 s (a backlog): the person is
    told to try again, without an error ref to chase."""
    slack.fail_next("views.open", error="expired_trigger_id")
    assert bot.command("/minutes", "Kick-off").status_code == 200
    said = slack.wait_for("response_url", where=lambda c: "try again" in (c.text or ""))[0]
    assert "closed the window for that form" in said.text and "ref" not in said.text
    assert said.params.get("response_type") == "ephemeral"


# --- 8. tokens never reach the logs ---------------------------------------------------------------------
PASTED = "xoxp-pasted-by-user-77"


def test_tokens_never_appear_in_debug_logs(bot, slack):
    root = logging.getLogger()
    old_level = root.level
    buf = io.StringIO()
    handler = logs.configure("DEBUG", stream=buf)
    try:
        # A token pasted into the command text travels into views.open, which slack_sdk logs in full.
        assert bot.command("/minutes", f"Kick-off {PASTED}").status_code == 200
        slack.wait_for("views.open")
        slack.wait_for("users.info")
        time.sleep(0.1)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = buf.getvalue()
    assert "Sending a request" in text and "views.open" in text     # slack_sdk's request log was captured
    assert [s for s in (TOKEN, SECRET, PASTED) if s in text] == []
    assert PASTED in str(slack.calls_to("views.open")[0].params["view"])   # ... so it was there to hide
    assert slack.calls_to("views.open")[0].headers.get("Authorization") == f"Bearer {TOKEN}"


def test_redact_hides_every_kind_of_slack_token():
    secrets_ = ["xoxb-1234-5678-AbCdEf", "xoxp-1-2-3-abc", "xapp-1-A0B1C2-99-ffee", "xoxe.xoxb-1-Zz9",
                "xoxe-1-My4tZXhh"]
    line = "auth " + " ".join(f"t={s}" for s in secrets_) + " Authorization: Bearer xoxb-9-9-Q"
    out = logs.redact(line)
    for s in secrets_ + ["xoxb-9-9-Q"]:
        assert s not in out
    assert out.count("…redacted") == len(secrets_) + 1
    assert logs.redact("no secrets here: xox, xoxb, 12-34") == "no secrets here: xox, xoxb, 12-34"


def test_redacting_formatter_covers_messages_and_tracebacks():
    buf = io.StringIO()
    root, old_level = logging.getLogger(), logging.getLogger().level
    handler = logs.configure("INFO", stream=buf)
    try:
        log = logging.getLogger("ae_bot.test_ops")
        log.info("client built with %s", TOKEN)
        try:
            raise RuntimeError(f"bad token {TOKEN}")
        except RuntimeError:
            log.exception("call failed")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    text = buf.getvalue()
    assert "client built with xoxb-" in text and "RuntimeError" in text and "call failed" in text
    assert TOKEN not in text


# --- 9. the HTTP side -----------------------------------------------------------------------------------
def test_healthz_and_unsigned_events(bot, slack):
    r = bot.http.get("/healthz")
    assert r.status_code == 200 and r.json()["ok"] is True
    unsigned = bot.http.post("/slack/events", content=b"command=%2Fminutes&team_id=T0ACME&user_id=U0AE",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status_code == 401
    time.sleep(0.2)
    assert slack.calls == []


# --- 10. settings ---------------------------------------------------------------------------------------
def test_database_urls_use_psycopg_3():
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u:p@h:5433/db?sslmode=require") == \
        "postgresql+psycopg://u:p@h:5433/db?sslmode=require"
    for url in ("sqlite:///ae-bot.db", "postgresql+psycopg://u@h/db", "postgresql+psycopg2://u@h/db"):
        assert sqlalchemy_url(url) == url


def test_settings_defaults_api_url_and_dotenv(no_env, tmp_path, monkeypatch):
    d = Settings(_env_file=None)
    assert (d.slack_api_url, d.database_url, d.port) == (DEFAULT_SLACK_API_URL, "sqlite:///ae-bot.db", 3000)
    assert Settings(slack_api_url="http://127.0.0.1:9/api", _env_file=None).slack_api_url == \
        "http://127.0.0.1:9/api/"
    assert Settings(slack_api_url="http://x/api/", _env_file=None).slack_api_url == "http://x/api/"
    env = tmp_path / "custom.env"
    env.write_text("SLACK_BOT_TOKEN=xoxb-file-1\nSLACK_SIGNING_SECRET=file-secret\n"
                   "SLACK_API_URL=http://fake:1/api\nDATABASE_URL=postgresql://u@h/db\nPORT=4000\n")
    s = Settings(_env_file=env)
    assert (s.slack_bot_token, s.slack_signing_secret, s.port) == ("xoxb-file-1", "file-secret", 4000)
    assert (s.slack_api_url, s.database_url) == ("http://fake:1/api/", "postgresql://u@h/db")
    assert "xoxb-file-1" not in repr(s) and "file-secret" not in repr(s)
    monkeypatch.setenv("PORT", "5000")              # the environment wins over the file
    assert Settings(_env_file=env).port == 5000
    monkeypatch.delenv("PORT")
    (tmp_path / ".env").write_text("PORT=4321\n")   # and by default .env in the working directory is read
    assert Settings().port == 4321


def test_learning_about_the_same_new_person_twice_at_once_is_fine(db_url):
    """A bug found under load: two requests both inserted the new Person row; one answered "Sorry"."""
    import threading

    from bot.models import Person
    from bot.services import people

    db = Database(db_url)
    errors, start = [], threading.Barrier(8)

    def learn():
        start.wait()
        try:
            people.remember(db, "T0ACME", "U0NEW", name="New", tz="Asia/Seoul")
        except Exception as e:   # noqa: BLE001 - the test reports whatever escaped
            errors.append(e)

    threads = [threading.Thread(target=learn) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.transaction() as s:
        assert len(s.exec(sa.select(Person)).all()) == 1
    db.dispose()
    assert errors == []
