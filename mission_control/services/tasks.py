"""Creating and editing tasks, subtasks and their assignees."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from mission_control.errors import Invalid
from mission_control.events import EventType
from mission_control.models import (
    Agent,
    Task,
    TaskAssignee,
    TaskCreate,
    TaskStatus,
    TaskUpdate,
    utcnow,
)
from mission_control.services import memory, task_flow
from mission_control.services.actor import Actor
from mission_control.services.agents import require_delete_grant
from mission_control.services.common import get_in_workspace, insert_row, validate
from mission_control.services.notifications import notify
from mission_control.services.recording import record_change, snapshot


def create_task(
    *, session: Session, workspace_id: int, data: TaskCreate | dict[str, Any], actor: Actor
) -> Task:
    spec = validate(TaskCreate, data)
    if spec.parent_task_id is not None:
        get_in_workspace(session, Task, spec.parent_task_id, workspace_id)
    now = utcnow()  # given, not defaulted: each default factory costs a signature inspection
    task = Task(
        workspace_id=workspace_id,
        title=spec.title.strip(),
        description=spec.description,
        priority=spec.priority,
        due_at=spec.due_at,
        parent_task_id=spec.parent_task_id,
        status=TaskStatus.inbox,
        created_by_agent_id=actor.agent_id,
        created_by_user_id=actor.user_id,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    if not task.title:
        raise Invalid("a task needs a title", details={"fields": {"title": "required"}})
    insert_row(session, task, task_flow.INSERT_CARD, card_workspace=workspace_id, card_status=str(TaskStatus.inbox))
    assert task.id is not None
    kind = "subtask" if task.parent_task_id else "task"
    parent = f" under #{task.parent_task_id}" if task.parent_task_id else ""
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_created,
        target_type="task",
        target_id=task.id,
        task_id=task.id,
        text=f"{actor.name} created {kind} #{task.id} “{task.title}”{parent}",
        after=snapshot(task),
    )
    memory.remember_task(session, task, new=True)
    for dep_id in spec.depends_on_ids:
        task_flow.add_dependency(
            session=session, workspace_id=workspace_id, task_id=task.id, depends_on_id=dep_id, actor=actor
        )
    for agent_id in spec.assignee_ids:
        assign(session=session, workspace_id=workspace_id, task_id=task.id, agent_id=agent_id, actor=actor)
    return task


def update_task(
    *,
    session: Session,
    workspace_id: int,
    task_id: int,
    data: TaskUpdate | dict[str, Any],
    actor: Actor,
) -> Task:
    task = get_in_workspace(session, Task, task_id, workspace_id)
    changes = validate(TaskUpdate, data).model_dump(exclude_unset=True)
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()
        if not changes["title"]:
            raise Invalid("a task needs a title", details={"fields": {"title": "required"}})
    before = snapshot(task)
    for key, value in changes.items():
        setattr(task, key, value)
    task.updated_at = utcnow()
    session.add(task)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_updated,
        target_type="task",
        target_id=task.id,
        task_id=task.id,
        text=f"{actor.name} edited #{task.id} ({', '.join(sorted(changes)) or 'nothing'})",
        before=before,
        after=snapshot(task),
    )
    if "title" in changes or "description" in changes:
        memory.remember_task(session, task)
    return task


def assignee_ids(session: Session, task_id: int) -> list[int]:
    return list(
        session.exec(
            select(TaskAssignee.agent_id)
            .where(TaskAssignee.task_id == task_id)
            .order_by(col(TaskAssignee.assigned_at))
        )
    )


def assign(
    *, session: Session, workspace_id: int, task_id: int, agent_id: int, actor: Actor
) -> Task:
    """Add an assignee; an inbox task moves to `assigned`, and the agent is notified."""
    # Locked: two agents taking the same card at once (side by side on PostgreSQL) must not
    # both see it unassigned and both become its only assignee.
    task = get_in_workspace(session, Task, task_id, workspace_id, lock=True)
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    if agent_id in assignee_ids(session, task_id):
        return task
    session.add(TaskAssignee(task_id=task_id, agent_id=agent_id, workspace_id=workspace_id))
    task.updated_at = utcnow()
    session.add(task)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_assigned,
        target_type="task",
        target_id=task_id,
        task_id=task_id,
        text=f"{actor.name} assigned {agent.name} to #{task_id} “{task.title}”",
        after={"agent_id": agent_id},
        details={"agent_id": agent_id},
    )
    notify(
        session,
        workspace_id=workspace_id,
        kind="assignment",
        agent_id=agent_id,
        task_id=task_id,
        text=f"{actor.name} assigned you to #{task_id} “{task.title}”",
    )
    if task.status == TaskStatus.inbox:
        task_flow.move_task(
            session=session, workspace_id=workspace_id, task_id=task_id, to=TaskStatus.assigned, actor=actor
        )
    return task


def unassign(
    *, session: Session, workspace_id: int, task_id: int, agent_id: int, actor: Actor
) -> Task:
    """Remove an assignee; an `assigned` task left with nobody goes back to the inbox."""
    # Locked, like a move: a task moved on meanwhile must not be left there with nobody.
    task = get_in_workspace(session, Task, task_id, workspace_id, lock=True)
    agent = get_in_workspace(session, Agent, agent_id, workspace_id)
    link = session.get(TaskAssignee, (task_id, agent_id))
    if link is None:
        raise Invalid(f"{agent.name} is not assigned to task {task_id}")
    remaining = [a for a in assignee_ids(session, task_id) if a != agent_id]
    if not remaining and task.status in (TaskStatus.in_progress, TaskStatus.review):
        raise Invalid(
            f"task {task_id} is {task.status.replace('_', ' ')}: assign someone else before "
            f"removing {agent.name}, or move it back first"
        )
    session.delete(link)
    task.updated_at = utcnow()
    session.add(task)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_unassigned,
        target_type="task",
        target_id=task_id,
        task_id=task_id,
        text=f"{actor.name} removed {agent.name} from #{task_id}",
        before={"agent_id": agent_id},
        details={"agent_id": agent_id},
    )
    if not remaining and task.status == TaskStatus.assigned:
        task_flow.move_task(
            session=session, workspace_id=workspace_id, task_id=task_id, to=TaskStatus.inbox, actor=actor
        )
    return task


def subtasks(session: Session, task_id: int) -> list[Task]:
    return list(
        session.exec(select(Task).where(Task.parent_task_id == task_id).order_by(col(Task.id)))
    )


def delete_task(*, session: Session, workspace_id: int, task_id: int, actor: Actor) -> None:
    task = get_in_workspace(session, Task, task_id, workspace_id)
    require_delete_grant(session=session, actor=actor, what="tasks")
    before = snapshot(task)
    memory.forget_task(session, task_id)
    session.delete(task)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_deleted,
        target_type="task",
        target_id=task_id,
        text=f"{actor.name} deleted #{task_id} “{task.title}”",
        before=before,
    )
