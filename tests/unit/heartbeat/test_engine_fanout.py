"""The engine hears other workers' changes on the cross-worker fan-out: a mention written by
another process wakes its agent at once, not at the engine's database poll (switched off here:
one hour), over Redis pub/sub and over PostgreSQL LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest
import redis
from private_redis import private_redis
from sqlalchemy import text

from mission_control import fanout
from mission_control.db import read_session
from mission_control.drivers import DriverRegistry
from mission_control.heartbeat.scheduler import HeartbeatEngine

from .conftest import FakeDriver, fast_config, reply, runs

HOUR = 3600


@pytest.fixture(params=["redis", "postgres"])
def relay_env(request: pytest.FixtureRequest, db) -> Iterator[tuple[fanout.Fanout, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """The fan-out backend, and the environment that makes another process publish on it."""
    url = db.url.render_as_string(hide_password=False)
    if request.param == "postgres":
        if db.dialect.name != "postgresql":
            pytest.skip("LISTEN/NOTIFY needs the PostgreSQL pass (MC_TEST_DATABASE_URL)")
        yield fanout.PostgresFanout(url), {"MC_DATABASE_URL": url, "MC_EVENT_FANOUT": "postgres"}
        return
    with private_redis() as server:
        yield fanout.RedisFanout(server.url(3)), {"MC_DATABASE_URL": url, "MC_REDIS_URL": server.url(3),
                                                   "MC_EVENT_FANOUT": "redis"}


def _listening(relay: fanout.Fanout) -> bool:
    if isinstance(relay, fanout.RedisFanout):
        counts = dict(redis.Redis.from_url(relay.url).pubsub_numsub(relay.channel))
        return bool(counts.get(relay.channel.encode()))
    with read_session() as s:
        return bool(s.exec(text(  # type: ignore[call-overload]
            "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'LISTEN mc_changes%'")).one()[0])


def test_a_mention_from_another_process_wakes_the_agent_through_the_fanout(
        relay_env, session, workspace, make_agent, make_task, op_actor):
    relay, env = relay_env
    agent = make_agent("Friday", heartbeat_interval_s=HOUR, driver_type="openai")
    task = make_task("Build export")
    driver = FakeDriver(default=lambda request: reply(summary="on it"))
    # What an API worker does: install the publisher at start, then write through the services.
    script = textwrap.dedent(f"""
        from mission_control import fanout
        from mission_control.db import session_scope
        from mission_control.services import messages
        from mission_control.services.actor import Actor
        from mission_control.startup import install_event_hooks
        install_event_hooks()
        assert fanout.install_publisher() is not None
        with session_scope() as s:
            messages.post_message(session=s, workspace_id={workspace.id}, task_id={task.id},
                                  body="@Friday from another worker", actor=Actor.for_user({op_actor.id}, "ops", "api"))
    """)

    async def main() -> None:
        engine = HeartbeatEngine(fast_config(), drivers=DriverRegistry(overrides={f"agent:{agent.id}": driver}),
                                 poll_s=HOUR, debounce_s=0.05, relay=relay)
        await engine.start()
        try:
            deadline = time.monotonic() + 10
            while not await asyncio.to_thread(_listening, relay):
                assert time.monotonic() < deadline, "the engine never subscribed to the fan-out"
                await asyncio.sleep(0.05)
            done = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-c", script], env={**os.environ, **env, "MC_SEED_DEMO": "false"},
                capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            deadline = time.monotonic() + 10  # a bound for a loaded machine; the poll is an hour away
            while not driver.calls:
                assert time.monotonic() < deadline, "the mention never reached the engine"
                await asyncio.sleep(0.01)
        finally:
            await engine.stop()

    asyncio.run(main())
    [run] = runs(session, agent.id)
    assert (run.trigger, run.outcome) == ("mention", "no_change")
    [note] = driver.calls[0].context["notifications"]
    assert "from another worker" in note["text"]
