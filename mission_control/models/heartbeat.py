from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, json_field, ts_field, workspace_fk


class HeartbeatRun(SQLModel, table=True):
    """One wake of one agent, with every step recorded (gate, context, call, actions, outcome)."""

    __tablename__ = "heartbeat_run"
    __table_args__ = (sa.Index("ix_heartbeat_agent_time", "agent_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    agent_id: int = Field(foreign_key="agent.id", nullable=False, ondelete="CASCADE")
    trigger: str = Field(default="interval", max_length=20)
    outcome: str = Field(default="running", max_length=20)
    gate_reason: str = Field(default="", max_length=200)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = ts_field()
    duration_ms: int | None = None
    context_chars: int = 0
    actions: list[dict[str, Any]] = json_field(list)
    changes: list[dict[str, Any]] = json_field(list)
    error: str | None = Field(default=None, sa_type=sa.Text)
    tokens_in: int = 0
    tokens_out: int = 0
