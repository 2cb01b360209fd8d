"""What an agent is told when it wakes, kept within a size budget.

Most important first: unread notifications, then its open tasks (status, dependencies,
subtasks), then recent thread excerpts, then WORKING.md, then memories (a hook the memory
store fills in). Whatever does not fit is cut, and the context says so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, func, select

from mission_control.models import (
    Activity,
    Agent,
    Message,
    Notification,
    Task,
    TaskAssignee,
    TaskDependency,
    TaskStatus,
    User,
)
from mission_control.services import working_state

MAX_NOTIFICATIONS = 30
MAX_TASKS = 25
THREAD_EXCERPTS = 5
EXCERPT_CHARS = 400
DESCRIPTION_CHARS = 1200

PRIORITY_RANK = case({"urgent": 0, "high": 1, "medium": 2, "low": 3}, value=col(Task.priority), else_=4)

# (session, agent, queries, sources already in the context as "task:12"/"message:5") ->
# memories, best first, each with "id", "kind" and "score". Installed by the memory indexer
# (mission_control/memory/indexer.py) when memory is enabled.
MemoryProvider = Callable[[Session, Agent, list[str], set[str]], list[dict[str, Any]]]
memory_provider: MemoryProvider | None = None
QUERY_CHARS = 300
log = logging.getLogger(__name__)


@dataclass
class Context:
    data: dict[str, Any]
    chars: int
    notification_ids: list[int]
    task_ids: list[int]
    marks: dict[str, Any] = field(default_factory=dict)
    memories: list[dict[str, Any]] = field(default_factory=list)  # what was recalled, for the run record

    def as_text(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"), default=str)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str))


def _names(session: Session, agent_ids: set[int], user_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    agents: dict[int, str] = {}
    users: dict[int, str] = {}
    if agent_ids:
        agents = {i or 0: n for i, n in session.exec(select(Agent.id, Agent.name).where(col(Agent.id).in_(agent_ids)))}
    if user_ids:
        users = {i or 0: h for i, h in session.exec(select(User.id, User.handle).where(col(User.id).in_(user_ids)))}
    return agents, users


def build(session: Session, agent: Agent, *, now: datetime, budget: int, trigger: str = "") -> Context:
    assert agent.id is not None
    ws = agent.workspace_id
    mark = int(session.exec(select(func.max(Activity.id))).one() or 0)
    notes = list(
        session.exec(
            select(Notification)
            .where(
                Notification.recipient_agent_id == agent.id,
                col(Notification.read_at).is_(None),
                col(Notification.delivered_at).is_(None),
            )
            .order_by(col(Notification.id))
            .limit(MAX_NOTIFICATIONS)
        )
    )
    tasks = list(
        session.exec(
            select(Task)
            .join(TaskAssignee, col(TaskAssignee.task_id) == col(Task.id))
            .where(TaskAssignee.agent_id == agent.id, Task.status != TaskStatus.done)
            .order_by(PRIORITY_RANK, col(Task.id))
            .limit(MAX_TASKS)
        )
    )
    data: dict[str, Any] = {
        "now": now.isoformat(),
        "trigger": trigger,
        "you": {
            "id": agent.id,
            "name": agent.name,
            "role": agent.role,
            "capabilities": agent.capabilities,
            "description": _cut(agent.description, 600),
        },
        "notifications": [],
        "tasks": [],
        "working_md": None,
        "memories": [],
        "truncated": [],
    }
    remaining = budget - _size(data)
    # Notifications first, up to half the budget; any left out stay unread for the next wake.
    for n in notes:
        item = {"id": n.id, "kind": n.kind, "task_id": n.task_id, "text": n.text, "at": n.created_at.isoformat()}
        cost = _size(item) + 1
        if cost > remaining - budget // 2 and data["notifications"]:
            data["truncated"].append(f"{len(notes) - len(data['notifications'])} more notifications next time")
            break
        remaining -= cost
        data["notifications"].append(item)
    task_rows: list[dict[str, Any]] = []
    for task in tasks:
        deps = list(
            session.exec(
                select(Task.id, Task.status)
                .join(TaskDependency, col(TaskDependency.depends_on_id) == col(Task.id))
                .where(TaskDependency.task_id == task.id)
            )
        )
        subtasks = list(session.exec(select(Task.id, Task.title, Task.status).where(Task.parent_task_id == task.id)))
        others = [a for a in session.exec(select(TaskAssignee.agent_id).where(TaskAssignee.task_id == task.id))
                  if a != agent.id]
        row: dict[str, Any] = {
            "id": task.id,
            "title": task.title,
            "status": str(task.status),
            "priority": str(task.priority),
            "due_at": task.due_at.isoformat() if task.due_at else None,
            "description": _cut(task.description, DESCRIPTION_CHARS),
            "depends_on": [{"id": d, "status": str(s)} for d, s in deps],
            "subtasks": [{"id": i, "title": t, "status": str(s)} for i, t, s in subtasks],
            "also_assigned": others,
            "thread": [],
        }
        cost = _size(row) + 1
        if cost > remaining:
            data["truncated"].append(f"{len(tasks) - len(task_rows)} more tasks left out")
            break
        remaining -= cost
        task_rows.append(row)
    data["tasks"] = task_rows
    # Thread excerpts, newest first per task, round-robin so every task gets some.
    threads: dict[int, list[Message]] = {
        row["id"]: list(
            session.exec(
                select(Message).where(Message.task_id == row["id"]).order_by(col(Message.id).desc()).limit(THREAD_EXCERPTS)
            )
        )
        for row in task_rows
    }
    agent_names, user_names = _names(
        session,
        {a for row in task_rows for a in row["also_assigned"]}
        | {m.author_agent_id for msgs in threads.values() for m in msgs if m.author_agent_id},
        {m.author_user_id for msgs in threads.values() for m in msgs if m.author_user_id},
    )
    for row in task_rows:
        row["also_assigned"] = [agent_names.get(a, "?") for a in row["also_assigned"]]
    for depth in range(THREAD_EXCERPTS):
        for row in task_rows:
            msgs = threads[row["id"]]
            if depth >= len(msgs):
                continue
            m = msgs[depth]
            author = agent_names.get(m.author_agent_id or 0) or (
                f"@{user_names.get(m.author_user_id or 0, '?')}" if m.author_user_id else "system"
            )
            item = {"id": m.id, "by": author, "at": m.created_at.isoformat(), "text": _cut(m.body, EXCERPT_CHARS)}
            cost = _size(item) + 1
            if cost > remaining:
                data["truncated"].append("older thread messages left out")
                break
            remaining -= cost
            row["thread"].insert(0, item)
        else:
            continue
        break
    state = working_state.read(session=session, workspace_id=ws, now=now)
    room = max(0, remaining - 120)
    working = {"version": state.version, "content": _cut(state.content, room) if room > 200 else ""}
    if len(state.content) > room:
        data["truncated"].append("WORKING.md shortened")
    data["working_md"] = working
    remaining -= _size(working)
    if memory_provider is not None and remaining > 200:
        # What the agent is working on and what it was asked: one query each.
        queries = [_cut(f"{r['title']}. {r['description']}", QUERY_CHARS) for r in task_rows]
        queries += [_cut(n["text"], QUERY_CHARS) for n in data["notifications"] if n["kind"] == "mention"]
        shown = {f"task:{r['id']}" for r in task_rows} | {
            f"message:{m['id']}" for r in task_rows for m in r["thread"]} | {
            f"message:{n.message_id}" for n in notes if n.message_id}
        try:
            recalled = memory_provider(session, agent, queries or [agent.role], shown)
        except Exception:  # memory is a help, never a reason for a heartbeat to fail
            log.exception("memory retrieval failed for %s", agent.name)
            recalled = []
            data["truncated"].append("memories unavailable")
        for mem in recalled:
            cost = _size(mem) + 1
            if cost > remaining:
                data["truncated"].append(f"{len(recalled) - len(data['memories'])} memories left out")
                break
            remaining -= cost
            data["memories"].append(mem)
    return Context(
        data=data,
        chars=_size(data),
        notification_ids=[n["id"] for n in data["notifications"] if n["id"] is not None],
        task_ids=[r["id"] for r in task_rows],
        marks={"activity_mark": mark, "working_version": state.version, "checked_at": now},
        memories=[{k: m.get(k) for k in ("id", "kind", "score", "scope", "task_id")} for m in data["memories"]],
    )
