"""Heartbeat housekeeping: runs cut short, silent external agents, old skipped runs; and the
engine's reads (which agents to schedule, wakes asked for by other processes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from mission_control.models import (
    Agent,
    AgentStatus,
    DriverType,
    HeartbeatRun,
    Notification,
    utcnow,
)
from mission_control.services.heartbeats import record_status, settle_status


def abort_runs(session: Session, *, run_ids: list[int], offline_after: int) -> None:
    """Runs cut short by a shutdown: closed as aborted, their agents settled."""
    now = utcnow()
    for run in session.exec(select(HeartbeatRun).where(col(HeartbeatRun.id).in_(run_ids),
                                                       HeartbeatRun.outcome == "running")):
        run.outcome, run.error, run.finished_at = "aborted", "the engine stopped during this run", now
        session.add(run)
        agent = session.get(Agent, run.agent_id)
        if agent is not None and agent.status == AgentStatus.active:
            settle_status(session, agent, blocker=None, offline_after=offline_after)
    session.flush()


def sweep(session: Session, *, now: datetime, offline_after: int, stale_run_s: float, keep_skipped_days: int) -> dict[str, int]:
    """Periodic housekeeping: external agents (which check in through the API) go offline after
    N intervals of silence and come back when seen again; runs left `running` by a dead process
    are closed as aborted; old skipped runs are pruned."""
    counts = {"offline": 0, "back": 0, "aborted": 0, "pruned": 0}
    for agent in session.exec(
        select(Agent).where(Agent.driver_type == DriverType.external, col(Agent.paused).is_(False))
    ):
        silent_for = now - (agent.last_seen_at or agent.created_at)
        silent = silent_for > timedelta(seconds=offline_after * agent.heartbeat_interval_s)
        if silent and agent.status != AgentStatus.offline:
            record_status(session, agent, AgentStatus.offline,
                        f"not seen for {int(silent_for.total_seconds() // 60)} min")
            counts["offline"] += 1
        elif not silent and agent.status == AgentStatus.offline and agent.last_seen_at is not None:
            record_status(session, agent, AgentStatus.idle, "checked in again")
            counts["back"] += 1
    stale = list(session.exec(
        select(HeartbeatRun).where(HeartbeatRun.outcome == "running",
                                   HeartbeatRun.started_at < now - timedelta(seconds=stale_run_s))
    ))
    for run in stale:
        run.outcome, run.error, run.finished_at = "aborted", "the engine stopped during this run", now
        session.add(run)
        owner = session.get(Agent, run.agent_id)
        if owner is not None and owner.status == AgentStatus.active:
            settle_status(session, owner, blocker=None, offline_after=offline_after)
    counts["aborted"] = len(stale)
    result = session.exec(
        delete(HeartbeatRun).where(  # type: ignore[call-overload]
            col(HeartbeatRun.outcome) == "skipped",
            col(HeartbeatRun.started_at) < now - timedelta(days=keep_skipped_days),
        )
    )
    counts["pruned"] = int(result.rowcount or 0)
    session.flush()
    return counts


def scheduled_agents(session: Session) -> list[Agent]:
    """The agents the engine wakes: not paused, and not external (those check in themselves)."""
    return list(session.exec(select(Agent).where(col(Agent.paused).is_(False),
                                                 Agent.driver_type != DriverType.external)))


def wake_requests(session: Session) -> list[tuple[int, bool]]:
    """(agent id, forced) of every pending wake request the engine should serve."""
    return [(a or 0, bool(f)) for a, f in session.exec(
        select(Agent.id, Agent.wake_force).where(
            col(Agent.wake_requested_at).is_not(None), col(Agent.paused).is_(False),
            Agent.driver_type != DriverType.external))]


def notification_floor(session: Session, *, before: datetime) -> int:
    """The newest notification id older than `before` (the engine catches up from there)."""
    return int(session.exec(select(func.max(Notification.id)).where(Notification.created_at < before)).one() or 0)


def agent_notifications_after(session: Session, after: int, limit: int = 1000) -> list[tuple[int, int, str]]:
    """(notification id, agent id, kind) of agents' notifications newer than id `after`."""
    return [(n or 0, a or 0, k) for n, a, k in session.exec(
        select(Notification.id, Notification.recipient_agent_id, Notification.kind)
        .where(col(Notification.id) > after, col(Notification.recipient_agent_id).is_not(None))
        .order_by(col(Notification.id)).limit(limit))]
