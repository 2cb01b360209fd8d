from datetime import datetime

from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field, ts_field, workspace_fk


class ApiKey(SQLModel, table=True):
    """An agent's key or an operator's personal token. Only a hash of the secret is stored."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=80)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=128, unique=True)
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = ts_field()
    revoked_at: datetime | None = ts_field()
