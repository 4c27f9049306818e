"""Fixtures: a fake Slack Web API, a fresh database (SQLite always; PostgreSQL too when
TEST_DATABASE_URL is set), and the bot served over real HTTP against both."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from fake_slack import FakeSlack  # noqa: E402
from harness import BotServer  # noqa: E402

from bot.settings import sqlalchemy_url  # noqa: E402


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        kinds = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])
        metafunc.parametrize("db_kind", kinds)


def _fresh_postgres_schema(url: str) -> str:
    """A schema of this test process's own, emptied, so parallel runs never share tables."""
    schema = f"aebot_test_{os.getpid()}"
    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.begin() as c:
        c.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def db_url(db_kind, tmp_path):
    if db_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'ae-bot.db'}"
    return _fresh_postgres_schema(os.environ["TEST_DATABASE_URL"])


@pytest.fixture
def slack():
    fake = FakeSlack().start()
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
