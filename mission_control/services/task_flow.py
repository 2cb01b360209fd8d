"""How tasks move: status transitions, order within a column, and dependencies.

Transition rules (the board's contract):
  - forward one column at a time: inbox → assigned → in_progress → review → done;
  - back to any earlier column (reopen, rework);
  - assigned / in progress / review need at least one assignee;
  - in progress needs every dependency done;
  - done needs every subtask done.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from mission_control.errors import Conflict, Forbidden, Invalid
from mission_control.events import EventType
from mission_control.models import (
    TASK_COLUMNS,
    ActorType,
    Task,
    TaskAssignee,
    TaskDependency,
    TaskStatus,
    utcnow,
)
from mission_control.services import memory
from mission_control.services.actor import Actor
from mission_control.services.common import get_in_workspace, insert_statement
from mission_control.services.recording import record_change

_ORDER = {status: i for i, status in enumerate(TASK_COLUMNS)}
_NEEDS_ASSIGNEE = {TaskStatus.assigned, TaskStatus.in_progress, TaskStatus.review}


def label(status: TaskStatus | str) -> str:
    return str(status).replace("_", " ")


def unfinished_dependencies(session: Session, task_id: int) -> list[Task]:
    return list(
        session.exec(
            select(Task)
            .join(TaskDependency, col(TaskDependency.depends_on_id) == col(Task.id))
            .where(TaskDependency.task_id == task_id, Task.status != TaskStatus.done)
            .order_by(col(Task.id))
        )
    )


def locked_task(session: Session, workspace_id: int, task_id: int) -> Task:
    """The task, held until the unit ends, so concurrent moves and decisions on it take turns.

    A move is asked for against the column the mover saw. If another unit moved the task while
    this one waited for it (PostgreSQL: units run side by side), the request no longer applies:
    Conflict, and the mover looks again, rather than a move from a column it never saw.
    """
    seen = get_in_workspace(session, Task, task_id, workspace_id).status
    task = get_in_workspace(session, Task, task_id, workspace_id, lock=True)
    if task.status != seen:
        raise Conflict(
            f"task {task_id} was just moved to {label(task.status)} by someone else; look at it again",
            details={"status": str(task.status)},
        )
    return task


def _held(session: Session, query: Any) -> Any:
    """`query` with its task rows held in share mode on PostgreSQL: the rule it checks stays
    true until this unit commits (a dependency reopened meanwhile waits for it)."""
    if session.get_bind().dialect.name == "sqlite":
        return query
    return query.with_for_update(read=True, of=Task)


def check_transition(session: Session, task: Task, to: TaskStatus) -> None:
    """Raise Invalid, with the reason a person can act on, if `task` may not move to `to`."""
    assert task.id is not None
    frm = task.status
    if to == frm:
        return
    if _ORDER[to] > _ORDER[frm] + 1:
        step = TASK_COLUMNS[_ORDER[frm] + 1]
        raise Invalid(
            f"task {task.id} is in {label(frm)}: it can move forward one column at a time "
            f"(next is {label(step)}), not straight to {label(to)}"
        )
    if to in _NEEDS_ASSIGNEE:
        has_assignee = session.exec(
            select(TaskAssignee.agent_id).where(TaskAssignee.task_id == task.id)
        ).first()
        if has_assignee is None:
            raise Invalid(f"task {task.id} has no assignee: assign an agent before moving it to {label(to)}")
    if to == TaskStatus.in_progress:
        dependencies = session.exec(_held(session, (
            select(Task).join(TaskDependency, col(TaskDependency.depends_on_id) == col(Task.id))
            .where(TaskDependency.task_id == task.id).order_by(col(Task.id))
        ))).all()
        blockers = [d for d in dependencies if d.status != TaskStatus.done]
        if blockers:
            names = ", ".join(f"{b.id} ({label(b.status)})" for b in blockers)
            which = "which is" if len(blockers) == 1 else "which are"
            raise Invalid(
                f"task {task.id} depends on {names}, {which} not done",
                details={"blocked_by": [b.id for b in blockers]},
            )
    if to == TaskStatus.done:
        subtasks = session.exec(_held(session, select(Task).where(Task.parent_task_id == task.id))).all()
        open_subtasks = [t.id for t in subtasks if t.status != TaskStatus.done]
        if open_subtasks:
            ids = ", ".join(f"#{i}" for i in open_subtasks)
            raise Invalid(f"task {task.id} has unfinished subtasks ({ids}): finish them first")


def _column_top(workspace: Any, status: Any) -> Any:
    """The last position in a column (ix_task_board answers it); NULL for an empty column."""
    return select(func.max(Task.position)).where(col(Task.workspace_id) == workspace, col(Task.status) == status)


# Prepared once: computed for every moved card.
_TOP_POSITION = _column_top(bindparam("workspace_id"), bindparam("status")).where(col(Task.id) != bindparam("exclude"))


def next_position(session: Session, workspace_id: int, status: TaskStatus, exclude: int = 0) -> int:
    """The position after the last card of a column (not counting card `exclude`)."""
    session.flush()  # cards added or moved earlier in this unit count
    top = session.connection().execute(
        _TOP_POSITION, {"workspace_id": workspace_id, "status": str(status), "exclude": exclude}
    ).scalar()
    return 0 if top is None else int(top) + 1


# A new card's INSERT computes its own position (next_position, in the same statement). Its
# parameters are named apart from the row's own columns, which the INSERT binds by name.
INSERT_CARD = insert_statement(Task, position=func.coalesce(
    _column_top(bindparam("card_workspace"), bindparam("card_status")).scalar_subquery() + 1, 0
))


def column_order(status: TaskStatus) -> tuple[Any, ...]:
    """How a column is shown, top to bottom. Done is newest first: the work just finished is
    what a reviewer looks for, and a long Done column must not hide it below "Show more"."""
    if status == TaskStatus.done:
        return (col(Task.position).desc(), col(Task.id).desc())
    return (col(Task.position), col(Task.id))


def _column_ids(session: Session, workspace_id: int, status: TaskStatus, exclude: int) -> list[int]:
    return [
        i
        for i in session.exec(
            select(Task.id)
            .where(Task.workspace_id == workspace_id, Task.status == status, Task.id != exclude)
            .order_by(*column_order(status))
        )
        if i is not None
    ]


def _place(session: Session, task: Task, status: TaskStatus, index: int | None) -> None:
    """Put `task` at display `index` of column `status` (None: where new work goes, the end of
    the column, or the top of Done) and renumber what has to move."""
    assert task.id is not None
    newest_first = status == TaskStatus.done
    if index is None or (newest_first and index == 0):
        # No renumbering: a card appended to a column of 1,000 costs one row, not 1,000.
        task.position = next_position(session, task.workspace_id, status, exclude=task.id)
        session.add(task)
        return
    ids = _column_ids(session, task.workspace_id, status, exclude=task.id)
    index = max(0, min(index, len(ids)))
    ordered = ids[:index] + [task.id] + ids[index:]
    last = len(ordered) - 1
    positions = {tid: (last - pos if newest_first else pos) for pos, tid in enumerate(ordered)}
    rows = session.exec(select(Task).where(col(Task.id).in_(ordered))).all()
    for row in rows:
        pos = positions[row.id]  # type: ignore[index]
        if row.position != pos or row.id == task.id:
            row.position = pos
            session.add(row)


def move_task(
    *,
    session: Session,
    workspace_id: int,
    task_id: int,
    to: TaskStatus | str,
    actor: Actor,
    index: int | None = None,
    note: str = "",
) -> Task:
    """Move a task to column `to` at `index` (end of the column if None); same column = reorder.
    `note`: the reviewer's words when the move is a verdict (kept in the task's outcome memory)."""
    try:
        target = TaskStatus(to)
    except ValueError:
        columns = ", ".join(str(s) for s in TASK_COLUMNS)
        raise Invalid(f"'{to}' is not a column; use one of: {columns}") from None
    task = locked_task(session, workspace_id, task_id)
    check_transition(session, task, target)
    if task.status == TaskStatus.review and target == TaskStatus.done and actor.type == ActorType.agent:
        raise Forbidden(
            f"task {task_id} is waiting for review: an operator approves it (Approvals page or "
            "`mc tasks move`); agents cannot approve their own work",
            details={"required": "operator approval"},
        )
    frm = task.status
    old_position = task.position
    if frm != target:
        task.status = target
        task.status_changed_at = utcnow()
    task.updated_at = utcnow()
    _place(session, task, target, index)
    session.flush()
    if frm == target:
        action, text = EventType.task_reordered, f"{actor.name} reordered #{task_id} in {label(target)}"
    else:
        action = EventType.task_moved
        text = f"{actor.name} moved #{task_id} “{task.title}” from {label(frm)} to {label(target)}"
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        target_type="task",
        target_id=task_id,
        task_id=task_id,
        text=text,
        before={"status": str(frm), "position": old_position},
        after={"status": str(target), "position": task.position},
        details={"from": str(frm), "to": str(target)},
        feed=frm != target,
    )
    verdict = memory.is_outcome(frm, target)
    if verdict is not None:
        memory.remember_outcome(session, task=task, approved=verdict, by=actor.name, note=note)
    return task


def _path(session: Session, start: int, goal: int) -> list[int] | None:
    """A dependency path start → ... → goal, if one exists (depth-first)."""
    stack: list[tuple[int, list[int]]] = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in session.exec(
            select(TaskDependency.depends_on_id).where(TaskDependency.task_id == node)
        ):
            stack.append((nxt, path + [nxt]))
    return None


def add_dependency(
    *, session: Session, workspace_id: int, task_id: int, depends_on_id: int, actor: Actor
) -> TaskDependency:
    if task_id == depends_on_id:
        raise Invalid(f"task {task_id} cannot depend on itself")
    task = get_in_workspace(session, Task, task_id, workspace_id)
    get_in_workspace(session, Task, depends_on_id, workspace_id)
    existing = session.get(TaskDependency, (task_id, depends_on_id))
    if existing:
        return existing
    cycle = _path(session, depends_on_id, task_id)
    if cycle:
        chain = " → ".join(str(t) for t in [task_id, *cycle])
        raise Invalid(
            f"task {task_id} cannot depend on {depends_on_id}: that would make a cycle {chain}",
            details={"cycle": [task_id, *cycle]},
        )
    link = TaskDependency(task_id=task_id, depends_on_id=depends_on_id, workspace_id=workspace_id)
    session.add(link)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_dependency_added,
        target_type="task",
        target_id=task_id,
        task_id=task_id,
        text=f"{actor.name} made #{task_id} “{task.title}” wait for #{depends_on_id}",
        after={"depends_on_id": depends_on_id},
    )
    return link


def remove_dependency(
    *, session: Session, workspace_id: int, task_id: int, depends_on_id: int, actor: Actor
) -> None:
    get_in_workspace(session, Task, task_id, workspace_id)
    link = session.get(TaskDependency, (task_id, depends_on_id))
    if link is None:
        raise Invalid(f"task {task_id} does not depend on {depends_on_id}")
    session.delete(link)
    session.flush()
    record_change(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=EventType.task_dependency_removed,
        target_type="task",
        target_id=task_id,
        task_id=task_id,
        text=f"{actor.name} removed #{task_id}'s wait on #{depends_on_id}",
        before={"depends_on_id": depends_on_id},
    )
