"""Shared pieces of the API bodies: row ids, the response/request bases, a page of items."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A date given in a request body: timezone required, year 1971-9997.
from mission_control.models.base import GivenDatetime as GivenDatetime

T = TypeVar("T")
RowId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# PostgreSQL text cannot hold NUL: text fields refuse it (422, by field) on every backend,
# and the OpenAPI spec says so, so clients and the fuzzer know. (JSON columns escape it.)
NO_NUL = r"^[^\x00]*$"


def _document_no_nul(schema: dict[str, Any]) -> None:
    def mark(node: dict[str, Any]) -> None:
        if node.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(node):
            node["pattern"] = NO_NUL
        for sub in node.get("anyOf", []):
            mark(sub)

    for prop in schema.get("properties", {}).values():
        mark(prop)


def as_row(data: Any, model: type[BaseModel], *extra: str) -> dict[str, Any]:
    """What a "before" validator gets (a dict or a table row) as a dict of the model's fields
    and `extra` ones, so it can derive fields from columns it must not pass on (secrets)."""
    if isinstance(data, dict):
        return dict(data)
    return {name: getattr(data, name) for name in (*model.model_fields, *extra) if hasattr(data, name)}


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_no_nul)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL (\\x00) characters")
        return value


def _has_nul(value: Any) -> bool:
    # Lists and free-form objects too (capabilities, driver settings): their text ends up in
    # text columns, prompts and pages just the same.
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
