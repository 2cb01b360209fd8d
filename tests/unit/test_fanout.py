"""Cross-worker fan-out: a change committed in one process wakes a listener in another at
once, over Redis pub/sub and over PostgreSQL LISTEN/NOTIFY (one contract, both backends).

Redis comes from MC_TEST_REDIS_URL (default redis://127.0.0.1:6379/5); the PostgreSQL variant
runs when MC_TEST_DATABASE_URL names a PostgreSQL database. Unreachable servers skip.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from mission_control import fanout
from mission_control.config import Settings
from mission_control.db import read_session, session_scope
from mission_control.events import Event, EventType, bus
from mission_control.models import Task
from mission_control.services import tasks
from mission_control.services.actor import Actor

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("MC_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
PG_URL = os.environ.get("MC_TEST_DATABASE_URL", "")

LISTENER = """
import asyncio, json, sys
from mission_control import fanout
from mission_control.config import Settings

async def main():
    relay = fanout.from_settings(Settings(**json.loads(sys.argv[1])))
    def ready():
        print("ready", flush=True)
    def notice(n):
        print(json.dumps(n), flush=True)
    await asyncio.wait_for(relay.listen(notice, ready), timeout=30)

asyncio.run(main())
"""


def _settings(kind: str) -> dict[str, str]:
    if kind == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        except redis.RedisError as exc:
            pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
        return {"redis_url": REDIS_URL, "event_fanout": "redis"}
    if not PG_URL.startswith("postgresql"):
        pytest.skip("set MC_TEST_DATABASE_URL to a PostgreSQL database for LISTEN/NOTIFY")
    return {"database_url": PG_URL, "event_fanout": "postgres"}


@pytest.fixture(params=["redis", "postgres"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[dict[str, str], fanout.Fanout]]:
    config = _settings(request.param)
    relay = fanout.from_settings(Settings(**config))
    assert relay is not None and relay.name == request.param
    unsubscribe = bus.subscribe(fanout._Publisher(relay))
    try:
        yield config, relay
    finally:
        unsubscribe()


def _start_listener(config: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LISTENER, json.dumps(config)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", "listener did not subscribe"
    return proc


def test_a_commit_wakes_a_listener_in_another_process(backend, workspace):
    config, _relay = backend
    listener = _start_listener(config)
    try:
        t0 = time.monotonic()
        with session_scope() as s:
            task = tasks.create_task(
                session=s, workspace_id=workspace.id, data={"title": "Ship it"},
                actor=Actor.system("test"),
            )
        assert listener.stdout is not None
        while True:  # other writers may share the channel: find ours
            notice = json.loads(listener.stdout.readline())
            if notice["origin"] == fanout.origin() and notice["type"] == "task.created":
                break
        waited = time.monotonic() - t0
        assert notice["workspace_id"] == workspace.id and task.id is not None
        # Far sooner than any poll interval a deployment would use.
        assert waited < 2.0
    finally:
        listener.kill()
        listener.wait(timeout=10)


def test_a_rolled_back_change_announces_nothing(backend, workspace):
    config, _relay = backend
    listener = _start_listener(config)
    try:
        with pytest.raises(RuntimeError), session_scope() as s:
            tasks.create_task(session=s, workspace_id=workspace.id, data={"title": "Never"},
                              actor=Actor.system("test"))
            raise RuntimeError("abort")
        bus.publish(Event(EventType.webhook_attempted, workspace.id))  # published directly, as a fence
        assert listener.stdout is not None
        seen = []
        while True:
            notice = json.loads(listener.stdout.readline())
            if notice["origin"] == fanout.origin():
                seen.append(notice["type"])
                if notice["type"] == EventType.webhook_attempted:
                    break
        assert seen == [EventType.webhook_attempted]
    finally:
        listener.kill()
        listener.wait(timeout=10)


def test_workers_forked_from_one_parent_each_have_their_own_name():
    """The app server imports the app, then forks its workers: were the name on the channel
    inherited, every worker would drop the others' notices as its own, and changes made through
    one worker would reach tabs on another only at the next poll."""
    parent = fanout.origin()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        children = pool.map(_origin_in_child, range(2))
    assert len({parent, *children}) == 3
    assert fanout.origin() == parent  # and stable within a process


def _origin_in_child(_: int) -> str:
    time.sleep(0.2)  # keep both pool workers busy, so each answers once
    return fanout.origin()


def test_a_dead_redis_never_breaks_a_write(workspace, caplog):
    relay = fanout.RedisFanout("redis://127.0.0.1:1/0")
    unsubscribe = bus.subscribe(fanout._Publisher(relay, pause_s=60))
    try:
        for title in ("One", "Two"):
            with session_scope() as s:
                tasks.create_task(session=s, workspace_id=workspace.id, data={"title": title},
                                  actor=Actor.system("test"))
    finally:
        unsubscribe()
    with read_session() as s:
        assert {t.title for t in s.exec(select(Task)).all()} >= {"One", "Two"}
    # One warning, then paused: the second write did not wait on the dead server again.
    assert sum("fan-out (redis) failed" in r.getMessage() for r in caplog.records) == 1


def test_settings_pick_the_backend():
    assert fanout.from_settings(Settings(database_url="sqlite:///x.db")) is None
    pg = fanout.from_settings(Settings(database_url="postgresql+psycopg://u@h/db"))
    assert pg is not None and pg.name == "postgres"
    both = Settings(database_url="postgresql+psycopg://u@h/db", redis_url="redis://h/0")
    chosen = fanout.from_settings(both)
    assert chosen is not None and chosen.name == "redis"
    off = Settings(database_url="postgresql+psycopg://u@h/db", event_fanout="none")
    assert fanout.from_settings(off) is None
