from datetime import datetime

from sqlmodel import Field, SQLModel

from mission_control.models.base import created_at_field


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=120)
    created_at: datetime = created_at_field()
