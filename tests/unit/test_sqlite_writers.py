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


def test_a_second_process_waits_at_the_gate_and_then_writes(tmp_path):
    path = tmp_path / "squad.db"
    url = f"sqlite:///{path}"
    engine = mc_db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    previous = mc_db._override.get("engine")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"
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
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        writer.join(timeout=10)
        assert wrote.is_set()
        with engine.connect() as conn:
            bodies = sorted(conn.execute(text("SELECT body FROM note")).scalars())
        assert bodies == ["from the other process", "from this process"]
    finally:
        holder.kill()
        holder.wait()
        if previous is not None:
            mc_db.set_engine(previous)
        else:
            mc_db._override.pop("engine", None)
        engine.dispose()


def test_a_writer_gives_up_waiting_at_its_deadline_and_the_gate_still_opens_afterwards(tmp_path):
    path = tmp_path / "squad.db"
    url = f"sqlite:///{path}"
    engine = mc_db.make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    gate = mc_db._write_gates[engine]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        assert gate.acquire(0.3) is False  # bounded: the other process keeps writing
        assert 0.25 < time.monotonic() - started < 5
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        # The abandoned wait must not keep the file lock for itself.
        assert gate.acquire(5) is True
        gate.release()
    finally:
        holder.kill()
        holder.wait()
        engine.dispose()
