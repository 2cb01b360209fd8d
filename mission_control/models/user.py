from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from mission_control.models.base import (
    UserRole,
    created_at_field,
    enum_field,
    ts_field,
    workspace_fk,
)


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
    # No longer written: failed sign-ins are counted per address and per handle, known or not
    # (mission_control/sign_in.py), so they reveal nothing. Kept until a migration drops them.
    failed_login_count: int = Field(
        default=0, nullable=False, sa_column_kwargs={"server_default": "0"}
    )
    locked_until: datetime | None = ts_field()
    last_login_at: datetime | None = ts_field()
    created_at: datetime = created_at_field()
