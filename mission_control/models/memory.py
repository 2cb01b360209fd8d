from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, json_field, ts_field, workspace_fk


class MemoryItem(SQLModel, table=True):
    """One passage an agent (or the whole squad) can recall by meaning.

    The database is the source of truth; the vector store holds one point per row (point id =
    row id) and is rebuilt from here. `indexed_at` NULL means the indexer still has work on the
    row: embed it, or, when `forgotten_at` is set, remove its vector and then the row.
    `version` grows on every change so the indexer never marks a newer text as indexed.

    agent_id NULL is the shared scope; otherwise the row is private to that agent. Sources are
    plain ids, not foreign keys: a deleted source marks its memories forgotten (the indexer then
    removes vector and row), which a cascade would skip.
    kind: task | message | document | task_outcome | note.
    """

    __tablename__ = "memory_item"
    __table_args__ = (
        sa.Index("ix_memory_source", "source_type", "source_id"),
        sa.Index("ix_memory_agent", "workspace_id", "agent_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    agent_id: int | None = Field(default=None)
    kind: str = Field(max_length=20)
    source_type: str = Field(max_length=20)
    source_id: int | None = Field(default=None)
    chunk: int = Field(default=0)
    task_id: int | None = Field(default=None, index=True)
    title: str = Field(default="", max_length=200)
    text: str = Field(sa_type=sa.Text, nullable=False)
    tags: list[str] = json_field(list)
    value: float = Field(default=1.0)
    hits: int = Field(default=0)
    version: int = Field(default=1)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    indexed_at: datetime | None = ts_field(index=True)
    forgotten_at: datetime | None = ts_field()
    last_hit_at: datetime | None = ts_field()
