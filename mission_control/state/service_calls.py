"""How a page state calls the services: as the signed-in operator, in their workspace.

`write` checks the operator may change things (`Permission.work`, as the API does) and runs
one unit of work (commits, or rolls back on any error); `read` opens a read-only session.
Domain errors (Forbidden, Unauthenticated included) propagate: each handler shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mission_control.db import read_session, session_scope
from mission_control.services.authz import Permission
from mission_control.state.session import UiContext

T = TypeVar("T")


def write(ctx: UiContext, change: Callable[..., T], **kwargs: Any) -> T:
    ctx = ctx.require(Permission.work)
    with session_scope() as session:
        return change(session=session, workspace_id=ctx.workspace_id, actor=ctx.actor, **kwargs)


def read(ctx: UiContext, query: Callable[..., T], **kwargs: Any) -> T:
    with read_session() as session:
        return query(session=session, workspace_id=ctx.workspace_id, **kwargs)
