"""The orchestrator: assigns inbox tasks to the best agent and says why in the task's thread.

Best = most capabilities matched by the task's words, then the lightest current workload;
only available agents count (not paused, not offline or blocked, circuit closed, not a
builtin role, under `max_open_tasks`). A task nobody matches stays in the inbox with one
message saying so (repeated only if the reason changes).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import and_, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from mission_control.drivers.builtin.base import BuiltinRole, config_number
from mission_control.drivers.protocol import AgentInfo
from mission_control.models import (
    Activity,
    Agent,
    AgentStatus,
    DriverType,
    Message,
    Task,
    TaskAssignee,
    TaskStatus,
)

_WORD = re.compile(r"[a-z0-9]+")
_OPEN = (TaskStatus.assigned, TaskStatus.in_progress, TaskStatus.review)
_PRIORITY = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


def _stem(word: str) -> str:
    return word[:4] if len(word) >= 4 else word


def matches(capabilities: list[str], text: str) -> list[str]:
    """Capabilities whose every word (by its first four letters) appears in the text."""
    stems = {_stem(w) for w in _WORD.findall(text.lower()) if len(w) >= 3}
    found = []
    for cap in capabilities:
        parts = [p for p in _WORD.findall(cap.lower()) if len(p) >= 3]
        if parts and all(_stem(p) in stems for p in parts):
            found.append(cap)
    return found


def _unassigned_inbox(session: Session, workspace_id: int) -> list[Task]:
    assigned = sa_select(literal(1)).select_from(TaskAssignee).where(col(TaskAssignee.task_id) == col(Task.id)).exists()
    tasks = list(session.exec(select(Task).where(Task.workspace_id == workspace_id,
                                                 Task.status == TaskStatus.inbox, ~assigned)))
    return sorted(tasks, key=lambda t: (_PRIORITY.get(str(t.priority), 9), t.id or 0))


class Orchestrator(BuiltinRole):
    role = "orchestrator"

    def gate(self, session: Session, agent: Agent, now: datetime) -> str | None:
        """An inbox task is waiting and something on the board changed since the last look."""
        inbox = session.exec(select(Task.id).where(Task.workspace_id == agent.workspace_id,
                                                   Task.status == TaskStatus.inbox).limit(1)).first()
        if inbox is None:
            return None
        changed = session.exec(select(Activity.id).where(
            Activity.workspace_id == agent.workspace_id, col(Activity.id) > agent.hb_activity_mark,
            col(Activity.task_id).is_not(None),
            and_(col(Activity.actor_agent_id).is_(None) | (col(Activity.actor_agent_id) != agent.id)),
        ).limit(1)).first()
        return "inbox tasks to triage" if changed is not None else None

    def decide(self, session: Session, agent: AgentInfo, now: datetime) -> tuple[list[dict[str, Any]], str]:
        ws = agent.workspace_id
        inbox = _unassigned_inbox(session, ws)
        if not inbox:
            return [], "inbox is empty"
        cap = int(config_number(agent.config, "max_open_tasks", 5))
        candidates = [
            a for a in session.exec(select(Agent).where(Agent.workspace_id == ws).order_by(col(Agent.id)))
            if a.id != agent.id and not a.paused and a.driver_type != DriverType.builtin
            and a.status not in (AgentStatus.offline, AgentStatus.blocked) and a.circuit_state == "closed"
        ]
        load: Counter[int] = Counter(
            {agent_id: int(n) for agent_id, n in session.exec(
                select(TaskAssignee.agent_id, func.count())
                .join(Task, col(Task.id) == col(TaskAssignee.task_id))
                .where(TaskAssignee.workspace_id == ws, col(Task.status).in_(_OPEN))
                .group_by(col(TaskAssignee.agent_id))
            )}
        )
        actions: list[dict[str, Any]] = []
        assigned = 0
        for task in inbox:
            text = f"{task.title}\n{task.description}"
            scored = []
            for cand in candidates:
                hit = matches(cand.capabilities, text)
                if hit and load[cand.id or 0] < cap:
                    scored.append((-len(hit), load[cand.id or 0], cand.name.lower(), cand, hit))
            scored.sort(key=lambda s: s[:3])
            if not scored:
                why = self._why_not(task, candidates, load, cap)
                if self._last_said(session, agent.id, task.id or 0) != why:
                    actions.append({"type": "post_message", "task_id": task.id, "body": why})
                continue
            _, _, _, best, hit = scored[0]
            before = load[best.id or 0]
            load[best.id or 0] += 1
            assigned += 1
            others = "; ".join(f"{s[3].name} (matches {', '.join(s[4])}, {load[s[3].id or 0]} open)"
                               for s in scored[1:3])
            body = (f"Assigned to {best.name}: matches {', '.join(hit)}; {before} open task"
                    f"{'' if before == 1 else 's'} before this; available."
                    + (f" Also considered: {others}." if others else ""))
            actions.append({"type": "assign", "task_id": task.id, "agent": best.id})
            actions.append({"type": "post_message", "task_id": task.id, "body": body})
        left = len(inbox) - assigned
        return actions, f"assigned {assigned} inbox task(s)" + (f", {left} left for a person" if left else "")

    @staticmethod
    def _why_not(task: Task, candidates: list[Agent], load: Counter[int], cap: int) -> str:
        text = f"{task.title}\n{task.description}"
        matching = [c for c in candidates if matches(c.capabilities, text)]
        if not candidates:
            return "Not assigned: no agent is available right now (all paused, offline or blocked)."
        if not matching:
            return ("Not assigned: no available agent has a capability matching this task. "
                    "Assign it by hand or add a capability.")
        names = ", ".join(c.name for c in matching)
        return f"Not assigned yet: the agents that match ({names}) already have {cap} open tasks each."

    @staticmethod
    def _last_said(session: Session, agent_id: int, task_id: int) -> str | None:
        return session.exec(select(Message.body).where(Message.task_id == task_id, Message.author_agent_id == agent_id)
                            .order_by(col(Message.id).desc()).limit(1)).first()
