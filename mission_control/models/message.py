from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import (
    MessageType,
    created_at_field,
    enum_field,
    json_field,
    workspace_fk,
)


class Message(SQLModel, table=True):
    """One post in a task's thread; `parent_message_id` makes it a reply."""

    __table_args__ = (sa.Index("ix_message_thread", "task_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    task_id: int = Field(foreign_key="task.id", nullable=False, ondelete="CASCADE")
    parent_message_id: int | None = Field(
        default=None, foreign_key="message.id", index=True, ondelete="CASCADE"
    )
    author_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL")
    author_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    type: MessageType = enum_field(MessageType.comment)
    body: str = Field(sa_type=sa.Text, nullable=False)
    attachments: list[dict[str, Any]] = json_field(list)
    created_at: datetime = created_at_field()
