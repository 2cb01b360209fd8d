"""Tasks: list/create/show/edit/delete, move (status), assignees, subtasks, dependencies."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import Session

from mission_control.api.deps import Cursor, Limit, PathId, QueryId, Reader, Worker
from mission_control.api.errors import COMMON_RESPONSES, CONFLICT_RESPONSE
from mission_control.api.schemas import (
    AssigneeIn,
    DependencyIn,
    Move,
    Page,
    SubtaskIn,
    TaskIn,
    TaskOut,
    TaskPatch,
)
from mission_control.api.schemas.work import Approve, Reject
from mission_control.api.write_queue import run_write
from mission_control.db import read_session, session_scope
from mission_control.errors import Invalid
from mission_control.models import Agent, Task, TaskStatus
from mission_control.services import approvals, queries, task_flow, tasks
from mission_control.services.authz import Principal
from mission_control.services.common import get_in_workspace

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=COMMON_RESPONSES)


def task_out(session: Session, rows: list[Task]) -> list[TaskOut]:
    links = queries.task_links(session=session, task_ids=[t.id for t in rows if t.id is not None])
    out = []
    for task in rows:
        link = links[task.id or 0]
        out.append(
            TaskOut.model_validate(task).model_copy(
                update={
                    "assignee_ids": link.assignee_ids,
                    "depends_on_ids": link.depends_on_ids,
                    "blocked_by": link.blocked_by,
                    "subtask_ids": link.subtask_ids,
                }
            )
        )
    return out


def _one(session: Session, workspace_id: int, task_id: int) -> TaskOut:
    return task_out(session, [get_in_workspace(session, Task, task_id, workspace_id)])[0]


@router.get("", response_model=Page[TaskOut], summary="List tasks")
def list_tasks(
    who: Reader,
    status: TaskStatus | None = None,
    assignee_id: QueryId = None,
    mine: bool = False,
    parent_task_id: QueryId = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[TaskOut]:
    """Tasks of the caller's workspace, oldest first. `mine=true` (agents): assigned to me."""
    if mine:
        if who.agent_id is None:
            raise Invalid("`mine` lists an agent's own tasks; operators filter by assignee_id")
        assignee_id = who.agent_id
    with read_session() as session:
        page = queries.list_tasks(
            session=session,
            workspace_id=who.workspace_id,
            status=status,
            assignee_id=assignee_id,
            parent_task_id=parent_task_id,
            cursor=cursor,
            limit=limit,
        )
        return Page(items=task_out(session, page.items), next_cursor=page.next_cursor)


@router.post("", response_model=TaskOut, status_code=201, summary="Create a task")
async def create_task(body: TaskIn, who: Worker) -> TaskOut:
    # The busiest write: async, through the write queue (batched with concurrent writes; a
    # sync endpoint would cost two hops to the threadpool).
    return await run_write(_create_task, body, who)


def _create_task(body: TaskIn, who: Principal) -> TaskOut:
    with session_scope() as session:
        task = tasks.create_task(
            session=session,
            workspace_id=who.workspace_id,
            data=body.model_dump(exclude_unset=True),
            actor=who.actor(),
        )
        if body.assignee_ids or body.depends_on_ids:
            return task_out(session, [task])[0]
        return TaskOut.model_validate(task)  # a new card without links: nothing to look up


@router.get("/{task_id}", response_model=TaskOut, summary="Show a task")
def get_task(task_id: PathId, who: Reader) -> TaskOut:
    with read_session() as session:
        return _one(session, who.workspace_id, task_id)


@router.patch("/{task_id}", response_model=TaskOut, summary="Edit a task")
def update_task(task_id: PathId, body: TaskPatch, who: Worker) -> TaskOut:
    with session_scope() as session:
        task = tasks.update_task(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            data=body.model_dump(exclude_unset=True),
            actor=who.actor(),
        )
        return task_out(session, [task])[0]


@router.delete("/{task_id}", status_code=204, response_class=Response, summary="Delete a task")
def delete_task(task_id: PathId, who: Worker) -> Response:
    with session_scope() as session:
        tasks.delete_task(
            session=session, workspace_id=who.workspace_id, task_id=task_id, actor=who.actor()
        )
    return Response(status_code=204)


@router.post("/{task_id}/move", response_model=TaskOut, summary="Move a task to a column")
async def move_task(task_id: PathId, body: Move, who: Worker) -> TaskOut:
    """Change status (one column forward at a time, or back), optionally at a position."""
    return await run_write(_move_task, task_id, body, who)


def _move_task(task_id: int, body: Move, who: Principal) -> TaskOut:
    with session_scope() as session:
        task_flow.move_task(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            to=body.status,
            index=body.index,
            actor=who.actor(),
        )
        return _one(session, who.workspace_id, task_id)


@router.post("/{task_id}/approve", response_model=TaskOut, summary="Approve a task in review (operators)")
async def approve(task_id: PathId, body: Approve, who: Worker) -> TaskOut:
    """Review -> done, recorded in the thread. Agents cannot approve (403), not even their own work."""
    return await run_write(_approve, task_id, body, who)


def _approve(task_id: int, body: Approve, who: Principal) -> TaskOut:
    with session_scope() as session:
        approvals.approve(session=session, workspace_id=who.workspace_id, task_id=task_id,
                          actor=who.actor(), note=body.note)
        return _one(session, who.workspace_id, task_id)


@router.post("/{task_id}/reject", response_model=TaskOut, summary="Send a task in review back, with a reason")
def reject(task_id: PathId, body: Reject, who: Worker) -> TaskOut:
    """Review -> in progress; the reason is posted in the thread, mentioning the assignees."""
    with session_scope() as session:
        approvals.reject(session=session, workspace_id=who.workspace_id, task_id=task_id,
                         reason=body.reason, actor=who.actor())
        return _one(session, who.workspace_id, task_id)


@router.post("/{task_id}/assignees", response_model=TaskOut, summary="Assign an agent")
async def assign(task_id: PathId, body: AssigneeIn, who: Worker) -> TaskOut:
    return await run_write(_assign, task_id, body, who)


def _assign(task_id: int, body: AssigneeIn, who: Principal) -> TaskOut:
    with session_scope() as session:
        tasks.assign(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            agent_id=body.agent_id,
            actor=who.actor(),
        )
        return _one(session, who.workspace_id, task_id)


@router.delete("/{task_id}/assignees/{agent_id}", response_model=TaskOut, summary="Unassign")
def unassign(task_id: PathId, agent_id: PathId, who: Worker) -> TaskOut:
    with session_scope() as session:
        get_in_workspace(session, Agent, agent_id, who.workspace_id)
        tasks.unassign(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            agent_id=agent_id,
            actor=who.actor(),
        )
        return _one(session, who.workspace_id, task_id)


@router.get("/{task_id}/subtasks", response_model=Page[TaskOut], summary="List subtasks")
def list_subtasks(
    task_id: PathId, who: Reader, cursor: Cursor = None, limit: Limit = 50
) -> Page[TaskOut]:
    with read_session() as session:
        get_in_workspace(session, Task, task_id, who.workspace_id)
        page = queries.list_tasks(
            session=session,
            workspace_id=who.workspace_id,
            parent_task_id=task_id,
            cursor=cursor,
            limit=limit,
        )
        return Page(items=task_out(session, page.items), next_cursor=page.next_cursor)


@router.post(
    "/{task_id}/subtasks", response_model=TaskOut, status_code=201, summary="Add a subtask"
)
def create_subtask(task_id: PathId, body: SubtaskIn, who: Worker) -> TaskOut:
    with session_scope() as session:
        task = tasks.create_task(
            session=session,
            workspace_id=who.workspace_id,
            data={**body.model_dump(exclude_unset=True), "parent_task_id": task_id},
            actor=who.actor(),
        )
        return task_out(session, [task])[0]


@router.post(
    "/{task_id}/dependencies",
    response_model=TaskOut,
    summary="Make this task wait for another",
    responses=CONFLICT_RESPONSE,
)
def add_dependency(task_id: PathId, body: DependencyIn, who: Worker) -> TaskOut:
    with session_scope() as session:
        task_flow.add_dependency(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            depends_on_id=body.depends_on_id,
            actor=who.actor(),
        )
        return _one(session, who.workspace_id, task_id)


@router.delete(
    "/{task_id}/dependencies/{depends_on_id}", response_model=TaskOut, summary="Remove a dependency"
)
def remove_dependency(task_id: PathId, depends_on_id: PathId, who: Worker) -> TaskOut:
    with session_scope() as session:
        task_flow.remove_dependency(
            session=session,
            workspace_id=who.workspace_id,
            task_id=task_id,
            depends_on_id=depends_on_id,
            actor=who.actor(),
        )
        return _one(session, who.workspace_id, task_id)
