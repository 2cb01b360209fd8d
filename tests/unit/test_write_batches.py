"""Group commit (api/write_queue.run_batch): writes that arrive together share one transaction,
and a failing write costs only its own caller, as if each had run alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event
from sqlmodel import select

from mission_control.api.write_queue import MAX_BATCH, run_batch, run_write
from mission_control.db import session_scope
from mission_control.errors import Invalid, NotFound
from mission_control.models import Task
from mission_control.services import messages, tasks
from mission_control.services.actor import Actor
from mission_control.services.audit import verify_chain

ACTOR = Actor.system("test")


@pytest.fixture
def commits(engine):
    seen: list[object] = []

    def count(conn):  # type: ignore[no-untyped-def]
        seen.append(conn)

    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def _create(workspace_id: int, title: str):  # type: ignore[no-untyped-def]
    def call() -> int:
        with session_scope() as s:
            task = tasks.create_task(session=s, workspace_id=workspace_id, data={"title": title}, actor=ACTOR)
            assert task.id is not None
            return task.id
    return call


def _post(workspace_id: int, task_id: int, body: str):  # type: ignore[no-untyped-def]
    def call() -> int:
        with session_scope() as s:
            posted = messages.post_message(session=s, workspace_id=workspace_id, task_id=task_id,
                                           body=body, actor=ACTOR)
            assert posted.message.id is not None
            return posted.message.id
    return call


def _titles(session, workspace_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    session.commit()  # ends the snapshot this session read before the writes
    return [t.title for t in session.exec(select(Task).where(Task.workspace_id == workspace_id).order_by(Task.id))]


def test_writes_in_a_batch_commit_once_and_each_gets_its_own_answer(session, workspace, commits, events):
    ws = workspace.id
    session.commit()
    commits.clear()
    outcomes = run_batch([_create(ws, f"Batch {i}") for i in range(5)])
    assert all(ok for ok, _ in outcomes)
    ids = [value for _, value in outcomes]
    assert len(set(ids)) == 5 and ids == sorted(ids)  # in the order they arrived
    assert len(commits) == 1
    assert _titles(session, ws) == [f"Batch {i}" for i in range(5)]
    assert [e.type for e in events].count("task.created") == 5
    assert verify_chain(session=session, workspace_id=ws).ok


def test_a_failing_write_reaches_only_its_caller(session, workspace, make_task, events):
    ws = workspace.id
    thread = make_task("Has a thread")
    session.commit()
    events.clear()
    outcomes = run_batch([
        _create(ws, "First"),
        _post(ws, thread.id, "A note"),
        _post(ws, 999_999, "To a task that is not there"),  # writes nothing, then fails
        _create(ws, "   "),  # a blank title: rejected after the row was added
        _create(ws, "Last"),
    ])
    assert [ok for ok, _ in outcomes] == [True, True, False, False, True]
    assert isinstance(outcomes[2][1], NotFound) and isinstance(outcomes[3][1], Invalid)
    assert _titles(session, ws) == ["Has a thread", "First", "Last"]
    # Each success was published once, though the first attempt (all together) rolled back.
    published = [e.type for e in events]
    assert published.count("task.created") == 2 and published.count("message.posted") == 1
    assert verify_chain(session=session, workspace_id=ws).ok


def test_after_a_failure_the_others_still_commit_in_batches(session, workspace, commits):
    ws = workspace.id
    session.commit()
    commits.clear()
    calls = [_create(ws, f"Before {i}") for i in range(3)] + [_create(ws, "")]
    calls += [_create(ws, f"After {i}") for i in range(4)]
    outcomes = run_batch(calls)
    assert [ok for ok, _ in outcomes] == [True] * 3 + [False] + [True] * 4
    assert _titles(session, ws) == [f"Before {i}" for i in range(3)] + [f"After {i}" for i in range(4)]
    # One commit for the three before the blank title and one for the four after it: a bad
    # request in a busy batch does not turn the others into a transaction each.
    assert len(commits) == 2


def test_concurrent_writes_on_the_loop_share_a_batch(session, workspace, commits):
    ws = workspace.id
    session.commit()
    commits.clear()
    n = MAX_BATCH + 4

    async def burst() -> list[int]:
        return await asyncio.gather(*(run_write(_create(ws, f"Burst {i:02}")) for i in range(n)))

    ids = asyncio.run(burst())
    assert len(set(ids)) == n
    assert sorted(_titles(session, ws)) == [f"Burst {i:02}" for i in range(n)]
    # On SQLite they arrive in one turn of the loop and commit in two batches (a batch holds
    # at most MAX_BATCH); PostgreSQL writes in parallel, each in its own transaction.
    assert len(commits) == (2 if session.get_bind().dialect.name == "sqlite" else n)


def test_a_failure_in_a_concurrent_batch_is_raised_to_its_caller_only(session, workspace):
    ws = workspace.id

    async def burst() -> list[object]:
        calls = [_create(ws, "Good 1"), _create(ws, ""), _create(ws, "Good 2")]
        return await asyncio.gather(*(run_write(c) for c in calls), return_exceptions=True)

    first, bad, last = asyncio.run(burst())
    assert isinstance(first, int) and isinstance(last, int) and isinstance(bad, Invalid)
    assert sorted(_titles(session, ws)) == ["Good 1", "Good 2"]
