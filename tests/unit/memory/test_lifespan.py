"""The app's indexer task: a write made while it runs is embedded in the background, without
anyone calling the indexer; heartbeats recall memories only while it runs; /health says how
the index is doing."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import REGISTRY, generate_latest

from mission_control.db import read_session, session_scope
from mission_control.heartbeat import context
from mission_control.memory.embedder import Embedder
from mission_control.memory.indexer import run_memory_indexer
from mission_control.observe import health
from mission_control.services import memory_index, tasks
from mission_control.services.actor import Actor

SYSTEM = Actor.system("test")


def _memory_check() -> health.CheckResult | None:
    return next((r for r in health.run_checks() if r.name == "memory"), None)


def _write_task(workspace_id: int, title: str) -> None:
    with session_scope() as s:
        tasks.create_task(session=s, workspace_id=workspace_id, data={"title": title}, actor=SYSTEM)


def test_writes_are_indexed_in_the_background(db, workspace, store, embedder):
    ws_id = workspace.id

    def pending() -> int:
        with read_session() as s:
            return memory_index.pending_count(s)

    async def scenario() -> tuple[int, bool, bool]:
        runner = asyncio.create_task(run_memory_indexer(holder="test", poll_s=30.0, store=store, embedder=embedder))
        await asyncio.sleep(0.2)
        installed = context.memory_provider is not None
        scraped = (await asyncio.to_thread(generate_latest, REGISTRY)).decode()
        assert 'mc_queue_depth{queue="memory_index"} 0.0' in scraped  # the lag, on /metrics
        assert "mc_memory_index_lag_seconds 0.0" in scraped
        check = await asyncio.to_thread(_memory_check)
        assert check is not None and check.ok and check.detail == "indexing; 0 waiting, lag 0.0 s"
        await asyncio.to_thread(_write_task, ws_id, "Rotate the API keys")  # like an API request
        deadline = time.monotonic() + 60
        while await asyncio.to_thread(pending) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # the poll is 30 s: only the bus's wake-up gets here in time
        left = await asyncio.to_thread(pending)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        return left, installed, context.memory_provider is None

    left, installed, removed = asyncio.run(scenario())
    assert left == 0
    assert store.count() == 1
    assert installed and removed
    assert _memory_check() is None  # the check went with the task


def test_health_reports_an_indexer_that_keeps_failing(db, workspace, store, tmp_path):
    missing_model = Embedder(path=tmp_path / "no-model-here")

    async def scenario() -> health.CheckResult | None:
        runner = asyncio.create_task(run_memory_indexer(holder="test", poll_s=0.1, store=store,
                                                        embedder=missing_model))
        await asyncio.to_thread(_write_task, workspace.id, "Something to remember")
        deadline = time.monotonic() + 30
        check = None
        while time.monotonic() < deadline:
            check = await asyncio.to_thread(_memory_check)
            if check is not None and not check.ok:
                break
            await asyncio.sleep(0.1)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        return check

    check = asyncio.run(scenario())
    assert check is not None and not check.ok
    assert "indexing failed" in check.detail and "1 waiting" in check.detail
    assert "no-model-here" in check.detail  # what is wrong, for whoever reads /health


def test_switched_off_the_task_ends_at_once(db, settings):
    settings(memory_enabled=False)
    asyncio.run(asyncio.wait_for(run_memory_indexer(holder="test"), timeout=5))
    assert context.memory_provider is None


def test_the_indexer_takes_its_turn_at_the_write_gate(db, workspace, store, embedder):
    """The indexer writes through the same gate as everyone else: while another writer holds
    it, the indexer's marks wait, instead of slipping in beside (or, on SQLite, stalling in the
    database's busy handler in front of) that writer."""
    import threading

    from mission_control.memory.indexer import _index_once

    _write_task(workspace.id, "Rotate the API keys")
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_writer() -> None:
        with session_scope():
            holding.set()
            release.wait(10)

    def indexer() -> None:
        _index_once(store, embedder)
        done.set()

    other = threading.Thread(target=other_writer)
    other.start()
    assert holding.wait(5)
    worker = threading.Thread(target=indexer)
    worker.start()
    try:
        waited = not done.wait(2.0)  # embedding one text takes well under this
    finally:
        release.set()
        other.join(10)
        worker.join(30)
    with read_session() as s:
        left = memory_index.pending_count(s)
    if db.dialect.name == "sqlite":
        assert waited, "the indexer wrote while another writer held the gate"
    assert done.is_set() and left == 0
