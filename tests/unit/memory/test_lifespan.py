"""The app's indexer task: a write made while it runs is embedded in the background, without
anyone calling the indexer; heartbeats recall memories only while it runs."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import REGISTRY, generate_latest

from mission_control.db import read_session, session_scope
from mission_control.heartbeat import context
from mission_control.memory.indexer import run_memory_indexer
from mission_control.services import memory_index, tasks
from mission_control.services.actor import Actor

SYSTEM = Actor.system("test")



def test_writes_are_indexed_in_the_background(db, workspace, store, embedder):
    ws_id = workspace.id

    def write() -> None:
        with session_scope() as s:
            tasks.create_task(session=s, workspace_id=ws_id, data={"title": "Rotate the API keys"}, actor=SYSTEM)

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
        await asyncio.to_thread(write)  # like an API request
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


def test_switched_off_the_task_ends_at_once(db, settings):
    settings(memory_enabled=False)
    asyncio.run(asyncio.wait_for(run_memory_indexer(holder="test"), timeout=5))
    assert context.memory_provider is None
