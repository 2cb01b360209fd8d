"""Read models for the agents pages: the roster and one agent's page."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from mission_control.models import Activity, Agent, ApiKey, Task, TaskAssignee
from mission_control.services import feed, heartbeats, secrets
from mission_control.services.common import get_in_workspace


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def agent_row(agent: Agent, open_tasks: int = 0) -> dict[str, Any]:
    return {
        "id": agent.id or 0,
        "name": agent.name,
        "role": agent.role,
        "description": agent.description,
        "status": "paused" if agent.paused else str(agent.status),
        "paused": agent.paused,
        "can_delete": agent.can_delete,
        "capabilities": list(agent.capabilities or []),
        "driver_type": str(agent.driver_type),
        # Secrets stay on the server: the page gets "set / not set" for each, never the value.
        "driver_config": {k: str(v) for k, v in secrets.public_config(agent.driver_config).items()},
        "driver_secrets": secrets.secret_status(str(agent.driver_type), agent.driver_config),
        "heartbeat_interval_s": agent.heartbeat_interval_s,
        "last_heartbeat_at": _iso(agent.last_heartbeat_at),
        "next_heartbeat_at": _iso(agent.next_heartbeat_at),
        "circuit_state": agent.circuit_state,
        "blocked_reason": agent.blocked_reason,
        "open_tasks": open_tasks,
    }


def roster(*, session: Session, workspace_id: int) -> list[dict[str, Any]]:
    counts: dict[int, int] = {}
    for agent_id in session.exec(
        select(TaskAssignee.agent_id)
        .join(Task, col(Task.id) == col(TaskAssignee.task_id))
        .where(TaskAssignee.workspace_id == workspace_id, Task.status != "done")
    ).all():
        counts[agent_id] = counts.get(agent_id, 0) + 1
    agents = session.exec(select(Agent).where(Agent.workspace_id == workspace_id).order_by(col(Agent.name)))
    return [agent_row(a, counts.get(a.id or 0, 0)) for a in agents]


def _run_row(run: Any) -> dict[str, Any]:
    kinds = [str(a.get("type", "?")) for a in run.actions or []]
    return {
        "id": run.id or 0,
        "started_at": _iso(run.started_at),
        "trigger": run.trigger,
        "outcome": run.outcome,
        "duration_ms": run.duration_ms or 0,
        "actions": ", ".join(kinds) if kinds else "—",
        "changes": len(run.changes or []),
        "tokens": (run.tokens_in or 0) + (run.tokens_out or 0),
        "recalled": len(run.memories or []),
        "error": (run.error or run.flag or run.gate_reason or "")[:300],
    }


def agent_page(*, session: Session, workspace_id: int, agent_id: int) -> dict[str, Any]:
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    tasks = session.exec(
        select(Task)
        .join(TaskAssignee, col(TaskAssignee.task_id) == col(Task.id))
        .where(TaskAssignee.agent_id == agent_id, Task.status != "done")
        .order_by(col(Task.id))
    ).all()
    activity = session.exec(
        select(Activity)
        .where(Activity.workspace_id == workspace_id, Activity.actor_name == agent.name)
        .order_by(col(Activity.id).desc())
        .limit(30)
    ).all()
    runs = heartbeats.list_runs(session=session, workspace_id=workspace_id, agent_id=agent_id, limit=50)
    keys = session.exec(
        select(ApiKey).where(ApiKey.agent_id == agent_id, col(ApiKey.revoked_at).is_(None)).order_by(col(ApiKey.id))
    ).all()
    return {
        "agent": agent_row(agent, len(tasks)),
        "keys": [{"id": k.id or 0, "prefix": k.prefix, "name": k.name, "created_at": _iso(k.created_at),
                  "last_used_at": _iso(k.last_used_at)} for k in keys],
        "tasks": [{"id": t.id or 0, "title": t.title, "status": str(t.status)} for t in tasks],
        "activity": [feed.activity_row(a) for a in activity],
        "runs": [_run_row(r) for r in runs],
    }
