"""Shared fixtures: the test database, sessions, event capture and small factories.

One switch picks the database: `MC_TEST_DATABASE_URL`. Unset, the tests run on a temporary
SQLite file (WAL, built by `mission_control.db.make_engine`); set (e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/test`), they run on that database, whose
`public` schema is dropped and rebuilt at the start of the run.

The schema is always built by Alembic (`upgrade head`), never by `create_all`, so the tests
run on exactly what a deployment gets. Every test that touches the database (through the
`engine`, `db` or `session` fixture) is marked `db`, so `pytest -m db` repeats just those
on PostgreSQL.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, func, select

import mission_control.models  # noqa: F401  (registers every table)
from mission_control import db as mc_db
from mission_control.config import get_settings
from mission_control.events import Event, bus
from mission_control.models import Agent, Task, User, Workspace
from mission_control.services import agents as agent_service
from mission_control.services import tasks as task_service
from mission_control.services import users as user_service
from mission_control.services import workspaces as workspace_service
from mission_control.services.actor import Actor
from mission_control.startup import install_event_hooks

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get("MC_TEST_DATABASE_URL", "").strip()
DB_FIXTURES = {"engine", "db", "session"}


# --------------------------------------------------------------------------- migrations


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    return cfg


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Run Alembic on `engine` in-process (env.py takes the connection we hand it)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if down:
            command.downgrade(cfg, revision)
        else:
            command.upgrade(cfg, revision)


# --------------------------------------------------------------------------- database


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The test database, migrated to head once per run."""
    if TEST_DATABASE_URL:
        eng = mc_db.make_engine(TEST_DATABASE_URL)
        if eng.dialect.name == "postgresql":
            with eng.begin() as conn:  # a stale or half-migrated earlier run must not matter
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    else:
        path = tmp_path_factory.mktemp("db") / "test.db"
        eng = mc_db.make_engine(f"sqlite:///{path}")
    migrate(eng)
    yield eng
    eng.dispose()


@cache
def _app_tables(engine: Engine) -> tuple[str, ...]:
    """The models' tables that the migrations created, parents before children."""
    present = set(inspect(engine).get_table_names())
    return tuple(t.name for t in SQLModel.metadata.sorted_tables if t.name in present)


def _empty_all_tables(engine: Engine) -> None:
    tables = _app_tables(engine)
    if engine.dialect.name == "postgresql":
        _truncate_postgres(engine, tables)
        return
    with engine.begin() as conn:
        for name in reversed(tables):  # children before parents
            conn.execute(text(f'DELETE FROM "{name}"'))
        has_sequence = conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
        ).first()
        if has_sequence:
            conn.execute(text("DELETE FROM sqlite_sequence"))


def _truncate_postgres(engine: Engine, tables: tuple[str, ...]) -> None:
    """TRUNCATE while an app server (the e2e one) may still be reading these tables.

    Waiting for one table's lock while holding another's can deadlock with that server, so
    every lock is taken with NOWAIT, all at once, and the whole attempt is retried."""
    names = ", ".join(f'"{t}"' for t in tables)
    deadline = time.monotonic() + 30
    while True:
        try:
            with engine.begin() as conn:
                conn.execute(text(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE NOWAIT"))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(scope="session", autouse=True)
def _event_hooks() -> None:
    """Commits publish their events and queue webhooks, as in every app process."""
    install_event_hooks()


@pytest.fixture(scope="session", autouse=True)
def _outbound_stand_in() -> None:
    """Fixtures give agents and webhooks http://127.0.0.1:9/... (the discard port: nobody is
    called there). Saving such a URL needs that one address allowed; nothing else is."""
    get_settings().outbound_allow = "127.0.0.1:9"


@pytest.fixture(scope="session", autouse=True)
def _memory_store_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The embedded vector store, when a test opens the app's own, lives in a temp dir."""
    get_settings().memory_dir = tmp_path_factory.mktemp("memory")


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """Point the app at the test engine; every table is emptied after the test."""
    mc_db.set_engine(engine)
    try:
        yield engine
    finally:
        _empty_all_tables(engine)


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    """A plain session on the test database. Tests call services with it and commit."""
    with Session(db) as s:
        yield s
        s.rollback()


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Every event published on the in-process bus while the test runs, in order."""
    seen: list[Event] = []
    unsubscribe = bus.subscribe(seen.append)
    try:
        yield seen
    finally:
        unsubscribe()


# --------------------------------------------------------------------------- helpers


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table, as seen by `session` (flushes whatever it holds first)."""
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    tables = SQLModel.metadata.tables
    return {
        name: int(session.exec(select(func.count()).select_from(tables[name])).one())
        for name in _app_tables(bind)
    }


@pytest.fixture
def refused(session: Session, events: list[Event]) -> Callable[..., Any]:
    """Call a service that must refuse; prove the refusal wrote and published nothing.

    Usage: `err = refused(Invalid, tasks.move_task, workspace_id=..., ...)`. The service
    gets `session=`. After the exception the session is *committed*: a refusal that left a
    row, an Activity/AuditEvent or a parked event behind would show up here.
    """

    def check(exc_type: type[Exception], fn: Callable[..., Any], **kwargs: Any) -> Any:
        session.commit()
        before = row_counts(session)
        events.clear()
        with pytest.raises(exc_type) as info:
            fn(session=session, **kwargs)
        session.commit()
        assert row_counts(session) == before, "a refused call wrote rows"
        assert events == [], f"a refused call published {[e.type for e in events]}"
        return info.value

    return check


# --------------------------------------------------------------------------- factories

SYSTEM = Actor.system("test")
_names = count(1)


@pytest.fixture
def make_workspace(session: Session) -> Callable[..., Workspace]:
    def make(slug: str | None = None, name: str = "Test squad") -> Workspace:
        ws = workspace_service.create_workspace(
            session=session, slug=slug or f"ws{next(_names)}", name=name
        )
        session.commit()
        return ws

    return make


@pytest.fixture
def workspace(make_workspace: Callable[..., Workspace]) -> Workspace:
    return make_workspace("main")


@pytest.fixture
def make_user(session: Session, workspace: Workspace) -> Callable[..., User]:
    def make(handle: str = "ops", workspace_id: int | None = None, **kwargs: Any) -> User:
        user = user_service.create_user(
            session=session,
            workspace_id=workspace_id or workspace.id,
            handle=handle,
            display_name=kwargs.pop("display_name", handle.title()),
            actor=SYSTEM,
            **kwargs,
        )
        session.commit()
        return user

    return make


@pytest.fixture
def operator(make_user: Callable[..., User]) -> User:
    return make_user("ops", display_name="Operator One")


DRIVER_DEFAULTS: dict[str, dict[str, Any]] = {
    "openai": {"model": "scripted"},
    "webhook": {"url": "http://127.0.0.1:9/agent", "secret": "s" * 16},
}


@pytest.fixture
def make_agent(session: Session, workspace: Workspace) -> Callable[..., Agent]:
    def make(
        name: str | None = None, role: str = "developer", workspace_id: int | None = None, **kw: Any
    ) -> Agent:
        # Drivers that need settings get harmless ones unless the test gives its own.
        if "driver_config" not in kw and kw.get("driver_type") in DRIVER_DEFAULTS:
            kw["driver_config"] = DRIVER_DEFAULTS[kw["driver_type"]]
        agent = agent_service.create_agent(
            session=session,
            workspace_id=workspace_id or workspace.id,
            data={"name": name or f"Agent{next(_names)}", "role": role, **kw},
            actor=SYSTEM,
        )
        session.commit()
        return agent

    return make


@pytest.fixture
def make_task(session: Session, workspace: Workspace) -> Callable[..., Task]:
    def make(title: str = "A task", workspace_id: int | None = None, **kw: Any) -> Task:
        task = task_service.create_task(
            session=session,
            workspace_id=workspace_id or workspace.id,
            data={"title": title, **kw},
            actor=SYSTEM,
        )
        session.commit()
        return task

    return make


def _actor_for(obj: Agent | User, origin: str = "test") -> Actor:
    assert obj.id is not None
    if isinstance(obj, Agent):
        return Actor.for_agent(obj.id, obj.name, origin)
    return Actor.for_user(obj.id, obj.handle, origin)


@pytest.fixture
def actor_for() -> Callable[..., Actor]:
    """`actor_for(agent_or_user)`: the Actor through which that agent or operator acts."""
    return _actor_for


@pytest.fixture
def op_actor(operator: User) -> Actor:
    return _actor_for(operator)
