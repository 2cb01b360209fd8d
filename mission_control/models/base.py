"""Shared column types and enums for the tables.

No `from __future__ import annotations` in models: SQLModel reads field annotations at class
creation, and real types keep that simple.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AfterValidator, WithJsonSchema
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


# Dates people and agents give (due dates): a timezone, and a year as written from 1971 to 9997,
# so every offset still lands in 1970-9998 UTC. Beyond that a UTC conversion overflows
# (9999-12-31T23:59-23:59) or the date is surely a typo; either way a field error, not a 500.
MIN_GIVEN_YEAR, MAX_GIVEN_YEAR = 1971, 9997
GIVEN_YEAR_PATTERN = r"^(19[7-9][1-9]|19[89]0|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-7])-"


def given_datetime(value: datetime) -> datetime:
    """A date someone typed, checked and turned into UTC (pydantic reports the ValueError
    under the field's name). Checked in UTC, one year wider than as written, so a date that
    was already checked and converted passes again (the API's schema, then the service's)."""
    if value.tzinfo is None:
        raise ValueError("give a timezone, e.g. 2030-01-31T17:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59-23:59
        utc = None
    if utc is None or not MIN_GIVEN_YEAR - 1 <= utc.year <= MAX_GIVEN_YEAR + 1:
        raise ValueError(f"out of range: give a date from {MIN_GIVEN_YEAR} to {MAX_GIVEN_YEAR}")
    return utc


GivenDatetime = Annotated[
    datetime,
    AfterValidator(given_datetime),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": GIVEN_YEAR_PATTERN}),
]


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
