"""Shared pieces of the API bodies: row ids, the response/request bases, a page of items."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")
RowId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
