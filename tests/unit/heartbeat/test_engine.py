"""The scheduler: staggered jobs, early wakes (in-process and from another process), debounce,
a hanging agent delaying nobody, wakes during a run kept, and surviving anything."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

from sqlmodel import select

from mission_control.drivers import DriverRegistry
from mission_control.heartbeat.retry import RetryPolicy
from mission_control.heartbeat.scheduler import HeartbeatEngine
from mission_control.models import Agent, HeartbeatRun
from mission_control.services import agent_signals, agents, messages

from .conftest import FakeDriver, commit, fast_config, reply, runs

HOUR = 3600  # intervals long enough that no interval wake happens during a test


async def until(pred, timeout: float = 5.0) -> float:
    t0 = time.perf_counter()
    while not pred():
        if time.perf_counter() - t0 > timeout:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.005)
    return time.perf_counter() - t0


def _engine(drivers: dict, **kw) -> HeartbeatEngine:
    kw.setdefault("poll_s", 0.1)
    kw.setdefault("debounce_s", 0.05)
    return HeartbeatEngine(kw.pop("config", fast_config()), drivers=DriverRegistry(overrides=drivers), **kw)


def _timed(calls: list[float]):
    def answer(request):
        calls.append(time.perf_counter())
        return reply(summary="nothing to do")
    return answer


def test_first_wakes_are_staggered_and_the_next_wake_is_kept(session, workspace, make_agent, db):
    squad = [make_agent(f"Bot{i}", heartbeat_interval_s=900, driver_type="webhook") for i in range(10)]

    async def main():
        engine = _engine({})
        await engine.start()
        try:
            return {a.id: engine.scheduler.get_job(f"hb:{a.id}").next_run_time for a in squad}
        finally:
            await engine.stop()

    firsts = asyncio.run(main())
    now = datetime.now(UTC)
    offsets = sorted((t - now).total_seconds() for t in firsts.values())
    gaps = [b - a for a, b in zip(offsets, offsets[1:], strict=False)]
    assert min(gaps) > 900 / 20 and offsets[-1] - offsets[0] > 900 * 0.7 and offsets[-1] <= 900


def test_a_mention_wakes_its_agent_early_and_a_burst_is_one_wake(session, workspace, make_agent, make_task, op_actor, db, capsys):
    agent = make_agent("Friday", heartbeat_interval_s=HOUR, driver_type="openai")
    task = make_task("Build export")
    calls: list[float] = []
    driver = FakeDriver(default=_timed(calls))

    async def main():
        engine = _engine({f"agent:{agent.id}": driver}, debounce_s=0.2)
        await engine.start()
        try:
            t0 = time.perf_counter()
            await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id, task_id=task.id,
                                    body="@Friday can you look?", actor=op_actor)
            await until(lambda: calls)
            latency = calls[0] - t0
            for i in range(5):  # a burst of mentions within the debounce window
                await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id,
                                        task_id=task.id, body=f"@Friday and {i}", actor=op_actor)
                await asyncio.sleep(0.01)
            await until(lambda: len(calls) == 2)
            await asyncio.sleep(0.4)
            return latency, engine.stats
        finally:
            await engine.stop()

    latency, stats = asyncio.run(main())
    with capsys.disabled():
        print(f"\n[wake] @mention -> driver call, in-process, debounce 0.2 s: {latency * 1000:.0f} ms")
    assert 0.2 <= latency < 1.0  # the debounce, then the heartbeat (an interval would be 1 h)
    assert len(calls) == 2 and stats["debounced"] >= 4
    last = runs(session, agent.id)[-1]
    assert last.trigger == "mention"
    assert len(driver.calls[-1].context["notifications"]) == 5


def test_a_mention_written_by_another_process_wakes_the_agent(session, workspace, make_agent, make_task, op_actor, db, capsys):
    agent = make_agent("Friday", heartbeat_interval_s=HOUR, driver_type="openai")
    task = make_task("Build export")
    calls: list[float] = []
    driver = FakeDriver(default=lambda r: (calls.append(time.time()), reply())[1])
    script = textwrap.dedent(f"""
        import time
        from mission_control.db import session_scope
        from mission_control.services import messages
        from mission_control.services.actor import Actor
        with session_scope() as s:
            messages.post_message(session=s, workspace_id={workspace.id}, task_id={task.id},
                                  body="@Friday from the CLI", actor=Actor.for_user({op_actor.id}, "ops", "cli"))
        print(time.time())
    """)
    env = {**os.environ, "MC_DATABASE_URL": db.url.render_as_string(hide_password=False), "MC_SEED_DEMO": "false"}

    async def main():
        engine = _engine({f"agent:{agent.id}": driver}, poll_s=0.2, debounce_s=0.05)
        await engine.start()
        try:
            done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", script], env=env,
                                           capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            await until(lambda: calls)
            return calls[0] - float(done.stdout.strip().splitlines()[-1])
        finally:
            await engine.stop()

    latency = asyncio.run(main())
    with capsys.disabled():
        print(f"\n[wake] @mention from another process -> driver call, poll 0.2 s, debounce 0.05 s: {latency * 1000:.0f} ms")
    assert latency < 1.5  # a poll period (0.2 s) and the debounce, not the 1 h interval


def test_a_hanging_agent_delays_nobody_and_the_scheduler_survives(session, workspace, make_agent, make_task, op_actor, db):
    slow, quick = make_agent("Slow", heartbeat_interval_s=HOUR, driver_type="openai"), make_agent("Quick", heartbeat_interval_s=HOUR, driver_type="openai")
    task = make_task("Shared")
    quick_calls: list[float] = []

    async def hang(request):
        await asyncio.sleep(30)

    slow_driver = FakeDriver(default=hang)
    quick_driver = FakeDriver(default=_timed(quick_calls))
    config = fast_config(retry=RetryPolicy(timeout_s=0.5, max_retries=0, base_s=0.01, max_s=0.01))

    async def main():
        engine = _engine({f"agent:{slow.id}": slow_driver, f"agent:{quick.id}": quick_driver}, config=config)
        await engine.start()
        try:
            await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id, task_id=task.id,
                                    body="@Slow start", actor=op_actor)
            await until(lambda: slow_driver.calls)
            t0 = time.perf_counter()
            await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id, task_id=task.id,
                                    body="@Quick you too", actor=op_actor)
            await until(lambda: quick_calls)
            quick_latency = quick_calls[0] - t0
            await until(lambda: engine.stats["failed"] == 1)
            # The engine still wakes agents after the hang.
            await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id, task_id=task.id,
                                    body="@Quick again", actor=op_actor)
            await until(lambda: len(quick_calls) == 2)
            return quick_latency
        finally:
            await engine.stop()

    quick_latency = asyncio.run(main())
    assert quick_latency < 0.5  # while Slow is still hanging (0.5 s timeout)
    [failed] = runs(session, slow.id)
    assert failed.outcome == "failed" and "no answer within 0.5 s" in failed.error


def test_a_wake_during_a_run_is_kept_and_runs_right_after(session, workspace, make_agent, make_task, op_actor, db):
    agent = make_agent("Friday", heartbeat_interval_s=HOUR, driver_type="openai")
    task = make_task("Build export")

    async def slow_first(request):
        await asyncio.sleep(0.3)
        return reply()

    driver = FakeDriver(slow_first)

    async def main():
        engine = _engine({f"agent:{agent.id}": driver})
        await engine.start()
        try:
            await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id, task_id=task.id,
                                    body="@Friday first", actor=op_actor)
            await until(lambda: driver.calls)
            await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id, task_id=task.id,
                                    body="@Friday second", actor=op_actor)
            await until(lambda: len(driver.calls) == 2, timeout=3)
        finally:
            await engine.stop()

    asyncio.run(main())
    texts = [[n["text"] for n in c.context["notifications"]] for c in driver.calls]
    assert ["first" in t for t in texts[0]] == [True] and ["second" in t for t in texts[1]] == [True]


def test_wake_now_pause_and_new_agents_reach_a_running_engine(session, workspace, make_agent, op_actor, db):
    bot = make_agent("Friday", driver_type="openai", heartbeat_interval_s=HOUR)
    driver = FakeDriver()

    async def main():
        engine = _engine({f"agent:{bot.id}": driver})
        await engine.start()
        try:
            await asyncio.to_thread(commit, agent_signals.wake_agent, workspace_id=workspace.id, agent_id=bot.id,
                                    actor=op_actor, force=True)
            await until(lambda: driver.calls)
            assert driver.calls[0].trigger == "forced"
            await asyncio.to_thread(commit, agents.set_paused, workspace_id=workspace.id, agent_id=bot.id,
                                    paused=True, actor=op_actor)
            await until(lambda: engine.scheduler.get_job(f"hb:{bot.id}") is None)
            new = await asyncio.to_thread(commit, agents.create_agent, workspace_id=workspace.id,
                                          data={"name": "Newbie", "role": "dev", "driver_type": "webhook",
                                                "driver_config": {"url": "http://127.0.0.1:9/a", "secret": "s" * 16},
                                                "heartbeat_interval_s": 60}, actor=op_actor)
            await until(lambda: engine.scheduler.get_job(f"hb:{new.id}") is not None)
            await asyncio.to_thread(commit, agents.update_agent, workspace_id=workspace.id, agent_id=new.id,
                                    data={"heartbeat_interval_s": 120}, actor=op_actor)
            await until(lambda: engine.scheduler.get_job(f"hb:{new.id}").trigger.interval.total_seconds() == 120)
        finally:
            await engine.stop()

    asyncio.run(main())
    session.commit()
    assert session.get(Agent, bot.id).next_heartbeat_at is not None  # kept for the next holder
    assert [r.trigger for r in session.exec(select(HeartbeatRun))] == ["forced"]


def test_a_crashing_heartbeat_does_not_stop_the_scheduler(session, workspace, make_agent, make_task, op_actor, db, monkeypatch):
    agent = make_agent("Friday", heartbeat_interval_s=HOUR, driver_type="openai")
    task = make_task("Build export")
    driver = FakeDriver()

    async def main():
        engine = _engine({f"agent:{agent.id}": driver})
        real = engine.runner.heartbeat
        boom = {"left": 1}

        async def flaky(*args, **kwargs):
            if boom["left"]:
                boom["left"] -= 1
                raise RuntimeError("bug in the runner")
            return await real(*args, **kwargs)

        monkeypatch.setattr(engine.runner, "heartbeat", flaky)
        await engine.start()
        try:
            for body in ("@Friday one", "@Friday two"):
                await asyncio.to_thread(commit, messages.post_message, workspace_id=workspace.id,
                                        task_id=task.id, body=body, actor=op_actor)
                await asyncio.sleep(0.15)
            await until(lambda: driver.calls)
            return engine.stats
        finally:
            await engine.stop()

    stats = asyncio.run(main())
    assert stats["crashed"] == 1 and len(driver.calls) == 1
