"""Bodies for outbound webhooks and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from mission_control.api.schemas.base import In, Out, as_row
from mission_control.events import WebhookEvent


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]
    slack_format: bool
    active: bool
    secret_set: bool = Field(default=True, description="The signing secret is never returned.")
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _secret_stays_on_the_server(cls, data: Any) -> Any:
        row = as_row(data, cls, "secret")  # `secret` itself is kept only by WebhookCreated
        return {**row, "secret_set": bool(row.get("secret"))}


class WebhookCreated(WebhookOut):
    secret: str | None = Field(
        description="Signs every delivery (X-MC-Signature). Shown once, if it was generated; "
        "null when the request chose it."
    )


class WebhookIn(In):
    url: str = Field(min_length=8, max_length=2000, description="http(s) address to POST to.")
    events: list[WebhookEvent] = Field(min_length=1, max_length=4)
    secret: str | None = Field(
        default=None, min_length=16, max_length=200, description="Omit to have one generated."
    )
    slack_format: bool = Field(default=False, description='Send only {"text": ...} (Slack).')
    active: bool = True


class WebhookPatch(In):
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    events: list[WebhookEvent] | None = Field(default=None, min_length=1, max_length=4)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    slack_format: bool | None = None
    active: bool | None = None


class DeliveryOut(Out):
    id: int
    webhook_id: int
    event: str
    payload: dict[str, Any]
    status: str = Field(description="pending, delivered, failed or cancelled.")
    attempts: int
    response_code: int | None
    error: str
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
