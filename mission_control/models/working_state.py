from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, workspace_fk


class WorkingStateVersion(SQLModel, table=True):
    """One version of the squad's WORKING.md. A write names the version it read."""

    __tablename__ = "working_state_version"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "version", name="uq_working_state_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    version: int = Field(nullable=False)
    content: str = Field(sa_type=sa.Text, nullable=False)
    notes: str = Field(default="", sa_type=sa.Text, nullable=False)
    author_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL")
    author_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
