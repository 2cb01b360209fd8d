"""Timeouts, retries with backoff and jitter, the per-agent circuit breaker, and status from
evidence (blocked while the circuit is open, offline after N missed heartbeats)."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from mission_control.db import session_scope
from mission_control.drivers.protocol import BadReply, DriverError, TransientDriverError
from mission_control.heartbeat import breaker
from mission_control.heartbeat.breaker import BreakerPolicy, BreakerState
from mission_control.heartbeat.retry import CallFailed, RetryPolicy, call_with_retries
from mission_control.models import Activity, Agent, AgentStatus, utcnow
from mission_control.services import agent_signals
from mission_control.services.actor import Actor

from .conftest import FakeDriver, commit, fast_config, fresh, reply, runs


def test_breaker_transitions():
    p = BreakerPolicy(threshold=3, cooldown_s=60)
    now = utcnow()
    s = BreakerState()
    for _ in range(2):
        s = breaker.on_failure(s, now, p)
    assert (s.state, s.failures, breaker.decide(s, now, p)) == ("closed", 2, "call")
    s = breaker.on_failure(s, now, p)
    assert (s.state, breaker.decide(s, now + timedelta(seconds=59), p)) == ("open", "refuse")
    assert breaker.decide(s, now + timedelta(seconds=60), p) == "probe"
    again = breaker.on_failure(s, now + timedelta(seconds=61), p)  # failed probe: cooldown restarts
    assert (again.state, again.opened_at) == ("open", now + timedelta(seconds=61))
    assert breaker.on_success(again) == BreakerState()


def test_retries_back_off_with_jitter_on_transient_errors_only():
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    attempts = iter([TransientDriverError("503"), TransientDriverError("503"), "ok"])

    async def flaky() -> str:
        step = next(attempts)
        if isinstance(step, Exception):
            raise step
        return step

    policy = RetryPolicy(timeout_s=1, max_retries=3, base_s=1.0, max_s=3.0)
    assert asyncio.run(call_with_retries(flaky, policy, sleep=sleep, rng=lambda: 1.0)) == ("ok", 3)
    assert sleeps == [1.0, 2.0]
    assert [policy.delay(n, lambda: 0.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 1.5, 1.5]  # capped at max_s

    async def broken() -> str:
        raise BadReply("not JSON")

    with pytest.raises(CallFailed) as info:
        asyncio.run(call_with_retries(broken, policy, sleep=sleep))
    assert info.value.attempts == 1 and isinstance(info.value.error, BadReply)

    async def hangs() -> str:
        await asyncio.sleep(10)
        return "never"

    with pytest.raises(CallFailed) as info:
        asyncio.run(call_with_retries(hangs, RetryPolicy(timeout_s=0.05, max_retries=1, base_s=0.01, max_s=0.01)))
    assert info.value.attempts == 2 and "no answer within 0.05 s" in str(info.value.error)

    async def buggy() -> str:
        raise KeyError("oops")

    with pytest.raises(CallFailed) as info:
        asyncio.run(call_with_retries(buggy, policy, sleep=sleep))
    assert "driver error KeyError" in str(info.value.error)


def _news(workspace, agent, op_actor):
    commit(agent_signals.wake_agent, workspace_id=workspace.id, agent_id=agent.id, actor=op_actor)


def test_the_circuit_opens_after_n_failures_probes_later_and_closes_on_success(
        session, workspace, make_agent, op_actor, beat):
    agent = make_agent("Friday", driver_type="openai")
    config = fast_config(retry=RetryPolicy(timeout_s=1, max_retries=0, base_s=0.01, max_s=0.01),
                         breaker=BreakerPolicy(threshold=3, cooldown_s=60))
    driver = FakeDriver(DriverError("HTTP 401"), DriverError("HTTP 401"), DriverError("HTTP 401"))
    for n in range(1, 4):
        _news(workspace, agent, op_actor)
        out = beat(agent, driver, config=config)
        assert (out.outcome, out.error) == ("failed", "HTTP 401")
        assert fresh(session, Agent, agent.id).consecutive_failures == n
    a = fresh(session, Agent, agent.id)
    assert (a.circuit_state, a.status) == ("open", AgentStatus.blocked)
    assert "circuit open after 3 failures" in a.blocked_reason
    assert session.exec(select(Activity).where(Activity.event_type == "agent.circuit_opened")).first()
    _news(workspace, agent, op_actor)
    out = beat(agent, driver, config=config)
    assert (out.outcome, out.called, len(driver.calls)) == ("circuit_open", False, 3)
    # The cooldown passes (the clock is wound back on the row: a loaded machine can't shorten it).
    a = fresh(session, Agent, agent.id)
    assert a.circuit_opened_at is not None
    a.circuit_opened_at -= timedelta(seconds=61)
    session.add(a)
    session.commit()
    _news(workspace, agent, op_actor)
    out = beat(agent, driver, config=config)  # a probe
    assert out.called and out.gate_reason.startswith("probe: ") and out.outcome == "no_change"
    a = fresh(session, Agent, agent.id)
    assert (a.circuit_state, a.consecutive_failures, a.status, a.missed_heartbeats) == ("closed", 0, "idle", 0)


def test_missed_heartbeats_turn_an_agent_offline(session, workspace, make_agent, op_actor, beat):
    agent = make_agent("Friday", driver_type="openai")
    config = fast_config(retry=RetryPolicy(timeout_s=1, max_retries=0, base_s=0.01, max_s=0.01),
                         breaker=BreakerPolicy(threshold=2, cooldown_s=3600), offline_after=4)
    driver = FakeDriver(default=TransientDriverError("connection refused"))
    statuses = []
    for _ in range(4):
        _news(workspace, agent, op_actor)
        beat(agent, driver, config=config)
        statuses.append(fresh(session, Agent, agent.id).status)
    assert statuses == ["idle", "blocked", "blocked", "offline"]
    assert [r.outcome for r in runs(session, agent.id)] == ["failed", "failed", "circuit_open", "circuit_open"]
    assert len(driver.calls) == 2


def test_transient_failures_are_retried_within_one_heartbeat(session, workspace, make_agent, make_task, beat):
    agent = make_agent("Friday", driver_type="openai")
    task = make_task("Build export", assignee_ids=[agent.id])
    driver = FakeDriver(TransientDriverError("HTTP 503"), TransientDriverError("timeout"),
                        reply({"type": "post_message", "task_id": task.id, "body": "hi"}))
    out = beat(agent, driver)
    assert (out.outcome, out.attempts, len(driver.calls)) == ("ok", 3, 3)
    [run] = runs(session, agent.id)
    assert run.attempts == 3 and fresh(session, Agent, agent.id).consecutive_failures == 0
    assert len({c.run_id for c in driver.calls}) == 1  # one run, the same payload each attempt


def test_a_misconfigured_builtin_fails_its_run_without_crashing(session, workspace, make_agent, op_actor, db):
    from mission_control.drivers import DriverRegistry
    from mission_control.heartbeat.runner import Runner

    # The services refuse this setup; a row edited behind their back must still fail safely.
    agent = make_agent("Odd", driver_type="builtin", driver_config={"role": "watchdog"})
    with session_scope() as s:
        s.get(Agent, agent.id).driver_config = {"role": "astrologer"}
    out = asyncio.run(Runner(fast_config(), DriverRegistry()).heartbeat(agent.id))
    assert out.outcome == "failed" and "'astrologer' is not a builtin role" in out.error
    [run] = runs(session, agent.id)
    assert run.outcome == "failed" and "astrologer" in run.error


def test_stale_running_runs_are_closed_by_the_sweep(session, workspace, make_agent, beat):
    from mission_control.models import HeartbeatRun
    from mission_control.services import heartbeat_upkeep, heartbeats

    agent = make_agent("Friday")
    with session_scope() as s:
        a = s.get(Agent, agent.id)
        heartbeats.begin_run(s, agent=a, trigger="interval", gate_reason="x", driver="fake",
                             now=utcnow() - timedelta(hours=2))
    with session_scope() as s:
        counts = heartbeat_upkeep.sweep(s, now=utcnow(), offline_after=5, stale_run_s=600, keep_skipped_days=7)
    assert counts["aborted"] == 1
    [run] = runs(session, agent.id)
    assert run.outcome == "aborted" and fresh(session, Agent, agent.id).status == AgentStatus.idle
    assert isinstance(run, HeartbeatRun)


def test_silent_external_agents_go_offline_and_come_back_when_seen(session, workspace, make_agent, op_actor):
    from mission_control.services import heartbeat_upkeep, presence

    ext = make_agent("Shuri", heartbeat_interval_s=60)
    later = utcnow() + timedelta(minutes=6)  # five missed 60 s intervals and then some
    with session_scope() as s:
        assert heartbeat_upkeep.sweep(s, now=later, offline_after=5, stale_run_s=600, keep_skipped_days=7)["offline"] == 1
    assert fresh(session, Agent, ext.id).status == AgentStatus.offline
    with session_scope() as s:
        presence.check_in(session=s, workspace_id=workspace.id, agent_id=ext.id,
                          actor=Actor.for_agent(ext.id, ext.name, "api"))
    with session_scope() as s:
        assert heartbeat_upkeep.sweep(s, now=utcnow(), offline_after=5, stale_run_s=600, keep_skipped_days=7)["back"] == 1
    assert fresh(session, Agent, ext.id).status == AgentStatus.idle


def test_the_engine_tries_a_failed_agent_again_after_the_cooldown_until_it_answers(
        session, workspace, make_agent, op_actor, db):
    from mission_control.drivers import DriverRegistry
    from mission_control.heartbeat.scheduler import HeartbeatEngine

    agent = make_agent("Friday", driver_type="openai", heartbeat_interval_s=3600)  # no interval wake
    down = TransientDriverError("connection refused")
    driver = FakeDriver(down, down, down, down)  # then it answers
    # offline_after=2: the engine's own tries must not count as missed heartbeats.
    config = fast_config(retry=RetryPolicy(timeout_s=1, max_retries=0, base_s=0.01, max_s=0.01),
                         breaker=BreakerPolicy(threshold=3, cooldown_s=0.3), offline_after=2)
    statuses: list[str] = []

    async def main() -> None:
        engine = HeartbeatEngine(config, drivers=DriverRegistry(overrides={f"agent:{agent.id}": driver}),
                                 poll_s=0.1, debounce_s=0.05, relay=None,
                                 on_run=lambda out: statuses.append(fresh_status(agent.id)))
        await engine.start()
        try:
            # One wake request, and nothing else new: every later call is the engine's own.
            await asyncio.to_thread(_news, workspace, agent, op_actor)
            t0 = time.monotonic()
            while len(driver.calls) < 5 or len(statuses) < 5:
                assert time.monotonic() - t0 < 10, f"stuck after {len(driver.calls)} calls"
                await asyncio.sleep(0.02)
        finally:
            await engine.stop()

    asyncio.run(main())
    history = runs(session, agent.id)
    assert [(r.trigger, r.outcome) for r in history] == [
        ("manual", "failed"), ("retry", "failed"), ("retry", "failed"), ("retry", "failed"), ("retry", "no_change")]
    assert history[3].gate_reason.startswith("probe: ") and history[4].gate_reason.startswith("probe: ")
    assert statuses == ["idle", "idle", "blocked", "blocked", "idle"]
    # The feed says it once each way, not at every probe.
    feed = session.exec(select(Activity.details).where(Activity.event_type == "agent.status")
                        .order_by(Activity.id)).all()
    assert [d["status"] for d in feed] == ["blocked", "idle"]
    a = fresh(session, Agent, agent.id)
    assert (a.circuit_state, a.consecutive_failures, a.missed_heartbeats) == ("closed", 0, 0)


def fresh_status(agent_id: int) -> str:
    with session_scope() as s:
        agent = s.get(Agent, agent_id)
        return str(agent.status) if agent else "gone"
