"""Heartbeat bookkeeping: waking agents, run rows, circuit state and evidence-based status.

The engine (mission_control/heartbeat) decides; these functions write. Run rows and the
engine's own schedule fields are not audited (the HeartbeatRun table is that record); what a
person would want in the feed is: a wake request, a status change, a circuit opening, a
blocker report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select, update

from mission_control.events import EventType
from mission_control.heartbeat.breaker import (
    CLOSED,
    OPEN,
    BreakerPolicy,
    BreakerState,
    on_failure,
    on_success,
)
from mission_control.models import (
    Agent,
    AgentStatus,
    HeartbeatRun,
    HeartbeatTaskUsage,
    Notification,
    Workspace,
)
from mission_control.services.actor import Actor
from mission_control.services.recording import record_change

ENGINE = Actor.system("heartbeat")


# Run rows get their empty lists explicitly: pydantic inspects `list` as a default factory on
# every construction (a signature parse, ~0.2 ms each), a third of an idle heartbeat's cost.


def lock_workspace(session: Session, workspace_id: int) -> None:
    """Take the workspace's write lock first (PostgreSQL; SQLite units are exclusive anyway).

    Every audited change locks the workspace row when it appends to the audit chain, after it
    has locked the rows it changed. A reply with several actions would otherwise hold task rows
    while waiting for the workspace, and two agents' replies could deadlock."""
    session.exec(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update(key_share=True)).first()


def breaker_state(agent: Agent) -> BreakerState:
    return BreakerState(agent.circuit_state, agent.consecutive_failures, agent.circuit_opened_at)


def begin_run(
    session: Session, *, agent: Agent, trigger: str, gate_reason: str, driver: str, now: datetime
) -> HeartbeatRun:
    """A driver call is about to happen: the run row, `active` (a probe of an open circuit leaves
    the agent blocked: no blocked/active flapping in the feed every cool-down), and the wake
    request consumed."""
    assert agent.id is not None
    run = HeartbeatRun(
        actions=[], changes=[], refused=[],
        workspace_id=agent.workspace_id,
        agent_id=agent.id,
        trigger=trigger,
        gate_reason=gate_reason[:200],
        driver=driver[:80],
        started_at=now,
    )
    session.add(run)
    if agent.wake_requested_at is not None and agent.wake_requested_at <= now:
        agent.wake_requested_at = None
        agent.wake_force = False
    session.add(agent)
    session.flush()
    if agent.circuit_state == CLOSED:  # a probe leaves a blocked agent blocked until it answers
        record_status(session, agent, AgentStatus.active, gate_reason)
    return run


def record_idle_run(
    session: Session,
    *,
    agent: Agent,
    trigger: str,
    outcome: str,
    reason: str,
    now: datetime,
    started: datetime,
    offline_after: int,
) -> HeartbeatRun:
    """A heartbeat that did not call the driver: `skipped` (nothing new) or `circuit_open`."""
    assert agent.id is not None
    if outcome == "skipped" and session.get_bind().dialect.name == "postgresql":
        # Losing this row in a crash costs nothing, so do not wait for the WAL flush
        # (the commit of an idle heartbeat is otherwise most of its cost on PostgreSQL).
        session.connection().exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    run = HeartbeatRun(
        actions=[], changes=[], refused=[], workspace_id=agent.workspace_id, agent_id=agent.id, trigger=trigger, outcome=outcome,
        gate_reason=reason[:200], started_at=started, finished_at=now,
        duration_ms=max(0, int((now - started).total_seconds() * 1000)),
    )
    session.add(run)
    agent.last_heartbeat_at = now
    if agent.wake_requested_at is not None and agent.wake_requested_at <= started:
        agent.wake_requested_at = None
        agent.wake_force = False
    if outcome == "circuit_open":
        agent.missed_heartbeats += 1
    session.add(agent)
    session.flush()
    if outcome == "circuit_open":
        settle_status(session, agent, blocker=None, offline_after=offline_after)
    return run


def complete_run(
    session: Session,
    *,
    run: HeartbeatRun,
    agent: Agent,
    now: datetime,
    fields: dict[str, Any],
    marks: dict[str, Any],
    delivered: list[int],
    usage_task_ids: list[int],
    blocker: str | None,
    offline_after: int,
) -> HeartbeatRun:
    """The driver answered and its actions were applied: close the run, advance what the
    agent has seen, close the circuit and settle the status from the evidence."""
    for key, value in fields.items():
        setattr(run, key, value)
    run.finished_at = now
    run.duration_ms = max(0, int((now - run.started_at).total_seconds() * 1000))
    session.add(run)
    if delivered:
        session.exec(
            update(Notification)  # type: ignore[call-overload]
            .where(col(Notification.id).in_(delivered), col(Notification.delivered_at).is_(None))
            .values(delivered_at=now)
        )
    agent.last_heartbeat_at = now
    agent.hb_activity_mark = max(agent.hb_activity_mark, int(marks["activity_mark"]))
    agent.hb_working_version = max(agent.hb_working_version, int(marks["working_version"]))
    agent.hb_checked_at = marks["checked_at"]
    agent.missed_heartbeats = 0
    was_open = agent.circuit_state != CLOSED
    _store_breaker(agent, on_success(breaker_state(agent)))
    session.add(agent)
    session.flush()
    if was_open:
        _record_circuit(session, agent, EventType.agent_circuit_closed,
                        f"{agent.name} answered again; circuit closed")
    _record_usage(session, run, usage_task_ids)
    settle_status(session, agent, blocker=blocker, offline_after=offline_after)
    return run


def fail_run(
    session: Session,
    *,
    run: HeartbeatRun,
    agent: Agent,
    now: datetime,
    error: str,
    attempts: int,
    policy: BreakerPolicy,
    offline_after: int,
    count_failure: bool = True,
    missed: bool = True,
) -> HeartbeatRun:
    """`count_failure`: the agent's fault (trips its breaker); `missed`: a heartbeat that was
    due, not the engine trying again after a failure (those would turn a blocked agent
    offline within minutes)."""
    run.outcome = "failed"
    run.error = error[:4000]
    run.attempts = attempts
    run.finished_at = now
    run.duration_ms = max(0, int((now - run.started_at).total_seconds() * 1000))
    session.add(run)
    agent.last_heartbeat_at = now
    if count_failure:
        agent.missed_heartbeats += 1 if missed else 0
        before = agent.circuit_state
        _store_breaker(agent, on_failure(breaker_state(agent), now, policy))
        session.add(agent)
        session.flush()
        if agent.circuit_state == OPEN and before != OPEN:
            _record_circuit(
                session, agent, EventType.agent_circuit_opened,
                f"{agent.name}'s circuit opened after {agent.consecutive_failures} failed "
                f"heartbeats (last: {error[:200]}); it is probed again in {int(policy.cooldown_s)} s",
            )
    session.add(agent)
    session.flush()
    settle_status(session, agent, blocker=None, offline_after=offline_after, error=error)
    return run


def _store_breaker(agent: Agent, state: BreakerState) -> None:
    agent.circuit_state = state.state
    agent.consecutive_failures = state.failures
    agent.circuit_opened_at = state.opened_at


def _record_circuit(session: Session, agent: Agent, action: EventType, text: str) -> None:
    record_change(
        session, workspace_id=agent.workspace_id, actor=ENGINE, action=action,
        target_type="agent", target_id=agent.id, text=text,
        after={"circuit_state": agent.circuit_state, "failures": agent.consecutive_failures},
        details={"agent_id": agent.id},
    )


def _record_usage(session: Session, run: HeartbeatRun, task_ids: list[int]) -> None:
    if not task_ids or not (run.tokens_in or run.tokens_out):
        return
    n = len(task_ids)
    for i, task_id in enumerate(task_ids):
        share_in = run.tokens_in // n + (1 if i < run.tokens_in % n else 0)
        share_out = run.tokens_out // n + (1 if i < run.tokens_out % n else 0)
        session.add(HeartbeatTaskUsage(
            workspace_id=run.workspace_id, run_id=run.id or 0, task_id=task_id,
            agent_id=run.agent_id, tokens_in=share_in, tokens_out=share_out,
        ))
    session.flush()


def settle_status(
    session: Session, agent: Agent, *, blocker: str | None, offline_after: int, error: str = ""
) -> Agent:
    """Status from evidence: offline after N missed heartbeats, blocked while the circuit is
    open or after a reported blocker, idle otherwise (active is set while a run is going)."""
    assert agent.id is not None
    if agent.paused:
        return agent
    if agent.missed_heartbeats >= offline_after:
        status, reason = AgentStatus.offline, f"missed {agent.missed_heartbeats} heartbeats"
    elif agent.circuit_state != CLOSED:
        status, reason = AgentStatus.blocked, f"circuit open after {agent.consecutive_failures} failures"
    elif blocker:
        status, reason = AgentStatus.blocked, blocker
    else:
        status, reason = AgentStatus.idle, ""
    if error and status != AgentStatus.idle:
        reason = f"{reason} (last error: {error[:150]})"
    agent.blocked_reason = reason[:500] if status == AgentStatus.blocked else ""
    session.add(agent)
    return record_status(session, agent, status, reason)


_ROUTINE = {AgentStatus.idle, AgentStatus.active}


def record_status(session: Session, agent: Agent, status: AgentStatus, reason: str) -> Agent:
    """Like agents.set_status, but the routine idle <-> active flips of every heartbeat stay
    out of the feed (they are audited; blocked and offline, and leaving them, are shown)."""
    if agent.status == status:
        return agent
    before = str(agent.status)
    agent.status = status
    session.add(agent)
    session.flush()
    record_change(
        session, workspace_id=agent.workspace_id, actor=ENGINE, action=EventType.agent_status,
        target_type="agent", target_id=agent.id,
        text=f"{agent.name} is {status}" + (f": {reason[:200]}" if reason else ""),
        before={"status": before}, after={"status": str(status), "reason": reason[:200]},
        details={"agent_id": agent.id, "status": str(status)},
        feed=not ({AgentStatus(before), status} <= _ROUTINE),
    )
    return agent


def list_runs(*, session: Session, workspace_id: int, agent_id: int | None = None, limit: int = 50,
              include_skipped: bool = True) -> list[HeartbeatRun]:
    query = select(HeartbeatRun).where(HeartbeatRun.workspace_id == workspace_id)
    if agent_id is not None:
        query = query.where(HeartbeatRun.agent_id == agent_id)
    if not include_skipped:
        query = query.where(HeartbeatRun.outcome != "skipped")
    return list(session.exec(query.order_by(col(HeartbeatRun.id).desc()).limit(limit)))


def token_usage_by_task(*, session: Session, workspace_id: int, task_ids: list[int] | None = None) -> dict[int, tuple[int, int]]:
    """Tokens spent per task (in, out), from the runs whose applied actions touched it."""
    query = select(
        HeartbeatTaskUsage.task_id, func.sum(HeartbeatTaskUsage.tokens_in), func.sum(HeartbeatTaskUsage.tokens_out)
    ).where(HeartbeatTaskUsage.workspace_id == workspace_id)
    if task_ids is not None:
        query = query.where(col(HeartbeatTaskUsage.task_id).in_(task_ids))
    return {t: (int(i or 0), int(o or 0)) for t, i, o in session.exec(query.group_by(col(HeartbeatTaskUsage.task_id)))}
