"""The cheap gate: is anything new for this agent since its last run?

One SELECT of indexed EXISTS probes, run before anything else, so an idle wake costs a
fraction of a millisecond and never reaches the model:

  - a wake request from an operator (on the agent row, no query);
  - an unread notification not yet handed to the agent (mention, assignment, blocker, ...);
  - a change on one of its tasks by someone else (feed line newer than what it has seen);
  - a WORKING.md version by someone else newer than the one it has seen;
  - one of its open tasks entering the due-soon window since its last check.

Builtin roles replace the probes with their own (e.g. the orchestrator: an inbox task is
waiting and the board changed); a wake request still counts for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from mission_control.models import (
    Activity,
    Agent,
    Notification,
    Task,
    TaskAssignee,
    TaskStatus,
    WorkingStateVersion,
)


def _exists(model: Any, *where: Any, join: Any = None, on: Any = None) -> ColumnElement[bool]:
    query = sa_select(literal(1)).select_from(model)
    if join is not None:
        query = query.join(join, on)
    return query.where(*where).exists()


def probes(agent: Agent, now: datetime, due_soon_s: float) -> list[tuple[str, ColumnElement[bool]]]:
    aid = agent.id
    since = agent.hb_checked_at or agent.created_at
    horizon = timedelta(seconds=due_soon_s)
    return [
        (
            "unread notification",
            _exists(
                Notification,
                col(Notification.recipient_agent_id) == aid,
                col(Notification.read_at).is_(None),
                col(Notification.delivered_at).is_(None),
            ),
        ),
        (
            "change on its tasks",
            _exists(
                Activity,
                col(Activity.id) > agent.hb_activity_mark,
                or_(col(Activity.actor_agent_id).is_(None), col(Activity.actor_agent_id) != aid),
                # A finished task (approved, say) asks nothing more of its assignee.
                ~sa_select(col(Task.id)).where(col(Task.id) == col(Activity.task_id), col(Task.status) == TaskStatus.done).exists(),
                join=TaskAssignee,
                on=and_(col(TaskAssignee.task_id) == col(Activity.task_id), col(TaskAssignee.agent_id) == aid),
            ),
        ),
        (
            "WORKING.md changed",
            _exists(
                WorkingStateVersion,
                col(WorkingStateVersion.workspace_id) == agent.workspace_id,
                col(WorkingStateVersion.version) > agent.hb_working_version,
                or_(col(WorkingStateVersion.author_agent_id).is_(None),
                    col(WorkingStateVersion.author_agent_id) != aid),
            ),
        ),
        (
            "task coming due",
            _exists(
                Task,
                col(Task.status) != TaskStatus.done,
                col(Task.due_at) > since + horizon,
                col(Task.due_at) <= now + horizon,
                join=TaskAssignee,
                on=and_(col(TaskAssignee.task_id) == col(Task.id), col(TaskAssignee.agent_id) == aid),
            ),
        ),
    ]


def requested(agent: Agent) -> list[str]:
    if agent.wake_requested_at is None:
        return []
    return ["forced wake" if agent.wake_force else "wake requested"]


def reasons(session: Session, agent: Agent, now: datetime, due_soon_s: float) -> list[str]:
    """Why the agent should be called now (empty: nothing new, skip the driver)."""
    found = requested(agent)
    checks = probes(agent, now, due_soon_s)
    row = session.connection().execute(sa_select(*[c for _, c in checks])).one()
    found += [name for (name, _), hit in zip(checks, row, strict=True) if hit]
    return found
