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


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(sqlalchemy_url(url))
    with engine.begin() as c:
        c.execute(sa.text("DROP SCHEMA public CASCADE"))
        c.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def db_url(db_kind, tmp_path):
    if db_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'ae-bot.db'}"
    url = os.environ["TEST_DATABASE_URL"]
    _reset_postgres(url)
    return url


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
