"""Small helpers shared by the service modules."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, SQLModel

from mission_control.errors import Invalid, NotFound

M = TypeVar("M", bound=SQLModel)
S = TypeVar("S", bound=BaseModel)


def get_in_workspace(
    session: Session, model: type[M], obj_id: int, workspace_id: int, *, lock: bool = False
) -> M:
    """Fetch a row by id, refusing rows of another workspace as if they did not exist.

    `lock`: hold the row (FOR NO KEY UPDATE on PostgreSQL, the lock an update of it takes
    anyway) so a concurrent unit deciding on the same row waits and then sees this one's change.
    """
    obj = session.get(model, obj_id, with_for_update={"key_share": True} if lock else None)
    if obj is None or getattr(obj, "workspace_id", None) != workspace_id:
        label = getattr(model, "__tablename__", model.__name__.lower()).replace("_", " ")
        raise NotFound(f"{label} {obj_id} does not exist")
    return obj


def validate(schema: type[S], data: Any) -> S:
    """Validate input into a schema, turning pydantic's errors into one readable Invalid."""
    if isinstance(data, schema):
        data = data.model_dump(exclude_unset=True)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "input"
            fields[name] = err["msg"]
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
        raise Invalid(f"invalid input — {summary}", details={"fields": fields}) from exc
