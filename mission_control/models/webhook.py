from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, json_field, ts_field, workspace_fk


class Webhook(SQLModel, table=True):
    """An outbound webhook of a workspace: which events go where, signed with `secret`."""

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    url: str = Field(max_length=2000)
    # Kept as is (not hashed): we need it to sign every delivery.
    secret: str = Field(max_length=200)
    events: list[str] = json_field(list)
    slack_format: bool = False
    active: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class WebhookDelivery(SQLModel, table=True):
    """One event for one webhook (an outbox row, written with the change that caused it),
    and how its delivery went: pending -> delivered, or failed after the last attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    webhook_id: int = Field(foreign_key="webhook.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=40)
    payload: dict[str, Any] = json_field(dict)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    response_code: int | None = None
    error: str = Field(default="", max_length=500)
    next_attempt_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    delivered_at: datetime | None = ts_field()
