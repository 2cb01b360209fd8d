"""Helpers for the heartbeat tests: a scripted in-process driver and a runner on the test db."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from mission_control.db import session_scope
from mission_control.drivers import DriverRegistry
from mission_control.drivers.protocol import DriverReply, WakeRequest
from mission_control.heartbeat.breaker import BreakerPolicy
from mission_control.heartbeat.retry import RetryPolicy
from mission_control.heartbeat.runner import HeartbeatConfig, Runner, RunOutcome
from mission_control.models import Agent, HeartbeatRun
from mission_control.services.actor import Actor

Script = DriverReply | BaseException | Callable[[WakeRequest], Any]


class FakeDriver:
    """Answers each wake from a script (replies, exceptions, or functions of the request)."""

    name = "fake"

    def __init__(self, *script: Script, default: Script | None = None) -> None:
        self.script: list[Script] = list(script)
        self.default: Script = default if default is not None else DriverReply(summary="nothing to do")
        self.calls: list[WakeRequest] = []

    async def wake(self, request: WakeRequest) -> DriverReply:
        self.calls.append(request)
        step = self.script.pop(0) if self.script else self.default
        if isinstance(step, BaseException):
            raise step
        if callable(step) and not isinstance(step, DriverReply):
            step = step(request)
            if asyncio.iscoroutine(step):
                step = await step
        assert isinstance(step, DriverReply)
        return step


def reply(*actions: dict[str, Any], summary: str = "", tokens: tuple[int, int] = (0, 0)) -> DriverReply:
    return DriverReply(actions=list(actions), summary=summary, tokens_in=tokens[0], tokens_out=tokens[1])


def fast_config(**kw: Any) -> HeartbeatConfig:
    defaults: dict[str, Any] = {
        "retry": RetryPolicy(timeout_s=2.0, max_retries=2, base_s=0.01, max_s=0.04),
        "breaker": BreakerPolicy(threshold=3, cooldown_s=60.0),
        "offline_after": 5,
    }
    defaults.update(kw)
    return HeartbeatConfig(**defaults)


@pytest.fixture
def beat(db: Engine, session: Session) -> Callable[..., RunOutcome]:
    """`beat(agent, driver, trigger=..., config=...)`: one heartbeat of `agent` with `driver`
    (None: the agent's real driver, e.g. a builtin role).

    The test's own session is committed around it, so it holds no stale SQLite read snapshot."""

    def run(agent: Agent, driver: Any, *, trigger: str = "interval", config: HeartbeatConfig | None = None) -> RunOutcome:
        assert agent.id is not None
        session.commit()
        registry = DriverRegistry(overrides={f"agent:{agent.id}": driver} if driver is not None else None)

        async def go() -> RunOutcome:
            try:
                return await Runner(config or fast_config(), registry).heartbeat(agent.id or 0, trigger)
            finally:
                await registry.aclose()

        try:
            return asyncio.run(go())
        finally:
            session.commit()
            session.expire_all()

    return run


def fresh(session: Session, model: Any, obj_id: Any) -> Any:
    session.commit()  # end the read snapshot, so rows written by the runner are visible
    session.expire_all()
    return session.get(model, obj_id)


def runs(session: Session, agent_id: int) -> list[HeartbeatRun]:
    session.commit()  # end the read snapshot, so rows written by the runner are visible
    session.expire_all()
    return list(session.exec(select(HeartbeatRun).where(HeartbeatRun.agent_id == agent_id).order_by(col(HeartbeatRun.id))))


def as_agent(agent: Agent) -> Actor:
    return Actor.for_agent(agent.id or 0, agent.name, "test")


def commit(fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a service in its own unit of work (as an API request would)."""
    with session_scope() as s:
        return fn(session=s, **kwargs)
