from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import ActorType, created_at_field, enum_field, workspace_fk


class AuditEvent(SQLModel, table=True):
    """Append-only record of every mutation: who did what to which object, before and after.

    `prev_hash`/`hash` chain the rows per workspace so an edited or deleted row is detectable.
    """

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    actor_type: ActorType = enum_field(ActorType.system)
    actor_id: int | None = None
    actor_name: str = Field(default="system", max_length=64)
    action: str = Field(max_length=40)
    target_type: str = Field(max_length=30)
    target_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    origin: str = Field(default="service", max_length=20)
    at: datetime = created_at_field()
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
