"""Read side for the API and CLI: filtered, workspace-scoped, cursor-paginated lists.

Cursors are row ids. Newest-first lists (activities, notifications) return rows with
`id < cursor`; oldest-first lists (tasks, messages, documents) return rows with `id > cursor`.
Each function fetches one row more than asked to know whether there is a next page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import defer
from sqlmodel import Session, col, func, select

from mission_control.models import (
    Activity,
    Agent,
    Document,
    DocumentVersion,
    Message,
    Notification,
    Task,
    TaskAssignee,
    TaskDependency,
    TaskStatus,
    WorkingStateVersion,
)
from mission_control.services.common import get_in_workspace

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_cursor: int | None = None


def _page(rows: list[Any], limit: int) -> Page[Any]:
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, int(rows[-1].id))
    return Page(rows, None)


def _ascending(query: Any, model: Any, cursor: int | None, limit: int) -> Any:
    if cursor is not None:
        query = query.where(col(model.id) > cursor)
    return query.order_by(col(model.id)).limit(limit + 1)


def _descending(query: Any, model: Any, cursor: int | None, limit: int) -> Any:
    if cursor is not None:
        query = query.where(col(model.id) < cursor)
    return query.order_by(col(model.id).desc()).limit(limit + 1)


def list_tasks(
    *,
    session: Session,
    workspace_id: int,
    status: TaskStatus | None = None,
    assignee_id: int | None = None,
    parent_task_id: int | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> Page[Task]:
    query = select(Task).where(Task.workspace_id == workspace_id)
    if status is not None:
        query = query.where(Task.status == status)
    if parent_task_id is not None:
        get_in_workspace(session, Task, parent_task_id, workspace_id)
        query = query.where(Task.parent_task_id == parent_task_id)
    if assignee_id is not None:
        get_in_workspace(session, Agent, assignee_id, workspace_id)
        query = query.join(TaskAssignee, col(TaskAssignee.task_id) == col(Task.id)).where(
            TaskAssignee.agent_id == assignee_id
        )
    return _page(list(session.exec(_ascending(query, Task, cursor, limit))), limit)


@dataclass
class TaskLinks:
    assignee_ids: list[int] = field(default_factory=list)
    depends_on_ids: list[int] = field(default_factory=list)
    subtask_ids: list[int] = field(default_factory=list)
    blocked_by: list[int] = field(default_factory=list)


def task_links(*, session: Session, task_ids: list[int]) -> dict[int, TaskLinks]:
    """Assignees, dependencies (and which are not done) and subtasks of many tasks at once."""
    links: dict[int, TaskLinks] = defaultdict(TaskLinks)
    if not task_ids:
        return links
    for task_id, agent_id in session.exec(
        select(TaskAssignee.task_id, TaskAssignee.agent_id)
        .where(col(TaskAssignee.task_id).in_(task_ids))
        .order_by(col(TaskAssignee.assigned_at), col(TaskAssignee.agent_id))
    ):
        links[task_id].assignee_ids.append(agent_id)
    for task_id, dep_id, dep_status in session.exec(
        select(TaskDependency.task_id, TaskDependency.depends_on_id, Task.status)
        .join(Task, col(Task.id) == col(TaskDependency.depends_on_id))
        .where(col(TaskDependency.task_id).in_(task_ids))
        .order_by(col(TaskDependency.depends_on_id))
    ):
        links[task_id].depends_on_ids.append(dep_id)
        if dep_status != TaskStatus.done:
            links[task_id].blocked_by.append(dep_id)
    for sub_id, parent_id in session.exec(
        select(Task.id, Task.parent_task_id)
        .where(col(Task.parent_task_id).in_(task_ids))
        .order_by(col(Task.id))
    ):
        if parent_id is not None and sub_id is not None:
            links[parent_id].subtask_ids.append(sub_id)
    return links


def list_messages(
    *, session: Session, workspace_id: int, task_id: int, cursor: int | None = None, limit: int = 50
) -> Page[Message]:
    get_in_workspace(session, Task, task_id, workspace_id)
    query = select(Message).where(Message.workspace_id == workspace_id, Message.task_id == task_id)
    return _page(list(session.exec(_ascending(query, Message, cursor, limit))), limit)


def list_documents(
    *,
    session: Session,
    workspace_id: int,
    task_id: int | None = None,
    type: str | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> Page[Document]:
    query = select(Document).where(Document.workspace_id == workspace_id)
    if task_id is not None:
        get_in_workspace(session, Task, task_id, workspace_id)
        query = query.where(Document.task_id == task_id)
    if type is not None:
        query = query.where(Document.type == type)
    return _page(list(session.exec(_ascending(query, Document, cursor, limit))), limit)


def list_versions(
    *, session: Session, workspace_id: int, document_id: int, content: bool = False,
    cursor: int | None = None, limit: int = 50,
) -> Page[DocumentVersion]:
    """A document's versions, oldest first. Their text is read only with `content` (a
    document may hold thousands of versions of up to 500,000 characters each)."""
    get_in_workspace(session, Document, document_id, workspace_id)
    query = select(DocumentVersion).where(DocumentVersion.document_id == document_id)
    if not content:
        query = query.options(defer(DocumentVersion.content))  # type: ignore[arg-type]
    return _page(list(session.exec(_ascending(query, DocumentVersion, cursor, limit))), limit)


def list_working_md_versions(
    *, session: Session, workspace_id: int, cursor: int | None = None, limit: int = 50
) -> Page[WorkingStateVersion]:
    """WORKING.md's versions, newest first, without their text (GET one version for it)."""
    query = (
        select(WorkingStateVersion)
        .where(WorkingStateVersion.workspace_id == workspace_id)
        .options(defer(WorkingStateVersion.notes), defer(WorkingStateVersion.content))  # type: ignore[arg-type]
    )
    return _page(list(session.exec(_descending(query, WorkingStateVersion, cursor, limit))), limit)


def list_activities(
    *,
    session: Session,
    workspace_id: int,
    agent_id: int | None = None,
    task_id: int | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> Page[Activity]:
    """The feed, newest first; by agent (what it did) or by task (what happened to it)."""
    query = select(Activity).where(Activity.workspace_id == workspace_id)
    if agent_id is not None:
        get_in_workspace(session, Agent, agent_id, workspace_id)
        query = query.where(Activity.actor_agent_id == agent_id)
    if task_id is not None:
        get_in_workspace(session, Task, task_id, workspace_id)
        query = query.where(Activity.task_id == task_id)
    return _page(list(session.exec(_descending(query, Activity, cursor, limit))), limit)


def list_notifications(
    *,
    session: Session,
    workspace_id: int,
    agent_id: int | None = None,
    user_id: int | None = None,
    unread_only: bool = False,
    cursor: int | None = None,
    limit: int = 50,
) -> Page[Notification]:
    """One recipient's notifications (exactly one of agent_id / user_id), newest first."""
    query = select(Notification).where(
        Notification.workspace_id == workspace_id,
        Notification.recipient_agent_id == agent_id,
        Notification.recipient_user_id == user_id,
    )
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return _page(list(session.exec(_descending(query, Notification, cursor, limit))), limit)


def ping(*, session: Session) -> None:
    """Raise if the database cannot answer a trivial query."""
    session.exec(select(1)).one()


def activities_after(
    *, session: Session, workspace_id: int, after: int, limit: int = 200
) -> list[Activity]:
    """Feed lines newer than `after`, oldest first (for streams resuming from an id)."""
    return list(
        session.exec(
            select(Activity)
            .where(Activity.workspace_id == workspace_id, col(Activity.id) > after)
            .order_by(col(Activity.id))
            .limit(limit)
        )
    )


def notifications_after(
    *, session: Session, workspace_id: int, agent_id: int, after: int, limit: int = 200
) -> list[Notification]:
    """An agent's notifications newer than `after`, oldest first."""
    return list(
        session.exec(
            select(Notification)
            .where(
                Notification.workspace_id == workspace_id,
                Notification.recipient_agent_id == agent_id,
                col(Notification.id) > after,
            )
            .order_by(col(Notification.id))
            .limit(limit)
        )
    )


def latest_ids(*, session: Session, workspace_id: int, agent_id: int | None = None) -> int:
    """The newest feed id (or the agent's newest notification id): where a fresh stream starts."""
    if agent_id is None:
        query = select(func.max(Activity.id)).where(Activity.workspace_id == workspace_id)
    else:
        query = select(func.max(Notification.id)).where(
            Notification.workspace_id == workspace_id, Notification.recipient_agent_id == agent_id
        )
    return int(session.exec(query).one() or 0)
