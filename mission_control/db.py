"""Engine and sessions. SQLite gets WAL and sane pragmas; PostgreSQL gets a pool."""

from __future__ import annotations

import fcntl
import os
import queue
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

from mission_control import db_values
from mission_control.config import get_settings

_BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for another one


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        on_disk = bool(path) and path != ":memory:" and not path.startswith("file:")
        if on_disk:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a failed statement's error (logged, shown by tracebacks) must not
        # carry the values it wrote, such as an agent's driver_config with its api_key.
        engine = create_engine(
            url, echo=echo, hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_S},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        _write_gates[engine] = _WriteGate(Path(f"{path}-writer") if on_disk else None)
        db_values.install(engine)
        return engine
    settings = get_settings()
    engine = create_engine(
        url, echo=echo, hide_parameters=True, pool_size=settings.db_pool_size, max_overflow=20, pool_pre_ping=True
    )
    db_values.install(engine)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit BEGIN comes too late to make
    # a read-then-write unit atomic).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit returns only once the WAL is on disk, so a write that was acknowledged
    # survives a power cut or a crash of the machine (NORMAL would lose the last commits
    # then, though never the database). See MC_SQLITE_SYNCHRONOUS in the README.
    cur.execute(f"PRAGMA synchronous={get_settings().sqlite_synchronous}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # Write units take the write lock up front, so what they read stays true until commit
    # (SQLite has one writer at a time anyway). Read-only sessions begin deferred.
    immediate = conn.get_execution_options().get("mc_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# SQLite has one writer at a time. Write units queue at a gate before BEGIN IMMEDIATE, so the
# next one starts the moment the last commits; contending for the database lock instead means
# sleeping in SQLite's busy handler (1, 2, 5 ... 100 ms steps), which under load was most of
# the p95. The gate is a lock for the threads of this process and, for a database file, an
# flock on "<file>-writer" for the other processes (several granian workers, the CLI, a
# second app): the kernel hands it to the next waiter as soon as it is let go, and lets go
# of it when a process dies. Re-entrant: a unit opened inside another on the same thread
# behaves as it did without the gate. A unit that waited as long as SQLite's own busy timeout
# goes on to meet the database lock as before (and its usual error), so a stuck writer never
# hangs the others for good.
class _WriteGate:
    def __init__(self, lock_file: Path | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0
        self._lock_file_path = lock_file
        self._pid = -1
        self._fd: int | None = None
        self._state = threading.Lock()

    def _open_for_this_process(self) -> None:
        # Opened per process: forked workers sharing one open file would share its flock.
        if self._pid == os.getpid() or self._lock_file_path is None:
            return
        self._pid = os.getpid()
        self._waits: queue.SimpleQueue[_FileWait] = queue.SimpleQueue()
        self._waiter: threading.Thread | None = None
        try:
            self._fd = os.open(self._lock_file_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:  # a read-only folder: the database lock alone still works
            self._fd = None

    def acquire(self, timeout_s: float | None) -> bool:
        """Hold the gate, waiting up to `timeout_s` (None: only if it is free this instant)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        held = self._threads.acquire(blocking=False) if timeout_s is None else self._threads.acquire(timeout=timeout_s)
        if not held:
            return False
        self._depth += 1
        if self._depth == 1:
            self._open_for_this_process()
            if self._fd is not None and not self._lock_file(deadline):
                self._depth -= 1
                self._threads.release()
                return False
        return True

    def _lock_file(self, deadline: float | None) -> bool:
        assert self._fd is not None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if deadline is None:
                return False
        # Another process is writing. A blocking flock wakes the moment it lets go (polling
        # would leave the database idle for the length of each sleep), but cannot time out,
        # so a thread of our own blocks for us and we wait for it with a deadline.
        wait = _FileWait()
        with self._state:
            if self._waiter is None:
                self._waiter = threading.Thread(target=self._wait_loop, name="mc-sqlite-gate", daemon=True)
                self._waiter.start()
        self._waits.put(wait)
        if wait.granted.wait(max(0.0, deadline - time.monotonic())):
            return True
        with self._state:
            wait.abandoned = not wait.granted.is_set()
            return not wait.abandoned

    def _wait_loop(self) -> None:
        assert self._fd is not None
        while True:
            wait = self._waits.get()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            with self._state:
                if wait.abandoned:  # its writer gave up meanwhile: let the next one have it
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    continue
                wait.granted.set()

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


@dataclass
class _FileWait:
    granted: threading.Event = field(default_factory=threading.Event)
    abandoned: bool = False


_write_gates: weakref.WeakKeyDictionary[Engine, _WriteGate] = weakref.WeakKeyDictionary()


@contextmanager
def _gate(engine: Engine, timeout_s: float | None) -> Iterator[bool]:
    """Hold `engine`'s write gate (if it has one) for the block; yields whether it is held."""
    gate = _write_gates.get(engine)
    held = gate is not None and gate.acquire(timeout_s)
    try:
        yield held
    finally:
        if held and gate is not None:
            gate.release()


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


# Set while several units run as one transaction (see shared_unit): each unit's session_scope
# then hands out that transaction's session instead of opening its own.
_shared: ContextVar[Session | None] = ContextVar("mc_shared_unit", default=None)


@contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commits on success, rolls back (writing nothing) on any error."""
    shared = _shared.get()
    if shared is not None:
        yield shared  # the shared unit commits, or rolls back everything, at its end
        return
    current = engine()
    bind = current.execution_options(mc_write=True)
    with _gate(current, _BUSY_TIMEOUT_S), Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def shared_unit() -> Iterator[Session]:
    """One transaction for the units of work opened inside the block, in order (group commit:
    one BEGIN and one COMMIT for all of them). An error in any of them rolls back all of them."""
    with session_scope() as session:
        token = _shared.set(session)
        try:
            yield session
        finally:
            _shared.reset(token)


def has_write_gate() -> bool:
    """Whether writers take turns at a gate (SQLite) rather than write in parallel."""
    return engine() in _write_gates


@contextmanager
def read_session() -> Iterator[Session]:
    with Session(engine(), expire_on_commit=False) as session:
        yield session
