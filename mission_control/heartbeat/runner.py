"""One heartbeat of one agent: gate -> context -> driver call -> actions -> verification ->
status, every step recorded on a HeartbeatRun row.

Database work runs in a small thread pool (never on the event loop); the driver call is
async with a hard timeout, so a hanging agent only ever holds its own task.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from time import perf_counter
from typing import Any, TypeVar

from sqlmodel import Session

from mission_control.config import Settings, get_settings
from mission_control.db import engine, read_session, session_scope
from mission_control.drivers import DriverRegistry
from mission_control.drivers.protocol import AgentInfo, Driver, DriverConfigError, WakeRequest
from mission_control.heartbeat import context as context_builder
from mission_control.heartbeat import gate
from mission_control.heartbeat.actions import apply_actions, claims_progress
from mission_control.heartbeat.breaker import BreakerPolicy, decide
from mission_control.heartbeat.retry import CallFailed, RetryPolicy, call_with_retries
from mission_control.heartbeat.schema import ACTION_SCHEMA, MAX_ACTIONS
from mission_control.models import Agent, HeartbeatRun, utcnow
from mission_control.observe import metrics
from mission_control.services import heartbeats, memory_index, secrets
from mission_control.services.actor import Actor

log = logging.getLogger(__name__)
T = TypeVar("T")
# The trigger of the engine's own try after a failure: a failed retry is not a missed heartbeat.
RETRY = "retry"


@dataclass(frozen=True)
class HeartbeatConfig:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    offline_after: int = 5
    context_budget: int = 16000
    due_soon_s: float = 3600.0
    keep_skipped_days: int = 7

    @classmethod
    def from_settings(cls, s: Settings | None = None) -> HeartbeatConfig:
        s = s or get_settings()
        return cls(
            retry=RetryPolicy(s.heartbeat_timeout_s, s.heartbeat_max_retries,
                              s.heartbeat_backoff_base_s, s.heartbeat_backoff_max_s),
            breaker=BreakerPolicy(s.heartbeat_breaker_threshold, s.heartbeat_breaker_cooldown_s),
            offline_after=s.heartbeat_offline_after_missed,
            context_budget=s.heartbeat_context_budget_chars,
            due_soon_s=s.heartbeat_due_soon_s,
            keep_skipped_days=s.heartbeat_keep_skipped_days,
        )

    @property
    def stale_run_s(self) -> float:
        r = self.retry
        return 2 * (r.timeout_s * (r.max_retries + 1) + r.max_s * r.max_retries) + 60


@dataclass
class RunOutcome:
    agent_id: int
    outcome: str  # skipped | circuit_open | ok | no_change | unverified | failed | aborted | gone | paused | external
    run_id: int | None = None
    called: bool = False
    gate_reason: str = ""
    error: str = ""
    attempts: int = 0
    duration_ms: float = 0.0
    # The driver failed or the circuit refused the call: the breaker lets the next call through
    # in this many seconds, and the engine wakes the agent then (not at its next interval).
    retry_in_s: float | None = None


@dataclass
class _Begin:
    outcome: str
    run_id: int | None = None
    info: AgentInfo | None = None
    driver: Driver | None = None
    reason: str = ""
    error: str = ""
    retry_in_s: float | None = None


class Runner:
    def __init__(
        self,
        config: HeartbeatConfig,
        drivers: DriverRegistry,
        *,
        executor: Executor | None = None,
        fence: Callable[[Session], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.drivers = drivers
        self.executor = executor
        self.fence = fence
        self.sleep = sleep
        self.rng = rng
        self.active_runs: dict[int, int] = {}  # agent id -> run id of the call in flight
        # SQLite has one writer at a time: queue this process's heartbeat writes on a lock
        # rather than have threads spin in SQLite's busy handler (sleeps of up to 100 ms).
        self._writes: Any = threading.Lock() if engine().dialect.name == "sqlite" else nullcontext()

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args))

    async def heartbeat(self, agent_id: int, trigger: str = "interval", next_at: datetime | None = None) -> RunOutcome:
        t0 = perf_counter()
        begin = await self._db(self._begin, agent_id, trigger, next_at)
        out = RunOutcome(agent_id, begin.outcome, begin.run_id, gate_reason=begin.reason, error=begin.error,
                         retry_in_s=begin.retry_in_s)
        if begin.outcome != "go" or begin.info is None or begin.driver is None or begin.run_id is None:
            out.duration_ms = (perf_counter() - t0) * 1000
            return out
        run_id, info, driver = begin.run_id, begin.info, begin.driver
        self.active_runs[agent_id] = run_id
        try:
            ctx = await self._db(self._context, agent_id, begin.reason)
            request = WakeRequest(run_id=run_id, trigger=trigger, agent=info, context=ctx.data,
                                  prompt=ctx.as_text(), schema=ACTION_SCHEMA, timeout_s=self.config.retry.timeout_s)
            out.called = True
            called_at = perf_counter()
            try:
                reply, out.attempts = await call_with_retries(
                    lambda: driver.wake(request), self.config.retry, sleep=self.sleep, rng=self.rng)
            except CallFailed as failed:
                metrics.driver_errors.labels(str(info.driver_type)).inc()
                # What the endpoint answered is shown on the agent's page: an endpoint that
                # echoes the key it refused must not put it there.
                known = [*secrets.values(info.config), get_settings().openai_api_key]
                out.outcome, out.attempts = "failed", failed.attempts
                out.error = secrets.scrub(str(failed.error), known)
                await self._db(self._fail, agent_id, run_id, out.error, out.attempts, True, trigger != RETRY)
                out.retry_in_s = self.config.breaker.cooldown_s
                return out
            finally:
                metrics.driver_latency.labels(str(info.driver_type)).observe(perf_counter() - called_at)
            try:
                out.outcome = await self._db(self._apply, agent_id, run_id, reply, ctx, out.attempts)
            except LookupError as exc:  # agent deleted or lease lost meanwhile: write nothing more
                out.outcome, out.error = "aborted", str(exc)
            except Exception as exc:  # our bug, not the agent's: record it, do not trip its breaker
                log.exception("applying %s's reply failed", info.name)
                out.outcome, out.error = "failed", f"internal error applying the reply: {exc!r}"
                await self._db(self._fail, agent_id, run_id, out.error, out.attempts, False)
            return out
        finally:
            self.active_runs.pop(agent_id, None)
            out.duration_ms = (perf_counter() - t0) * 1000

    # ------------------------------------------------------------------ database steps

    def _begin(self, agent_id: int, trigger: str, next_at: datetime | None) -> _Begin:
        cfg = self.config
        with self._writes, session_scope() as s:
            agent = s.get(Agent, agent_id)
            if agent is None:
                return _Begin("gone")
            if agent.paused:
                return _Begin("paused")
            if next_at is not None:
                agent.next_heartbeat_at = next_at
                s.add(agent)
            started = utcnow()
            try:
                driver = self.drivers.for_agent(agent_id, str(agent.driver_type), agent.driver_config)
            except DriverConfigError as exc:
                run = heartbeats.begin_run(s, agent=agent, trigger=trigger, gate_reason="", driver="?", now=started)
                heartbeats.fail_run(s, run=run, agent=agent, now=utcnow(), error=str(exc), attempts=0,
                                    policy=cfg.breaker, offline_after=cfg.offline_after, missed=trigger != RETRY)
                return _Begin("failed", run.id, error=str(exc), retry_in_s=cfg.breaker.cooldown_s)
            if driver is None:
                return _Begin("external")
            decision = decide(heartbeats.breaker_state(agent), started, cfg.breaker)
            if decision == "refuse":
                run = heartbeats.record_idle_run(s, agent=agent, trigger=trigger, outcome="circuit_open",
                                                 reason="circuit open: driver not called", now=utcnow(),
                                                 started=started, offline_after=cfg.offline_after)
                wait = cfg.breaker.cooldown_s - (started - (agent.circuit_opened_at or started)).total_seconds()
                return _Begin("circuit_open", run.id, reason=run.gate_reason, retry_in_s=max(0.0, wait) + 0.05)
            own_gate = getattr(driver, "gate", None)
            if callable(own_gate):  # builtin roles: only their own reasons (and wake requests)
                found = gate.requested(agent)
                why = own_gate(s, agent, started)
                if why:
                    found.append(why)
            else:
                found = gate.reasons(s, agent, started, cfg.due_soon_s)
            if not found and trigger == RETRY and agent.consecutive_failures:
                found = ["trying again after a failure"]  # news or not: how a blocked agent gets back
            if not found:
                run = heartbeats.record_idle_run(s, agent=agent, trigger=trigger, outcome="skipped",
                                                 reason="nothing new", now=utcnow(), started=started,
                                                 offline_after=cfg.offline_after)
                return _Begin("skipped", run.id, reason="nothing new")
            reason = ("probe: " if decision == "probe" else "") + ", ".join(found)
            run = heartbeats.begin_run(s, agent=agent, trigger=trigger, gate_reason=reason,
                                       driver=driver.name, now=started)
            info = AgentInfo(id=agent_id, workspace_id=agent.workspace_id, name=agent.name, role=agent.role,
                             capabilities=list(agent.capabilities), driver_type=str(agent.driver_type),
                             config=dict(agent.driver_config))
            return _Begin("go", run.id, info, driver, reason)

    def _context(self, agent_id: int, reason: str) -> context_builder.Context:
        with read_session() as s:
            agent = s.get(Agent, agent_id)
            if agent is None:
                raise LookupError(f"agent {agent_id} was deleted")
            return context_builder.build(s, agent, now=utcnow(), budget=self.config.context_budget, trigger=reason)

    def _apply(self, agent_id: int, run_id: int, reply: Any, ctx: context_builder.Context, attempts: int) -> str:
        cfg = self.config
        with self._writes, session_scope() as s:
            if self.fence is not None:
                self.fence(s)
            # The agent row before the workspace, as every service that changes an agent takes
            # them (pause, wake, edit): the other order deadlocked with them on PostgreSQL.
            agent = s.get(Agent, agent_id, with_for_update={"key_share": True})
            run = s.get(HeartbeatRun, run_id)
            if agent is None or run is None:
                raise LookupError(f"agent {agent_id} or run {run_id} is gone")
            heartbeats.lock_workspace(s, agent.workspace_id)
            actor = Actor.for_agent(agent_id, agent.name, "heartbeat")
            raw = list(reply.actions)
            result = apply_actions(s, agent=agent, raw_actions=raw[:MAX_ACTIONS], actor=actor)
            for index in range(MAX_ACTIONS, len(raw)):
                result.refused.append({"index": index, "type": None, "stage": "validate",
                                       "reason": f"more than {MAX_ACTIONS} actions in one reply"})
            claimed = result.valid_count > 0 or claims_progress(reply.summary)
            changed = bool(result.changes)
            outcome = "ok" if changed else ("unverified" if claimed else "no_change")
            flags = []
            if claimed and not changed:
                flags.append("claimed progress but changed nothing")
            if result.refused:
                flags.append(f"{len(result.refused)} action(s) refused")
            heartbeats.complete_run(
                s, run=run, agent=agent, now=utcnow(),
                fields={
                    "outcome": outcome, "attempts": attempts, "context_chars": ctx.chars,
                    "actions": [a if len(repr(a)) <= 2000 else {"type": a.get("type") if isinstance(a, dict) else None,
                                                                 "truncated": True} for a in raw],
                    "refused": result.refused, "changes": result.changes, "summary": reply.summary[:4000],
                    "tokens_in": reply.tokens_in, "tokens_out": reply.tokens_out, "flag": "; ".join(flags)[:200],
                    "memories": ctx.memories,
                },
                marks=ctx.marks, delivered=ctx.notification_ids, usage_task_ids=result.task_ids,
                blocker=result.blocker, offline_after=cfg.offline_after,
            )
            memory_index.note_hits(s, [m["id"] for m in ctx.memories if m.get("id")], utcnow())
            return outcome

    def _fail(self, agent_id: int, run_id: int, error: str, attempts: int, count: bool, missed: bool = True) -> None:
        with self._writes, session_scope() as s:
            try:
                if self.fence is not None:
                    self.fence(s)
            except LookupError:
                return
            agent, run = s.get(Agent, agent_id), s.get(HeartbeatRun, run_id)
            if agent is None or run is None:
                return
            heartbeats.fail_run(s, run=run, agent=agent, now=utcnow(), error=error, attempts=attempts,
                                policy=self.config.breaker, offline_after=self.config.offline_after,
                                count_failure=count, missed=missed)
