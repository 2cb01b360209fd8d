"""How a page state calls the services: as the signed-in operator, in their workspace.

`write` checks the operator may change things (`Permission.work`, as the API does) and runs
one unit of work (commits, or rolls back on any error); `read` opens a read-only session.
Domain errors (Forbidden, Unauthenticated included) propagate: each handler shows them.

A handler that writes is marked `@off_loop`: Reflex runs plain handlers on the event loop, and
a unit of work may wait there for the write gate (another writer, up to 30 s on SQLite), or for
the disk to take the commit, while every other tab of the worker waits with it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from mission_control.db import read_session, session_scope
from mission_control.services.authz import Permission
from mission_control.state.session import UiContext

T = TypeVar("T")
P = ParamSpec("P")


def off_loop(handler: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run a plain event handler in a worker thread (put it under `@rx.event`). The tab's state
    is locked for the event meanwhile, so nothing else touches it."""

    @functools.wraps(handler)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.to_thread(handler, *args, **kwargs)

    return run


def write(ctx: UiContext, change: Callable[..., T], **kwargs: Any) -> T:
    ctx = ctx.require(Permission.work)
    with session_scope() as session:
        return change(session=session, workspace_id=ctx.workspace_id, actor=ctx.actor, **kwargs)


def read(ctx: UiContext, query: Callable[..., T], **kwargs: Any) -> T:
    with read_session() as session:
        return query(session=session, workspace_id=ctx.workspace_id, **kwargs)
