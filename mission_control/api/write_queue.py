"""Where the busiest API writes run: on SQLite, in batches sharing one transaction.

SQLite has one writer at a time, so concurrent writes queue anyway. Here they queue on the event
loop: a write joins the batch waiting to run, and the batch runs as soon as the loop gets to it,
every write in it inside one transaction (db.shared_unit: one BEGIN and one COMMIT for all,
where the commit was a third of a lone write's cost). Each caller gets its answer only after
that commit, so an acknowledged write is a durable one.

If a write in the batch fails, the transaction rolls back and the batch runs again in order:
the writes before the failing one together, the failing one on its own, the rest as a new
batch. The failure reaches only its caller, exactly as it would have without batching (the
writes before it are then in place, as they were when it failed).

When the write gate is free (no other writer in this or another process) the batch runs right
on the event loop: a write is about a millisecond of CPU, and handing it to the threadpool and
back cost about as much again. When the gate is taken, the batch waits in the threadpool so
the loop never blocks on another writer. PostgreSQL writes in parallel: there each write goes
to the threadpool on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from mission_control.db import has_write_gate, shared_unit, write_gate_if_free
from mission_control.observe.metrics import write_batch_size

P = ParamSpec("P")
T = TypeVar("T")

# A batch on the event loop holds it up for about a millisecond a write: the loop gets a turn
# between batches, and the first write of a batch does not wait long for the last.
MAX_BATCH = 16

Call = Callable[[], Any]
Outcome = tuple[bool, Any]  # (succeeded, result or exception)
_waiting: dict[asyncio.AbstractEventLoop, list[tuple[Call, asyncio.Future[Any]]]] = {}
_running: set[asyncio.Task[None]] = set()  # batches in the threadpool, kept from the GC


async def run_write(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    call = partial(fn, *args, **kwargs)
    if not has_write_gate():
        return await run_in_threadpool(call)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    batch = _waiting.setdefault(loop, [])
    batch.append((call, future))
    if len(batch) == 1:
        # Two turns of the loop later: requests already due, and those a turn behind them
        # (still reading their body), join this batch first.
        loop.call_soon(_hop, loop)
    return await future


def _hop(loop: asyncio.AbstractEventLoop) -> None:
    loop.call_soon(_start, loop)


def _start(loop: asyncio.AbstractEventLoop) -> None:
    waiting = _waiting.pop(loop, [])
    part, rest = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
    if rest:  # the next batch, after whatever else the loop has to do
        _waiting[loop] = rest
        loop.call_soon(_start, loop)
    write_batch_size.observe(len(part))
    with write_gate_if_free() as free:
        if free:
            _settle(part, run_batch([call for call, _ in part]))
            return
    task = loop.create_task(_in_threadpool(part))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _in_threadpool(part: list[tuple[Call, asyncio.Future[Any]]]) -> None:
    try:
        outcomes = await run_in_threadpool(run_batch, [call for call, _ in part])
    except BaseException as exc:  # cancelled at shutdown: nobody is left waiting for an answer
        outcomes = [(False, exc)] * len(part)
    _settle(part, outcomes)


def _settle(part: list[tuple[Call, asyncio.Future[Any]]], outcomes: list[Outcome]) -> None:
    for (_, future), (ok, value) in zip(part, outcomes, strict=True):
        if future.done():  # its caller went away (client disconnected); the write stands
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


def run_batch(calls: list[Call]) -> list[Outcome]:
    """Run `calls` (each opens its own unit of work) as one transaction.

    When one fails, the transaction rolls back; the writes before it go again together, the
    failing one on its own, and the rest as a batch of their own.
    """
    if len(calls) < 2:
        return [_alone(call) for call in calls]
    results: list[Any] = []
    try:
        with shared_unit():
            for call in calls:
                results.append(call())
        return [(True, r) for r in results]
    except Exception:
        failed = len(results)  # rolled back, nothing written
    if failed == len(calls):  # the commit itself failed: no telling which write it was
        return [_alone(call) for call in calls]
    return run_batch(calls[:failed]) + [_alone(calls[failed])] + run_batch(calls[failed + 1:])


def _alone(call: Call) -> Outcome:
    try:
        return True, call()
    except Exception as exc:
        return False, exc
