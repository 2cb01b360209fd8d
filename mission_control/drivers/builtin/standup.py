"""The standup: once a day, a document of the last day's work per agent — done, in
progress, blocked — built from the activity log and the board as they are."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from mission_control.drivers.builtin.base import BuiltinRole, config_number
from mission_control.drivers.protocol import AgentInfo
from mission_control.events import EventType
from mission_control.models import (
    Activity,
    Agent,
    AgentStatus,
    Document,
    Task,
    TaskAssignee,
    TaskDependency,
    TaskStatus,
)


def _last_standup(session: Session, agent_id: int) -> datetime | None:
    return session.exec(
        select(Document.created_at).where(Document.created_by_agent_id == agent_id)
        .order_by(col(Document.created_at).desc()).limit(1)
    ).first()


class Standup(BuiltinRole):
    role = "standup"

    def _window(self, session: Session, agent_id: int, config: dict[str, Any], now: datetime) -> tuple[datetime, bool]:
        every = timedelta(hours=config_number(config, "every_hours", 24))
        last = _last_standup(session, agent_id)
        due = last is None or now - last >= every
        return max(last or now - every, now - every), due

    def gate(self, session: Session, agent: Agent, now: datetime) -> str | None:
        since, due = self._window(session, agent.id or 0, agent.driver_config, now)
        if not due:
            return None
        happened = session.exec(select(Activity.id).where(
            Activity.workspace_id == agent.workspace_id, Activity.created_at > since,
            col(Activity.task_id).is_not(None)).limit(1)).first()
        return "standup due" if happened is not None else None

    def decide(self, session: Session, agent: AgentInfo, now: datetime) -> tuple[list[dict[str, Any]], str]:
        ws = agent.workspace_id
        since, _ = self._window(session, agent.id, agent.config, now)
        agents = {a.id: a for a in session.exec(select(Agent).where(Agent.workspace_id == ws).order_by(col(Agent.name)))}
        titles = {t.id: t for t in session.exec(select(Task).where(Task.workspace_id == ws))}
        owners: dict[int, list[int]] = defaultdict(list)
        for task_id, agent_id in session.exec(select(TaskAssignee.task_id, TaskAssignee.agent_id)
                                              .where(TaskAssignee.workspace_id == ws)):
            owners[task_id].append(agent_id)
        done: dict[int, set[int]] = defaultdict(set)
        blocked: dict[int, list[str]] = defaultdict(list)
        for item in session.exec(select(Activity).where(Activity.workspace_id == ws, Activity.created_at > since)
                                 .order_by(col(Activity.id))):
            if item.event_type == EventType.task_moved and item.details.get("to") == TaskStatus.done and item.task_id:
                for owner in owners.get(item.task_id, []):
                    done[owner].add(item.task_id)
            if item.event_type == EventType.agent_blocker_reported and item.actor_agent_id:
                blocked[item.actor_agent_id].append(item.text)
        waiting = set(session.exec(
            select(TaskDependency.task_id).join(Task, col(Task.id) == col(TaskDependency.depends_on_id))
            .where(TaskDependency.workspace_id == ws, Task.status != TaskStatus.done)))
        lines = [f"# Standup {now:%Y-%m-%d}", "", f"_Activity since {since:%Y-%m-%d %H:%M} UTC._", ""]
        quiet = []
        for aid, a in agents.items():
            if aid is None or aid == agent.id:
                continue
            mine = [t for t in titles.values() if aid in owners.get(t.id or 0, [])]
            doing = [t for t in mine if t.status in (TaskStatus.in_progress, TaskStatus.review)]
            stuck = [f"#{t.id} “{t.title}” waits on unfinished dependencies" for t in mine
                     if t.id in waiting and t.status != TaskStatus.done] + blocked.get(aid, [])
            if a.status == AgentStatus.blocked and a.blocked_reason:
                stuck.append(f"{a.name} is blocked: {a.blocked_reason}")
            if not (done.get(aid) or doing or stuck):
                quiet.append(a.name)
                continue
            lines.append(f"## {a.name} ({a.role})")
            lines.append("**Done:** " + (", ".join(f"#{i} “{titles[i].title}”" for i in sorted(done[aid]) if i in titles) or "—"))
            lines.append("**In progress:** " + (", ".join(f"#{t.id} “{t.title}” ({str(t.status).replace('_', ' ')})" for t in doing) or "—"))
            lines.append("**Blocked:** " + ("; ".join(stuck) or "—"))
            lines.append("")
        if quiet:
            lines += [f"_Nothing to report for: {', '.join(quiet)}._", ""]
        content = "\n".join(lines)
        total_done = sum(len(v) for v in done.values())
        return (
            [{"type": "write_document", "title": f"Standup {now:%Y-%m-%d}", "content": content, "doc_type": "deliverable"}],
            f"standup written: {total_done} task(s) done since {since:%Y-%m-%d %H:%M}",
        )
