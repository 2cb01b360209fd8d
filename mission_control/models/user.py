from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import UserRole, created_at_field, enum_field, workspace_fk


class User(SQLModel, table=True):
    """A human operator. `handle` is what others type after @ to mention them."""

    __table_args__ = (sa.UniqueConstraint("workspace_id", "handle", name="uq_user_handle"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = workspace_fk()
    handle: str = Field(max_length=64)
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254)
    role: UserRole = enum_field(UserRole.operator)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = True
    created_at: datetime = created_at_field()
