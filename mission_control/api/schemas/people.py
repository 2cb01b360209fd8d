"""Bodies for agents, keys and operators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from mission_control.api.schemas.base import In, Out, as_row
from mission_control.models import (
    AgentStatus,
    DriverType,
    UserRole,
)
from mission_control.services import secrets

# --------------------------------------------------------------------------- agents

Capability = Annotated[str, Field(max_length=40)]


class AgentOut(Out):
    id: int
    name: str
    role: str
    description: str
    status: AgentStatus
    paused: bool
    can_delete: bool = Field(description="May delete tasks and documents (granted by an admin).")
    capabilities: list[str]
    heartbeat_interval_s: int
    driver_type: DriverType
    driver_config: dict[str, Any] = Field(
        default_factory=dict, description="The driver's settings without its secrets."
    )
    driver_secrets: dict[str, bool] = Field(
        default_factory=dict,
        description="Each driver secret (api_key, secret, ...): set or not. Values are never returned.",
    )
    session_key: str
    last_seen_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _secrets_stay_on_the_server(cls, data: Any) -> Any:
        row = as_row(data, cls)
        config = row.get("driver_config") or {}
        return {
            **row,
            "driver_config": secrets.public_config(config),
            "driver_secrets": secrets.secret_status(str(row.get("driver_type")), config),
        }


class AgentIn(In):
    name: str = Field(
        min_length=1, max_length=40, description="Unique in the workspace; used in @mentions."
    )
    role: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=2000)
    heartbeat_interval_s: int = Field(default=900, ge=30, le=86400)
    driver_type: DriverType = DriverType.external
    can_delete: bool = Field(default=False, description="Let its keys delete tasks and documents.")
    capabilities: list[Capability] = Field(default_factory=list, max_length=50)
    driver_config: dict[str, Any] = Field(default_factory=dict)


class AgentPatch(In):
    role: str | None = Field(default=None, min_length=1, max_length=40)
    description: str | None = Field(default=None, max_length=2000)
    heartbeat_interval_s: int | None = Field(default=None, ge=30, le=86400)
    driver_type: DriverType | None = None
    can_delete: bool | None = Field(default=None, description="Let its keys delete tasks and documents.")
    capabilities: list[Capability] | None = Field(default=None, max_length=50)
    driver_config: dict[str, Any] | None = Field(
        default=None,
        description="Replaces the settings. A secret (api_key, secret) left out, \"\" or \"(set)\" "
        "keeps its stored value, a new value replaces it, null removes it.",
    )
    paused: bool | None = None


class CheckIn(In):
    status: AgentStatus | None = Field(default=None, description="idle, active or blocked.")
    note: str = Field(default="", max_length=200)


class CheckInOut(Out):
    agent: AgentOut
    unread_notifications: int


class WakeIn(In):
    force: bool = Field(default=False, description="Call the driver even if nothing is new.")


class WakeOut(BaseModel):
    agent: AgentOut
    via: str = Field(
        description="`heartbeat` (we call its driver now) or `gateway` (an external agent: "
        "a `wake` frame on its WebSocket channel)."
    )


# --------------------------------------------------------------------------- keys & people


class KeyOut(Out):
    id: int
    name: str
    prefix: str
    agent_id: int | None
    user_id: int | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    token: str = Field(description="The secret. Shown only now: store it, it cannot be read again.")


class KeyCreate(In):
    name: str = Field(default="", max_length=80)


class Login(In):
    workspace: str = Field(min_length=1, max_length=64)
    handle: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field(default="", max_length=80, description="A label for the new token.")


class UserOut(Out):
    id: int
    handle: str
    display_name: str
    email: str | None
    role: UserRole
    is_active: bool
    created_at: datetime


class UserCreate(In):
    handle: str = Field(min_length=1, max_length=40)
    display_name: str = Field(default="", max_length=120)
    email: str | None = Field(default=None, max_length=254)
    role: UserRole = UserRole.operator
    password: str | None = Field(
        default=None,
        min_length=12,
        max_length=1024,
        description="Generated and returned if absent.",
    )


class UserCreated(UserOut):
    password: str | None = Field(
        description="The generated password, shown only now (null if you set one)."
    )


class WorkspaceOut(Out):
    id: int
    slug: str
    name: str


class WhoAmI(BaseModel):
    type: str = Field(description="agent or user")
    id: int
    name: str
    role: str
    workspace: WorkspaceOut
    key_id: int | None
