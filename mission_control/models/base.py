"""Shared column types and enums for the tables.

No `from __future__ import annotations` in models: SQLModel reads field annotations at class
creation, and real types keep that simple.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def ts_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def workspace_fk() -> Any:
    return Field(foreign_key="workspace.id", nullable=False, index=True, ondelete="CASCADE")


def enum_field(default: StrEnum, length: int = 16) -> Any:
    return Field(default=default, sa_type=sa.String(length), nullable=False)


def json_field(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


class UserRole(StrEnum):
    admin = "admin"
    operator = "operator"
    viewer = "viewer"


class AgentStatus(StrEnum):
    idle = "idle"
    active = "active"
    blocked = "blocked"
    offline = "offline"


class DriverType(StrEnum):
    openai = "openai"
    webhook = "webhook"
    builtin = "builtin"
    external = "external"  # joins over the API/CLI/MCP and is never called by us


class TaskStatus(StrEnum):
    inbox = "inbox"
    assigned = "assigned"
    in_progress = "in_progress"
    review = "review"
    done = "done"


TASK_COLUMNS: tuple[TaskStatus, ...] = tuple(TaskStatus)


class Priority(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    urgent = "urgent"


class MessageType(StrEnum):
    comment = "comment"
    status_update = "status_update"
    question = "question"
    answer = "answer"


class DocumentType(StrEnum):
    deliverable = "deliverable"
    research = "research"
    protocol = "protocol"


class ActorType(StrEnum):
    user = "user"
    agent = "agent"
    system = "system"
