from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, ts_field, workspace_fk


class Notification(SQLModel, table=True):
    """Something a recipient (agent or operator) should see: a mention, an assignment, ..."""

    __table_args__ = (
        sa.Index("ix_notification_agent_unread", "recipient_agent_id", "read_at", "id"),
        sa.Index("ix_notification_user_unread", "recipient_user_id", "read_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    recipient_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="CASCADE")
    recipient_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(default="mention", max_length=30)
    text: str = Field(max_length=500)
    task_id: int | None = Field(default=None, foreign_key="task.id", ondelete="CASCADE")
    message_id: int | None = Field(default=None, foreign_key="message.id", ondelete="CASCADE")
    delivered_at: datetime | None = ts_field()
    read_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
