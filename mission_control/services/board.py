"""Read models for the board: plain, JSON-safe dicts the UI can hold as state."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from mission_control.models import (
    TASK_COLUMNS,
    Agent,
    AuditEvent,
    Task,
    TaskAssignee,
    TaskDependency,
    TaskStatus,
)


def latest_change_id(session: Session) -> int:
    """Every mutation appends an audit row, so its max id is a cheap 'something changed' signal."""
    return int(session.exec(select(func.max(AuditEvent.id))).one() or 0)


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def board_snapshot(*, session: Session, workspace_id: int) -> dict[str, Any]:
    """Every card of the board (only what a card shows, plus what filters and moves need) and
    the agents, in four indexed queries whatever the board's size."""
    # Plain columns, not Task objects: building 1,000 ORM instances with their descriptions
    # and timestamps was most of a board load's server time.
    tasks = session.connection().execute(
        sa_select(col(Task.id), col(Task.title), col(Task.priority), col(Task.status), col(Task.due_at))
        .where(col(Task.workspace_id) == workspace_id)
        .order_by(col(Task.status), col(Task.position), col(Task.id))
    ).all()
    tasks_in_order = [t for t in tasks if t.status != TaskStatus.done]
    tasks_in_order += reversed([t for t in tasks if t.status == TaskStatus.done])  # column_order
    agents = list(
        session.exec(select(Agent).where(Agent.workspace_id == workspace_id).order_by(col(Agent.name)))
    )
    names = {a.id: a.name for a in agents}
    assignees: dict[int, list[str]] = defaultdict(list)
    working_on: dict[int, str] = {}
    status_of = {t.id: t.status for t in tasks}
    title_of = {t.id: t.title for t in tasks}
    for task_id, agent_id in session.exec(
        select(TaskAssignee.task_id, TaskAssignee.agent_id)
        .where(TaskAssignee.workspace_id == workspace_id)
        .order_by(col(TaskAssignee.assigned_at))
    ):
        assignees[task_id].append(names.get(agent_id, "?"))
        if status_of.get(task_id) == TaskStatus.in_progress:
            working_on.setdefault(agent_id, title_of[task_id])
    blocked: dict[int, int] = defaultdict(int)
    for task_id, dep_id in session.exec(
        select(TaskDependency.task_id, TaskDependency.depends_on_id).where(
            TaskDependency.workspace_id == workspace_id
        )
    ):
        if status_of.get(dep_id) != TaskStatus.done:
            blocked[task_id] += 1
    columns: dict[str, list[dict[str, Any]]] = {str(s): [] for s in TASK_COLUMNS}
    for t in tasks_in_order:
        columns[str(t.status)].append(
            {
                "id": t.id,
                "title": t.title,
                "priority": str(t.priority),
                "status": str(t.status),
                "assignees": assignees.get(t.id, []),
                "due_at": _iso(t.due_at),
                "blocked_by": blocked.get(t.id, 0),
            }
        )
    agent_cards = [
        {
            "next_heartbeat_at": _iso(a.last_seen_at + timedelta(seconds=a.heartbeat_interval_s))
            if a.last_seen_at and not a.paused
            else "",
            "id": a.id,
            "name": a.name,
            "role": a.role,
            "status": "offline" if a.paused else str(a.status),
            "paused": a.paused,
            "last_seen_at": _iso(a.last_seen_at),
            "current_task": working_on.get(a.id or 0, ""),
            "heartbeat_interval_s": a.heartbeat_interval_s,
        }
        for a in agents
    ]
    return {"columns": columns, "agents": agent_cards}
