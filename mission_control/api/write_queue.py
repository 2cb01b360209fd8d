"""Where the busiest API writes run: on SQLite, in batches sharing one transaction.

SQLite has one writer at a time, so concurrent writes queue anyway. Here they queue on the event
loop: a write joins the batch waiting to run, and the batch runs in this process's SQLite writer
thread, every write in it inside one transaction (db.shared_unit: one BEGIN and one COMMIT for
all, where the commit was a third of a lone write's cost). While a batch runs, the writes that
arrive meanwhile gather into the next one, which starts the moment it commits (group commit).
Each caller gets its answer only after that commit, so an acknowledged write is a durable one
(as durable as the `synchronous` setting makes a commit, see db.py).

If a write in the batch fails, the transaction rolls back and the batch runs again in order:
the writes before the failing one together, the failing one on its own, the rest as a new
batch. The failure reaches only its caller, exactly as it would have without batching (the
writes before it are then in place, as they were when it failed).

The batch never runs on the event loop itself: waiting for the write gate, for SQLite's own
lock (a process that writes without the gate: the sqlite3 shell, a backup) or for the disk to
flush the commit would stall every other request of this worker meanwhile. One thread, not
the threadpool: batches take turns anyway, and one thread hands them over more cheaply.
PostgreSQL writes in parallel: there each write goes to the threadpool on its own.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from mission_control.db import has_write_gate, shared_unit
from mission_control.observe.metrics import write_batch_size

P = ParamSpec("P")
T = TypeVar("T")

# A batch's writes wait for its commit: a bounded batch keeps the first write of a batch from
# waiting long for the last, and a failure's rerun small.
MAX_BATCH = 16

Call = Callable[[], Any]
Outcome = tuple[bool, Any]  # (succeeded, result or exception)
Waiting = list[tuple[Call, asyncio.Future[Any]]]
_waiting: dict[asyncio.AbstractEventLoop, Waiting] = {}
_busy: set[asyncio.AbstractEventLoop] = set()  # loops with a batch on its way or running
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mc-sqlite-writer")


async def run_write(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    call = partial(fn, *args, **kwargs)
    if not has_write_gate():
        return await run_in_threadpool(call)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    _waiting.setdefault(loop, []).append((call, future))
    if loop not in _busy:
        _busy.add(loop)
        # Two turns of the loop later: requests already due, and those a turn behind them
        # (still reading their body), join this batch first.
        loop.call_soon(_hop, loop)
    return await future


def _hop(loop: asyncio.AbstractEventLoop) -> None:
    loop.call_soon(_start, loop)


def _start(loop: asyncio.AbstractEventLoop) -> None:
    waiting = _waiting.pop(loop, [])
    if not waiting:
        _busy.discard(loop)
        return
    part, rest = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
    if rest:
        _waiting[loop] = rest
    write_batch_size.observe(len(part))
    try:
        # In the first caller's context, as on the loop (its request id goes on the log lines).
        running = _writer.submit(contextvars.copy_context().run, run_batch, [call for call, _ in part])
    except RuntimeError as exc:  # the interpreter is shutting down: nobody will write
        _settle(part, [(False, exc)] * len(part))
        _busy.discard(loop)
        return
    running.add_done_callback(lambda done: _call_back(loop, part, done))


def _call_back(loop: asyncio.AbstractEventLoop, part: Waiting, done: Future[list[Outcome]]) -> None:
    try:
        loop.call_soon_threadsafe(_finish, loop, part, done)
    except RuntimeError:  # the loop is closed: its callers are gone
        pass


def _finish(loop: asyncio.AbstractEventLoop, part: Waiting, done: Future[list[Outcome]]) -> None:
    try:
        outcomes = done.result()
    except BaseException as exc:
        outcomes = [(False, exc)] * len(part)
    _settle(part, outcomes)
    _start(loop)  # the next batch: every write that arrived while this one ran


def _settle(part: Waiting, outcomes: list[Outcome]) -> None:
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
