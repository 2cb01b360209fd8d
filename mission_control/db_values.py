"""The last check before a statement reaches the database: values no backend stores alike.

Request schemas and services refuse bad input by field first. This catches what slips past
them from any door (a UI handler, the CLI, a driver action): text with NUL, which PostgreSQL
refuses (a 500) while SQLite keeps it, and integers past 64 bits, which SQLite cannot bind
(an OverflowError). Either becomes Invalid (422 in the API, an error message in the UI), naming
the column the value was meant for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, event

from mission_control.errors import Invalid

INT64 = (-(2**63), 2**63 - 1)
_BIND_SUFFIX = re.compile(r"_\d+$")


def _problem(value: Any) -> str | None:
    if isinstance(value, str):
        return "must not contain NUL (\\x00) characters" if "\x00" in value else None
    if isinstance(value, int) and not isinstance(value, bool):
        return None if INT64[0] <= value <= INT64[1] else "number out of range"
    return None


def _check(params: Any, names: Any) -> None:
    if isinstance(params, Mapping):
        items: Any = params.items()
    elif isinstance(params, list | tuple):
        if params and isinstance(params[0], Mapping | list | tuple):  # executemany
            for row in params:
                _check(row, names)
            return
        # Positional parameters (SQLite): the compiled statement knows their names.
        names = names if names and len(names) == len(params) else [f"value {i + 1}" for i in range(len(params))]
        items = zip(names, params, strict=True)
    else:
        return
    for key, value in items:
        problem = _problem(value)
        if problem:
            field = _BIND_SUFFIX.sub("", str(key))
            raise Invalid(f"invalid input — {field}: {problem}", details={"fields": {field: problem}})


def _before_execute(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, context: Any, _many: bool
) -> None:
    compiled = getattr(context, "compiled", None)
    _check(parameters, getattr(compiled, "positiontup", None))


def install(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _before_execute)
