"""Several processes writing one SQLite file queue at the write gate (db._WriteGate), not in
SQLite's sleeping busy handler."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from mission_control import db as mc_db

ROOT = Path(__file__).resolve().parents[2]

HOLDER = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from mission_control import db
    db.set_engine(db.make_engine(sys.argv[1]))
    with db.session_scope() as s:
        s.execute(text("INSERT INTO note (body) VALUES ('from the other process')"))
        print("holding", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
""")


@pytest.fixture
def notes_db(tmp_path):
    """A SQLite file with one table, and its engine (with its write gate)."""
    path = tmp_path / "squad.db"
    engine = mc_db.make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    yield path, engine
    engine.dispose()


class Holder:
    """Another process inside a write unit on the same file until `release()`."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, f"sqlite:///{path}"], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert self.proc.stdout is not None and self.proc.stdin is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        assert self.stdout.readline().strip() == "holding"

    def release(self) -> None:
        self.stdin.write("go\n")
        self.stdin.flush()
        assert self.stdout.readline().strip() == "released"

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


def test_a_second_process_waits_at_the_gate_and_then_writes(notes_db):
    path, engine = notes_db
    previous = mc_db._override.get("engine")
    holder = Holder(path)
    try:
        # While the other process is inside its write unit, its gate is shut to everyone.
        with open(f"{path}-writer", "a+") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                raise AssertionError("the other process's write unit does not hold the gate")
            except BlockingIOError:
                pass
        # This process's writer waits for it, then writes: nothing is lost, nobody errors.
        mc_db.set_engine(engine)
        wrote = threading.Event()

        def write() -> None:
            with mc_db.session_scope() as s:
                s.execute(text("INSERT INTO note (body) VALUES ('from this process')"))
            wrote.set()

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.3)
        assert not wrote.is_set(), "wrote while the other process held the write lock"
        holder.release()
        writer.join(timeout=10)
        assert wrote.is_set()
        with engine.connect() as conn:
            bodies = sorted(conn.execute(text("SELECT body FROM note")).scalars())
        assert bodies == ["from the other process", "from this process"]
    finally:
        holder.kill()
        if previous is not None:
            mc_db.set_engine(previous)
        else:
            mc_db._override.pop("engine", None)


def test_a_writer_gives_up_waiting_at_its_deadline_and_the_gate_still_opens_afterwards(notes_db):
    path, engine = notes_db
    gate = mc_db._write_gates[engine]
    holder = Holder(path)
    try:
        started = time.monotonic()
        assert gate.acquire(0.3) is False  # bounded: the other process keeps writing
        assert 0.25 < time.monotonic() - started < 5
        holder.release()
        # The abandoned wait must not keep the file lock for itself.
        assert gate.acquire(5) is True
        gate.release()
    finally:
        holder.kill()


def test_a_commit_waits_for_the_disk_unless_told_otherwise(notes_db, monkeypatch):
    """synchronous=FULL: an acknowledged write survives a power cut (NORMAL, on request, may
    lose the last commits then). 2 is FULL, 1 NORMAL."""
    from mission_control.config import get_settings

    path, engine = notes_db
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    monkeypatch.setattr(get_settings(), "sqlite_synchronous", "NORMAL")
    relaxed = mc_db.make_engine(f"sqlite:///{path}")
    try:
        with relaxed.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    finally:
        relaxed.dispose()
