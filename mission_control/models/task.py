from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import (
    GivenDatetime,
    Priority,
    TaskStatus,
    created_at_field,
    enum_field,
    ts_field,
    workspace_fk,
)


class TaskBase(SQLModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    priority: Priority = enum_field(Priority.medium)


class Task(TaskBase, table=True):
    __table_args__ = (
        # The board reads a workspace's cards column by column, in order.
        sa.Index("ix_task_board", "workspace_id", "status", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    status: TaskStatus = enum_field(TaskStatus.inbox)
    position: int = Field(default=0, nullable=False)
    due_at: datetime | None = ts_field()
    parent_task_id: int | None = Field(
        default=None, foreign_key="task.id", index=True, ondelete="CASCADE"
    )
    created_by_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL")
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    status_changed_at: datetime = created_at_field()


class TaskCreate(TaskBase):
    due_at: GivenDatetime | None = None
    parent_task_id: int | None = None
    assignee_ids: list[int] = Field(default_factory=list)
    depends_on_ids: list[int] = Field(default_factory=list)


class TaskUpdate(SQLModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20000)
    priority: Priority | None = None
    due_at: GivenDatetime | None = None


class TaskAssignee(SQLModel, table=True):
    __tablename__ = "task_assignee"

    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, index=True, ondelete="CASCADE")
    workspace_id: int = workspace_fk()
    assigned_at: datetime = created_at_field()


class TaskDependency(SQLModel, table=True):
    """`task_id` cannot start until `depends_on_id` is done."""

    __tablename__ = "task_dependency"

    task_id: int = Field(foreign_key="task.id", primary_key=True, ondelete="CASCADE")
    depends_on_id: int = Field(
        foreign_key="task.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    workspace_id: int = workspace_fk()
    created_at: datetime = created_at_field()
