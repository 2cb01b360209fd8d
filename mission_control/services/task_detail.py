"""Read model for one task: fields, people, subtasks, dependencies, thread and history."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from mission_control.models import Activity, Agent, Message, Task, TaskDependency, User
from mission_control.services import task_flow
from mission_control.services.common import get_in_workspace
from mission_control.services.tasks import assignee_ids, subtasks


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def task_detail(*, session: Session, workspace_id: int, task_id: int) -> dict[str, Any]:
    task = get_in_workspace(session, Task, task_id, workspace_id)
    agents = {a.id: a for a in session.exec(select(Agent).where(Agent.workspace_id == workspace_id))}
    users = {u.id: u for u in session.exec(select(User).where(User.workspace_id == workspace_id))}
    deps = list(
        session.exec(
            select(Task)
            .join(TaskDependency, col(TaskDependency.depends_on_id) == col(Task.id))
            .where(TaskDependency.task_id == task_id)
            .order_by(col(Task.id))
        )
    )
    messages = list(
        session.exec(
            select(Message).where(Message.task_id == task_id).order_by(col(Message.created_at), col(Message.id))
        )
    )

    def author(m: Message) -> str:
        if m.author_agent_id and m.author_agent_id in agents:
            return agents[m.author_agent_id].name
        if m.author_user_id and m.author_user_id in users:
            return users[m.author_user_id].handle
        return "system"

    replies: dict[int, list[dict[str, Any]]] = {}
    for m in messages:
        if m.parent_message_id:
            replies.setdefault(m.parent_message_id, []).append(
                {"id": m.id, "author": author(m), "body": m.body, "type": str(m.type), "created_at": _iso(m.created_at)}
            )
    thread = [
        {
            "id": m.id,
            "author": author(m),
            "body": m.body,
            "type": str(m.type),
            "created_at": _iso(m.created_at),
            "replies": replies.get(m.id or 0, []),
        }
        for m in messages
        if not m.parent_message_id
    ]
    history = [
        {"id": a.id, "text": a.text, "created_at": _iso(a.created_at), "actor_name": a.actor_name}
        for a in session.exec(
            select(Activity).where(Activity.task_id == task_id).order_by(col(Activity.id).desc()).limit(100)
        )
    ]
    assigned = assignee_ids(session, task_id)
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": str(task.status),
        "priority": str(task.priority),
        "due_at": _iso(task.due_at),
        "parent_task_id": task.parent_task_id or 0,
        "assignees": [{"id": i, "name": agents[i].name} for i in assigned if i in agents],
        "subtasks": [{"id": s.id, "title": s.title, "status": str(s.status)} for s in subtasks(session, task_id)],
        "dependencies": [{"id": d.id, "title": d.title, "status": str(d.status)} for d in deps],
        "blocked": bool(task_flow.unfinished_dependencies(session, task_id)),
        "thread": thread,
        "history": history,
        "people": sorted([a.name for a in agents.values()] + [u.handle for u in users.values()], key=str.lower),
        "agents": [{"id": a.id, "name": a.name} for a in sorted(agents.values(), key=lambda a: a.name.lower())],
    }
