"""The watchdog: escalates tasks stuck in a column past a threshold, or waiting on
unfinished dependencies, with a message in the task's thread that @mentions the operators
(so they are notified). Each task is escalated once per stay in a column.

`driver_config.stuck_after_hours`: per column, e.g. {"in_progress": 48}; defaults below.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from mission_control.drivers.builtin.base import BuiltinRole, operator_handles
from mission_control.drivers.protocol import AgentInfo
from mission_control.models import Agent, Message, Task, TaskAssignee, TaskStatus
from mission_control.services.task_flow import unfinished_dependencies

DEFAULT_HOURS = {"inbox": 24.0, "assigned": 24.0, "in_progress": 72.0, "review": 48.0}


def thresholds(config: dict[str, Any]) -> dict[str, timedelta]:
    given = config.get("stuck_after_hours") or {}
    hours = dict(DEFAULT_HOURS)
    if isinstance(given, dict):
        for key, value in given.items():
            if key in hours and isinstance(value, int | float) and value > 0:
                hours[key] = float(value)
    return {k: timedelta(hours=v) for k, v in hours.items()}


def _human(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} hours"


class Watchdog(BuiltinRole):
    role = "watchdog"

    def stuck(self, session: Session, workspace_id: int, watchdog_id: int, config: dict[str, Any],
              now: datetime) -> list[tuple[Task, timedelta]]:
        limits = thresholds(config)
        oldest = now - min(limits.values())
        found = []
        for task in session.exec(select(Task).where(
                Task.workspace_id == workspace_id, Task.status != TaskStatus.done,
                Task.status_changed_at < oldest).order_by(col(Task.id))):
            limit = limits[str(task.status)]
            if now - task.status_changed_at < limit:
                continue
            told = session.exec(select(Message.id).where(
                Message.task_id == task.id, Message.author_agent_id == watchdog_id,
                Message.created_at >= task.status_changed_at).limit(1)).first()
            if told is None:
                found.append((task, limit))
        return found

    def gate(self, session: Session, agent: Agent, now: datetime) -> str | None:
        hits = self.stuck(session, agent.workspace_id, agent.id or 0, agent.driver_config, now)
        return f"{len(hits)} stuck task(s)" if hits else None

    def decide(self, session: Session, agent: AgentInfo, now: datetime) -> tuple[list[dict[str, Any]], str]:
        ops = " ".join(f"@{h}" for h in operator_handles(session, agent.workspace_id))
        actions: list[dict[str, Any]] = []
        for task, limit in self.stuck(session, agent.workspace_id, agent.id, agent.config, now):
            column = str(task.status).replace("_", " ")
            waited = _human(now - task.status_changed_at)
            names = [a.name for a in session.exec(
                select(Agent).join(TaskAssignee, col(TaskAssignee.agent_id) == col(Agent.id))
                .where(TaskAssignee.task_id == task.id))]
            deps = unfinished_dependencies(session, task.id or 0)
            if deps:
                why = "waiting on unfinished " + ", ".join(
                    f"#{d.id} ({str(d.status).replace('_', ' ')})" for d in deps)
            else:
                why = f"no move for {waited}"
            body = (f"Escalation: #{task.id} “{task.title}” has been in {column} for {waited} "
                    f"(limit {_human(limit)}): {why}. "
                    f"Assignees: {', '.join(names) or 'nobody'}." + (f" {ops}" if ops else ""))
            actions.append({"type": "post_message", "task_id": task.id, "body": body})
        return actions, f"escalated {len(actions)} stuck task(s)"
