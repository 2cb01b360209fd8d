"""Rendering the squad's WORKING.md from the database (a read model; no writes here)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, col, select

from mission_control.models import (
    TASK_COLUMNS,
    Activity,
    Agent,
    Task,
    TaskAssignee,
    TaskStatus,
    Workspace,
)

MAX_PER_COLUMN = 25
MAX_DONE = 10
MAX_ACTIVITY = 15
MAX_AGENTS = 40
NOTES_HEADING = "## Notes"


def _titles(status: TaskStatus) -> str:
    return str(status).replace("_", " ").title()


def render(
    session: Session,
    workspace_id: int,
    *,
    notes: str,
    version: int,
    now: datetime,
) -> str:
    ws = session.get(Workspace, workspace_id)
    names = dict(list(session.exec(select(Agent.id, Agent.name).where(Agent.workspace_id == workspace_id))))
    active = list(
        session.exec(
            select(Agent.name, Agent.role, Agent.status)
            .where(Agent.workspace_id == workspace_id, col(Agent.paused).is_(False))
            .order_by(col(Agent.name))
        )
    )
    assignees: dict[int, list[str]] = defaultdict(list)
    for task_id, agent_id in session.exec(
        select(TaskAssignee.task_id, TaskAssignee.agent_id)
        .where(TaskAssignee.workspace_id == workspace_id)
        .order_by(col(TaskAssignee.assigned_at))
    ):
        assignees[task_id].append(names.get(agent_id, "?"))
    lines = [
        f"# WORKING.md — {ws.name if ws else 'squad'}",
        "",
        f"_Version {version} · rendered {now:%Y-%m-%d %H:%M} UTC from the board_",
        "",
        "## Active agents",
    ]
    working: dict[str, list[str]] = defaultdict(list)
    by_column: dict[TaskStatus, list[Task]] = {}
    for status in TASK_COLUMNS:
        query = select(Task).where(Task.workspace_id == workspace_id, Task.status == status)
        if status == TaskStatus.done:
            query = query.order_by(col(Task.status_changed_at).desc()).limit(MAX_DONE)
        else:
            query = query.order_by(col(Task.position), col(Task.id)).limit(MAX_PER_COLUMN + 1)
        by_column[status] = list(session.exec(query))
    for task in by_column[TaskStatus.in_progress]:
        for name in assignees.get(task.id or 0, []):
            working[name].append(f"#{task.id}")
    # Busy agents first, so a large squad's list shows who is doing what.
    active.sort(key=lambda a: (not working.get(a[0]), a[2] == "offline"))
    for name, role, state in active[:MAX_AGENTS]:
        doing = f" · working on {', '.join(working[name])}" if working.get(name) else ""
        lines.append(f"- **{name}** ({role}) — {state}{doing}")
    if len(active) > MAX_AGENTS:
        lines.append(f"- … and {len(active) - MAX_AGENTS} more")
    if not active:
        lines.append("_No active agents._")
    lines += ["", "## Tasks"]
    for status in TASK_COLUMNS:
        tasks = by_column[status]
        shown = tasks[:MAX_PER_COLUMN]
        lines += ["", f"### {_titles(status)}" + (" (latest)" if status == TaskStatus.done else "")]
        if not shown:
            lines.append("_empty_")
        for task in shown:
            who = " ".join(f"@{n}" for n in assignees.get(task.id or 0, []))
            due = f" · due {task.due_at:%Y-%m-%d %H:%M}" if task.due_at else ""
            lines.append(f"- #{task.id} “{task.title}” [{task.priority}]{due}" + (f" {who}" if who else ""))
        if len(tasks) > MAX_PER_COLUMN:
            lines.append(f"- … more in {_titles(status)}")
    lines += ["", "## Recent activity"]
    recent = list(
        session.exec(
            select(Activity)
            .where(Activity.workspace_id == workspace_id)
            .order_by(col(Activity.id).desc())
            .limit(MAX_ACTIVITY)
        )
    )
    for item in recent:
        lines.append(f"- {item.created_at:%m-%d %H:%M} {item.text}")
    if not recent:
        lines.append("_nothing yet_")
    lines += ["", NOTES_HEADING, "", notes.strip() or "_No notes yet._", ""]
    return "\n".join(lines)
