"""Bodies for tasks, messages, documents, the feed, notifications, health and audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from mission_control.api.schemas.base import GivenDatetime, In, Out, RowId
from mission_control.models import (
    DocumentType,
    MessageType,
    Priority,
    TaskStatus,
)

# --------------------------------------------------------------------------- tasks


class TaskOut(Out):
    id: int
    title: str
    description: str
    priority: Priority
    status: TaskStatus
    position: int
    due_at: datetime | None
    parent_task_id: int | None
    created_by_agent_id: int | None
    created_by_user_id: int | None
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    assignee_ids: list[int] = Field(default_factory=list)
    depends_on_ids: list[int] = Field(default_factory=list)
    blocked_by: list[int] = Field(default_factory=list, description="Dependencies not done yet.")
    subtask_ids: list[int] = Field(default_factory=list)


class TaskIn(In):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    priority: Priority = Priority.medium
    due_at: GivenDatetime | None = None
    parent_task_id: RowId | None = None
    assignee_ids: list[RowId] = Field(default_factory=list, max_length=50)
    depends_on_ids: list[RowId] = Field(default_factory=list, max_length=50)


class SubtaskIn(In):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    priority: Priority = Priority.medium
    due_at: GivenDatetime | None = None
    assignee_ids: list[RowId] = Field(default_factory=list, max_length=50)


class TaskPatch(In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    priority: Priority | None = None
    due_at: GivenDatetime | None = None


class Move(In):
    status: TaskStatus
    index: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Position in the column; end if absent."
    )


class Approve(In):
    note: str = Field(default="", max_length=2000, description="Optional words for the thread.")


class Reject(In):
    reason: str = Field(min_length=3, max_length=2000, description="What needs to change; posted in the thread.")


class AssigneeIn(In):
    agent_id: RowId


class DependencyIn(In):
    depends_on_id: RowId


# --------------------------------------------------------------------------- messages


class Attachment(In):
    name: str = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, max_length=2000)
    size: int | None = Field(default=None, ge=0, le=2**53)
    mime: str | None = Field(default=None, max_length=100)


class MessageIn(In):
    body: str = Field(min_length=1, max_length=20000)
    type: MessageType = MessageType.comment
    parent_message_id: RowId | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)


class MessageOut(Out):
    id: int
    task_id: int
    parent_message_id: int | None
    author_agent_id: int | None
    author_user_id: int | None
    type: MessageType
    body: str
    attachments: list[dict[str, Any]]
    created_at: datetime


class MessagePosted(MessageOut):
    notified: list[str] = Field(description="Agents and operators notified by @mention.")
    unknown_mentions: list[str]


# --------------------------------------------------------------------------- documents


class DocumentSummary(Out):
    id: int
    title: str
    type: DocumentType
    task_id: int | None
    version: int
    created_by_agent_id: int | None
    created_by_user_id: int | None
    created_at: datetime
    updated_at: datetime


class DocumentOut(DocumentSummary):
    content: str


class DocumentIn(In):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(default="", max_length=500_000)
    type: DocumentType = DocumentType.deliverable
    task_id: RowId | None = None


class DocumentPut(In):
    content: str = Field(max_length=500_000)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    base_version: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="The version you edited; 409 if it changed since.",
    )


class VersionOut(Out):
    version: int
    title: str
    content: str | None = Field(
        default=None, description="The text: always for one version, in a list only with `include=content`."
    )
    author_agent_id: int | None
    author_user_id: int | None
    created_at: datetime


# --------------------------------------------------------------------------- feed & bell


class ActivityOut(Out):
    id: int
    event_type: str
    actor_type: str
    actor_agent_id: int | None
    actor_user_id: int | None
    actor_name: str
    task_id: int | None
    text: str
    details: dict[str, Any]
    created_at: datetime


class NotificationOut(Out):
    id: int
    kind: str
    text: str
    task_id: int | None
    message_id: int | None
    read_at: datetime | None
    created_at: datetime


class ReadAll(BaseModel):
    marked_read: int


class Health(BaseModel):
    status: str = Field(description="ok, or unavailable when any check fails.")
    database: str
    version: str | None = Field(description="Only for an admin's key or MC_METRICS_TOKEN.")
    checks: dict[str, str] = Field(
        default_factory=dict,
        description="Each check (database, redis, memory...): ok or failing; what it found or "
        "why it fails only for an admin's key or MC_METRICS_TOKEN.",
    )


class AuditCheck(BaseModel):
    ok: bool
    workspace_id: int
    checked: int
    head_id: int | None
    head_hash: str
    problems: list[dict[str, Any]]
