from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, json_field, ts_field, workspace_fk


class HeartbeatRun(SQLModel, table=True):
    """One wake of one agent, with every step recorded (gate, context, call, actions, outcome).

    outcome: running | skipped | ok | no_change | unverified | failed | circuit_open | aborted.
    `flag` says why a run needs a look (e.g. it claimed progress but changed nothing).
    """

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
    driver: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    refused: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=sa.JSON, nullable=False, sa_column_kwargs={"server_default": "[]"}
    )
    summary: str = Field(
        default="", sa_type=sa.Text, nullable=False, sa_column_kwargs={"server_default": ""}
    )
    flag: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    # What memory retrieval put into the context: [{"id", "kind", "score", "source"}].
    memories: list[dict[str, Any]] = Field(
        default_factory=list, sa_type=sa.JSON, nullable=False, sa_column_kwargs={"server_default": "[]"}
    )


class HeartbeatTaskUsage(SQLModel, table=True):
    """Tokens a run spent, attributed to the tasks its applied actions touched (split evenly)."""

    __tablename__ = "heartbeat_task_usage"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    run_id: int = Field(foreign_key="heartbeat_run.id", nullable=False, index=True, ondelete="CASCADE")
    task_id: int = Field(foreign_key="task.id", nullable=False, index=True, ondelete="CASCADE")
    agent_id: int = Field(foreign_key="agent.id", nullable=False, ondelete="CASCADE")
    tokens_in: int = 0
    tokens_out: int = 0
    created_at: datetime = created_at_field()


class SchedulerLease(SQLModel, table=True):
    """Who runs the scheduler. One row per lease name; the holder renews it before `expires_at`.

    `epoch` grows on every change of holder: a fencing token that lets a former holder notice
    (before it writes) that someone else has taken over.
    """

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    epoch: int = 1
    acquired_at: datetime = created_at_field()
    expires_at: datetime = created_at_field()
