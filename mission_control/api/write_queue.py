"""Where the busiest API writes run.

On SQLite, when the write gate is free (no other writer in this or another process), the
write runs right here on the event loop: it takes about a millisecond of CPU, and handing it to
the threadpool and back (two thread switches, a wake-up of the loop, the GIL changing hands)
cost about as much again under load. When the gate is taken, the write waits in the threadpool
as usual, so the loop never blocks on another writer. PostgreSQL writes in parallel: there
they always go to the threadpool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from mission_control.db import write_gate_if_free

P = ParamSpec("P")
T = TypeVar("T")


async def run_write(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    with write_gate_if_free() as free:
        if free:
            return fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)
