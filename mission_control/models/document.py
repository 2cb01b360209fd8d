from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import DocumentType, created_at_field, enum_field, workspace_fk


class Document(SQLModel, table=True):
    """A markdown document; its content is the latest DocumentVersion's, kept here for listing."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    title: str = Field(max_length=200)
    type: DocumentType = enum_field(DocumentType.deliverable)
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True, ondelete="SET NULL")
    content: str = Field(default="", sa_type=sa.Text, nullable=False)
    version: int = Field(default=1, nullable=False)
    created_by_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL")
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DocumentVersion(SQLModel, table=True):
    __tablename__ = "document_version"
    __table_args__ = (sa.UniqueConstraint("document_id", "version", name="uq_document_version"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    document_id: int = Field(foreign_key="document.id", nullable=False, ondelete="CASCADE")
    version: int = Field(nullable=False)
    title: str = Field(max_length=200)
    content: str = Field(sa_type=sa.Text, nullable=False)
    author_agent_id: int | None = Field(default=None, foreign_key="agent.id", ondelete="SET NULL")
    author_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
