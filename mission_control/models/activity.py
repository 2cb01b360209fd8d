from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import (
    ActorType,
    created_at_field,
    enum_field,
    json_field,
    workspace_fk,
)


class Activity(SQLModel, table=True):
    """One line of the live feed. Written in the same transaction as the change it describes."""

    __table_args__ = (
        sa.Index("ix_activity_feed", "workspace_id", "id"),
        sa.Index("ix_activity_task", "task_id", "id"),
        sa.Index("ix_activity_agent", "actor_agent_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    event_type: str = Field(max_length=40)
    actor_type: ActorType = enum_field(ActorType.system)
    actor_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL")
    actor_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor_name: str = Field(default="system", max_length=64)
    task_id: int | None = Field(default=None, foreign_key="task.id", ondelete="SET NULL")
    text: str = Field(max_length=500)
    details: dict[str, Any] = json_field(dict)
    created_at: datetime = created_at_field()
