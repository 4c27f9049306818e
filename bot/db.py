"""Engine, transactions and migrations."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, create_engine

from .settings import sqlalchemy_url

MIGRATIONS = Path(__file__).parent / "migrations"


class Database:
    def __init__(self, url: str):
        self.url = sqlalchemy_url(url)
        kw: dict = {}
        if self.url.startswith("sqlite"):
            # Handlers call services from worker threads; SQLite waits for a lock instead of failing.
            kw["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kw["pool_pre_ping"] = True
        self.engine = create_engine(self.url, **kw)
        # A request's one transaction (bot/uow.py) runs on its own engine: on SQLite it begins with
        # BEGIN IMMEDIATE (it will write, so it takes the write lock first rather than fail to upgrade
        # a read) and, with the driver's own transaction handling off, its services' SAVEPOINTs work.
        self.scope_engine = self.engine
        if self.url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.scope_engine = create_engine(self.url, **kw)
            sa.event.listen(self.scope_engine, "connect", _sqlite_scope_connect)
            sa.event.listen(self.scope_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error. Inside a request's scope
        (bot/uow.py) it is part of the request's one transaction instead."""
        from .uow import current

        scope = current()
        if scope is not None and scope.db is self:
            with scope.nested() as session:
                yield session
            return
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (`ae-bot db upgrade`)."""
        command.upgrade(alembic_config(self.url), "head")

    def dispose(self) -> None:
        self.engine.dispose()
        if self.scope_engine is not self.engine:
            self.scope_engine.dispose()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return cfg


def _sqlite_scope_connect(dbapi_conn, record) -> None:
    _sqlite_pragmas(dbapi_conn, record)
    dbapi_conn.isolation_level = None   # we say BEGIN ourselves (the "begin" event above)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # A commit survives the process being killed (it is in the WAL); only an OS crash or power loss
    # could undo the last ones. FULL would fsync every commit: 20 times slower here. PostgreSQL is the
    # database for a machine that must survive a power cut.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
