"""Writes under concurrent load through a real server on 127.0.0.1: every acknowledged task
and message is there with its feed line, its audit row (the hash chain intact) and its memory
queued for the indexer; nobody gets "database is locked". Bounded: 8 writers, 120 requests."""

from __future__ import annotations

import asyncio
import itertools

import httpx
from sqlmodel import col, func, select

from mission_control.models import Activity, MemoryItem, Message, Task
from mission_control.services.audit import verify_chain

WRITERS, REQUESTS = 8, 120


async def _post_all(base: str, token: str, task_id: int) -> list[tuple[str, int]]:
    numbers = itertools.count()
    results: list[tuple[str, int]] = []

    async def writer() -> None:
        async with httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=60,
                                     headers={"Authorization": f"Bearer {token}"}) as client:
            while (i := next(numbers)) < REQUESTS:
                if i % 2:
                    r = await client.post(f"/tasks/{task_id}/messages", json={"body": f"note {i}"})
                    results.append(("message", r.status_code))
                else:
                    r = await client.post("/tasks", json={"title": f"Load {i}", "description": "x"})
                    results.append(("task", r.status_code))

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return results


def test_concurrent_writes_all_land_with_their_bookkeeping(live_url, squad, session, events):
    team = squad.a
    session.commit()
    before_tasks = session.exec(select(func.count()).select_from(Task)).one()
    results = asyncio.run(_post_all(live_url, team.tokens["agent"], team.task_id))
    assert len(results) == REQUESTS and {code for _, code in results} == {201}

    session.rollback()  # end the snapshot read before the load
    tasks = session.exec(select(func.count()).select_from(Task)).one()
    assert tasks - before_tasks == REQUESTS // 2
    posted = session.exec(select(func.count()).select_from(Message).where(
        Message.task_id == team.task_id, col(Message.body).startswith("note "))).one()
    assert posted == REQUESTS // 2
    feed = session.exec(select(Activity.event_type, func.count()).where(
        Activity.workspace_id == team.workspace_id).group_by(Activity.event_type)).all()
    assert dict(feed)["task.created"] >= REQUESTS // 2 and dict(feed)["message.posted"] >= REQUESTS // 2
    queued = session.exec(select(func.count()).select_from(MemoryItem).where(
        col(MemoryItem.indexed_at).is_(None), col(MemoryItem.kind).in_(("task", "message")))).one()
    assert queued >= REQUESTS
    report = verify_chain(session=session, workspace_id=team.workspace_id)
    assert report.ok, report.problems
    published = [e.type for e in events]
    assert published.count("task.created") == REQUESTS // 2
    assert published.count("message.posted") == REQUESTS // 2


def test_a_write_waiting_for_another_writer_does_not_hold_up_the_api(live_url, squad, db):
    """On SQLite a write runs on the event loop only when no one else is writing; when another
    writer (here: a unit held open on another thread) has the database, the write waits in the
    threadpool, and reads keep being answered meanwhile."""
    import threading

    from mission_control.db import session_scope

    holding, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with session_scope():
            holding.set()
            release.wait(10)

    async def scenario() -> tuple[int, list[int], bool]:
        async with httpx.AsyncClient(base_url=f"{live_url}/api/v1", timeout=30,
                                     headers=squad.a.auth("agent")) as client:
            write = asyncio.create_task(client.post("/tasks", json={"title": "Queued behind a writer"}))
            reads = []
            for _ in range(5):
                reads.append((await client.get("/me")).status_code)
            still_waiting = not write.done()
            release.set()
            return (await write).status_code, reads, still_waiting

    # The key's first use records when it was last used (a write of its own); do that first.
    assert httpx.get(f"{live_url}/api/v1/me", headers=squad.a.auth("agent")).status_code == 200
    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        assert holding.wait(5)
        created, reads, still_waiting = asyncio.run(scenario())
    finally:
        release.set()
        thread.join(10)
    assert reads == [200] * 5  # answered while the write was queued
    assert still_waiting if db.dialect.name == "sqlite" else True
    assert created == 201


def test_a_writer_outside_the_gate_does_not_stall_the_event_loop(live_url, squad, db):
    """Something that writes without the app's gate (the sqlite3 shell, a backup) holds
    SQLite's write lock for a second: the API write waits for it off the event loop, and the
    server keeps answering meanwhile (before, the write waited in SQLite's busy handler on the
    loop and every request of the worker waited with it)."""
    import sqlite3
    import threading
    import time

    import pytest

    if db.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    holding, release = threading.Event(), threading.Event()

    def outsider() -> None:
        con = sqlite3.connect(str(db.url.database), isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        holding.set()
        release.wait(1.0)
        con.execute("ROLLBACK")
        con.close()

    async def scenario() -> tuple[int, float, bool]:
        async with httpx.AsyncClient(base_url=f"{live_url}/api/v1", timeout=30,
                                     headers=squad.a.auth("agent")) as client:
            write = asyncio.create_task(client.post("/tasks", json={"title": "Behind the sqlite3 shell"}))
            await asyncio.sleep(0.05)  # the write is in: it waits for the lock from here on
            slowest = 0.0
            for _ in range(5):
                t0 = time.monotonic()
                # health reads the database and writes nothing (/me may record the key's use,
                # once a minute, and that write rightly waits for the lock too)
                assert (await client.get("/health")).status_code == 200
                slowest = max(slowest, time.monotonic() - t0)
            still_waiting = not write.done()
            return (await write).status_code, slowest, still_waiting

    assert httpx.get(f"{live_url}/api/v1/me", headers=squad.a.auth("agent")).status_code == 200
    thread = threading.Thread(target=outsider)
    thread.start()
    try:
        assert holding.wait(5)
        created, slowest, still_waiting = asyncio.run(scenario())
    finally:
        release.set()
        thread.join(10)
    assert slowest < 0.5, f"a read waited {slowest:.2f} s behind a write waiting for the lock"
    assert still_waiting  # the lock was really in the way of the write
    assert created == 201
