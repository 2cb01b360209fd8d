"""Small helpers shared by the service modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel

from mission_control.errors import Invalid, NotFound

M = TypeVar("M", bound=SQLModel)
MAX_ID = 2_147_483_647  # row ids are 32-bit integers on every backend
S = TypeVar("S", bound=BaseModel)


def get_in_workspace(
    session: Session, model: type[M], obj_id: int, workspace_id: int, *, lock: bool = False
) -> M:
    """Fetch a row by id, refusing rows of another workspace as if they did not exist.

    `lock`: hold the row (FOR NO KEY UPDATE on PostgreSQL, the lock an update of it takes
    anyway) so a concurrent unit deciding on the same row waits and then sees this one's change
    (the row is read again even if this session has it already). SQLite needs nothing: its
    write units are exclusive (db._sqlite_begin).
    """
    if not isinstance(obj_id, int) or not 1 <= obj_id <= MAX_ID:  # from a URL, a form, a socket
        raise _missing(model, obj_id)
    if lock and session.get_bind().dialect.name != "sqlite":
        obj = session.get(model, obj_id, with_for_update={"key_share": True}, populate_existing=True)
    else:
        obj = session.get(model, obj_id)
    if obj is None or getattr(obj, "workspace_id", None) != workspace_id:
        raise _missing(model, obj_id)
    return obj


def _missing(model: type[SQLModel], obj_id: object) -> NotFound:
    label = getattr(model, "__tablename__", model.__name__.lower()).replace("_", " ")
    return NotFound(f"{label} {str(obj_id)[:40]} does not exist")


def parse_id(raw: object) -> int:
    """A row id typed or linked by a person (`12`, `#12`), or 0 if it cannot be one: not ASCII
    digits (`abc`, `²`), or beyond the ids rows can have (`99999999999999999999`)."""
    text = str(raw).strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return 0
    value = int(text)
    return value if 1 <= value <= MAX_ID else 0


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



@dataclass(frozen=True)
class PreparedInsert:
    statement: Any
    returned: tuple[str, ...]  # columns the database fills in: the id, then the computed ones


def insert_statement(model: type[SQLModel], **computed: Any) -> PreparedInsert:
    """A prepared INSERT of `model` for insert_row, returning the new id and the `computed`
    columns (SQL expressions the database evaluates in the same statement). Build it once: a
    statement built per call costs more than the ORM flush it replaces."""
    table = model.__table__  # type: ignore[attr-defined]
    returned = ("id", *computed)
    statement = insert(table).values(computed).returning(*(table.c[name] for name in returned))
    return PreparedInsert(statement, returned)


def insert_row(session: Session, row: M, prepared: PreparedInsert, **params: Any) -> M:
    """INSERT a new row with a prepared statement (insert_statement) and attach it to
    `session` as a loaded row; `params` feed the statement's own bind parameters.

    For the rows written on every busy API call (tasks, messages): the ORM's flush of one new
    object cost about three times the statement itself. The new id and computed columns come
    back through RETURNING and are set on `row`.
    """
    session.flush()  # what this unit added before counts (ids, positions)
    table = type(row).__table__  # type: ignore[attr-defined]
    values = {c.key: getattr(row, c.key) for c in table.columns if c.key not in prepared.returned}
    got = session.connection().execute(prepared.statement, {**values, **params}).one()
    for name, value in zip(prepared.returned, got, strict=True):
        setattr(row, name, value)
    make_transient_to_detached(row)  # as if loaded: no pending INSERT, no attribute history
    session.add(row)
    return row
