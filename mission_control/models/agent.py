import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from mission_control.models.base import (
    AgentStatus,
    DriverType,
    created_at_field,
    enum_field,
    json_field,
    ts_field,
    workspace_fk,
)

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,39}$"


def clean_capabilities(value: list[str]) -> list[str]:
    """Trim, lowercase and de-duplicate capabilities, dropping empty ones."""
    cleaned: list[str] = []
    for cap in value:
        cap = cap.strip().lower()
        if not cap:
            continue
        if len(cap) > 40:
            raise ValueError(f"capability '{cap[:40]}…' is longer than 40 characters")
        if cap not in cleaned:
            cleaned.append(cap)
    return cleaned


class AgentBase(SQLModel):
    # (sqlmodel's `regex=` is not enforced under pydantic 2, hence the validator below.)
    name: str = Field(max_length=40)
    role: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=2000)
    heartbeat_interval_s: int = Field(default=900, ge=30, le=86400)
    driver_type: DriverType = enum_field(DriverType.external)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not re.match(NAME_PATTERN, value):
            raise ValueError(
                "a name starts with a letter, then up to 39 letters, digits, - or _ (no spaces)"
            )
        return value


class Agent(AgentBase, table=True):
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name", name="uq_agent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    session_key: str = Field(max_length=100, unique=True)
    status: AgentStatus = enum_field(AgentStatus.idle)
    paused: bool = False
    # Granted by an admin: this agent's keys may delete tasks and documents (off by default,
    # so a prompt-injected agent cannot wipe the board).
    can_delete: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    capabilities: list[str] = json_field(list)
    driver_config: dict[str, Any] = json_field(dict)
    last_seen_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    # Heartbeat engine state (written by services/heartbeats.py only).
    next_heartbeat_at: datetime | None = ts_field()
    last_heartbeat_at: datetime | None = ts_field()
    wake_requested_at: datetime | None = ts_field(index=True)
    wake_force: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    consecutive_failures: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    missed_heartbeats: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    circuit_state: str = Field(
        default="closed", max_length=16, sa_column_kwargs={"server_default": "closed"}
    )
    circuit_opened_at: datetime | None = ts_field()
    blocked_reason: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # What the agent has already seen: newest Activity id, WORKING.md version, check time.
    hb_activity_mark: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    hb_working_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    hb_checked_at: datetime | None = ts_field()


class AgentCreate(AgentBase):
    can_delete: bool = False
    capabilities: list[str] = Field(default_factory=list)
    driver_config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("capabilities")
    @classmethod
    def _clean_capabilities(cls, value: list[str]) -> list[str]:
        return clean_capabilities(value)


class AgentUpdate(SQLModel):
    role: str | None = Field(default=None, min_length=1, max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    heartbeat_interval_s: int | None = Field(default=None, ge=30, le=86400)
    driver_type: DriverType | None = None
    can_delete: bool | None = None
    capabilities: list[str] | None = None
    driver_config: dict[str, Any] | None = None

    @field_validator("capabilities")
    @classmethod
    def _clean_capabilities(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else clean_capabilities(value)
