"""How a state handler calls the services: as the tab's operator, in the tab's workspace.

`write` runs one unit of work (commits, or rolls back on any error); `read` opens a read-only
session. Domain errors propagate, so each handler decides how to show them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mission_control.db import read_session, session_scope
from mission_control.state.session import current_context

T = TypeVar("T")


def write(change: Callable[..., T], **kwargs: Any) -> T:
    ctx = current_context()
    with session_scope() as session:
        return change(session=session, workspace_id=ctx.workspace_id, actor=ctx.actor, **kwargs)


def read(query: Callable[..., T], **kwargs: Any) -> T:
    ctx = current_context()
    with read_session() as session:
        return query(session=session, workspace_id=ctx.workspace_id, **kwargs)
