"""Engine and sessions. SQLite gets WAL and sane pragmas; PostgreSQL gets a pool."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from mission_control.config import get_settings

_BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for another one


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_S}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        _write_locks[engine] = threading.RLock()
        return engine
    settings = get_settings()
    return create_engine(
        url, echo=echo, pool_size=settings.db_pool_size, max_overflow=20, pool_pre_ping=True
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit BEGIN comes too late to make
    # a read-then-write unit atomic).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Write units take the write lock up front, so what they read stays true until commit
    # (SQLite has one writer at a time anyway). Read-only sessions begin deferred.
    immediate = conn.get_execution_options().get("mc_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLite has one writer at a time. Write units of this process queue on a lock of their own
# before BEGIN IMMEDIATE, so the next one starts the moment the last commits; contending for
# the database lock instead means sleeping in SQLite's busy handler (1, 2, 5 ... 100 ms steps),
# which under load was most of the p95. Other processes still meet at the database lock.
# Re-entrant: a unit opened inside another on the same thread behaves as it did without it.
# A unit that waited as long as SQLite's own busy timeout goes on to meet the database lock as
# before (and its usual error), so a stuck writer never hangs the others for good.
_write_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


@contextmanager
def _one_writer(engine: Engine) -> Iterator[None]:
    lock = _write_locks.get(engine)
    held = lock.acquire(timeout=_BUSY_TIMEOUT_S) if lock is not None else False
    try:
        yield
    finally:
        if held and lock is not None:
            lock.release()


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.resolved_database_url, echo=settings.db_echo)


def set_engine(engine: Engine) -> None:
    """Point the app at another engine (tests)."""
    get_engine.cache_clear()
    _override["engine"] = engine


_override: dict[str, Engine] = {}


def engine() -> Engine:
    return _override.get("engine") or get_engine()


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commits on success, rolls back (writing nothing) on any error."""
    current = engine()
    bind = current.execution_options(mc_write=True)
    with _one_writer(current), Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as session:
        yield session
