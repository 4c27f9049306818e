"""Fixtures: a fake Slack Web API, a fresh database (SQLite always; PostgreSQL too when
TEST_DATABASE_URL is set), and the bot served over real HTTP against both."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from fake_slack import FakeSlack  # noqa: E402
from harness import BotServer  # noqa: E402

from bot.settings import sqlalchemy_url  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: what it tests does not depend on the database "
                            "(wording, token checks): run on SQLite only, to keep the suite short")


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames or "empty_db_url" in metafunc.fixturenames:
        both = not metafunc.definition.get_closest_marker("sqlite_only")
        kinds = ["sqlite"] + (["postgres"] if both and os.environ.get("TEST_DATABASE_URL") else [])
        metafunc.parametrize("db_kind", kinds)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Each test is a freshly started bot: nothing cached in this process from the test before."""
    from bot.services import audience, people, readers

    people._zones.clear()
    readers.forget_all()
    audience._outsiders.clear()
    yield


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    """Migrated once per run; each test gets a copy (as `ae-bot db upgrade` would leave it)."""
    from bot.db import Database

    path = tmp_path_factory.mktemp("template") / "ae-bot.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_migrated():
    """Migrated once per run into this process's own schema; each test starts from empty tables."""
    from bot.db import Database

    url = _fresh_postgres_schema(os.environ["TEST_DATABASE_URL"])
    db = Database(url)
    db.upgrade()
    db.dispose()
    return url


def _empty_postgres(url: str) -> None:
    from sqlmodel import SQLModel

    import bot.models  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.begin() as c:   # TRUNCATE fires no row triggers, so the append-only audit log empties too
        c.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


def _fresh_postgres_schema(url: str, suffix: str = "") -> str:
    """A schema of this test process's own, emptied, so parallel runs never share tables."""
    schema = f"aebot_test_{os.getpid()}{suffix}"
    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.begin() as c:
        c.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(db_kind, tmp_path, request):
    if db_kind == "sqlite":
        shutil.copy(request.getfixturevalue("_sqlite_template"), tmp_path / "ae-bot.db")
        return f"sqlite:///{tmp_path / 'ae-bot.db'}"
    url = request.getfixturevalue("_postgres_migrated")
    _empty_postgres(url)
    return url


@pytest.fixture
def empty_db_url(db_kind, tmp_path):
    """A database with no tables at all, for tests of the migrations themselves."""
    if db_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return _fresh_postgres_schema(os.environ["TEST_DATABASE_URL"], "_empty")


@pytest.fixture
def slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def teams():
    """Teams' far side: Bot Framework's keys, Microsoft's token endpoint, the Bot Connector."""
    from fake_teams import FakeTeams

    fake = FakeTeams().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_bot(db_url, slack):
    started = []

    def make():
        b = BotServer(db_url, slack)
        started.append(b)
        return b

    yield make
    for b in started:
        b.stop()


@pytest.fixture
def bot(make_bot):
    return make_bot()


@pytest.fixture
def rhythm(db_url, slack):
    from rhythm import Rhythm

    r = Rhythm(db_url, slack)
    yield r
    r.db.dispose()
