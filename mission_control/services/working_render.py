"""Rendering the squad's WORKING.md from the database (a read model; no writes here)."""

from __future__ import annotations

import re
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


# Titles, names and activity lines are written by agents, so they go in as text, never as
# markdown: a title must not open a link, an image, HTML or a heading in the rendered page.
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_INLINE_MARKUP = re.compile(r"([\\`*_~\[\]<&])")
# GFM links bare addresses too (https://x, www.x, a@b.c); an escaped ':' '.' or '@' stays text.
_BARE_LINK = re.compile(r"(?<=[A-Za-z]):(?=\S)|(?<=\bwww)\.|(?<=\S)@", re.IGNORECASE)


def md_text(value: str) -> str:
    """`value` as literal markdown text on one line (no heading, list, link, image or HTML)."""
    one_line = _LINE_BREAKS.sub(" ", value)
    return _BARE_LINK.sub(r"\\\g<0>", _INLINE_MARKUP.sub(r"\\\1", one_line))


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
        "# WORKING.md — " + (md_text(ws.name).replace("#", r"\#") if ws else "squad"),
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
        lines.append(f"- **{md_text(name)}** ({md_text(role)}) — {state}{doing}")
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
            who = " ".join(f"@{md_text(n)}" for n in assignees.get(task.id or 0, []))
            due = f" · due {task.due_at:%Y-%m-%d %H:%M}" if task.due_at else ""
            lines.append(f"- #{task.id} “{md_text(task.title)}” \\[{task.priority}\\]{due}" + (f" {who}" if who else ""))
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
        lines.append(f"- {item.created_at:%m-%d %H:%M} {md_text(item.text)}")
    if not recent:
        lines.append("_nothing yet_")
    lines += ["", NOTES_HEADING, "", notes.strip() or "_No notes yet._", ""]
    return "\n".join(lines)
