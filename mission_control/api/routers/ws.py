"""WebSocket gateway: live feed and per-agent wake-ups, mentions and assignments.

    /api/v1/ws/activities          every feed line of the key's workspace
    /api/v1/ws/agents/{agent_id}   that agent's notifications (its own key only) + wake-ups

Authenticate with `Authorization: Bearer <key>` on the handshake (or `?key=` where headers
cannot be set). Each frame is JSON `{"id", "type", "data"}`; `id` is the event id. To resume
after a reconnect, pass the last id you saw as `?after=<id>`: everything newer is replayed in
order, then the stream goes live. Without `after` the stream starts from now. Wake-ups of
agents we call ourselves (`type: "wake"`, id null) are live only; an external agent's wake
is a notification of kind `wake`, so it has an id and is replayed like the others. Refusals
close the socket with 4401 (key), 4403 (not yours), 4404 (not in your workspace) or 4429
(rate limited, or the key already has MC_WS_MAX_STREAMS_PER_KEY streams open: close one
first). That cap is per worker process: with N workers a key may hold up to N times as many.

New rows are noticed through the in-process event bus at once and, for changes made by other
processes, by polling the database every `ws_poll_s` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from mission_control.api.schemas import ActivityOut, NotificationOut
from mission_control.db import read_session
from mission_control.errors import Forbidden, MissionControlError, NotFound, RateLimited
from mission_control.events import Event, EventType, bus
from mission_control.models import Agent
from mission_control.observe import metrics
from mission_control.services import api_keys, queries
from mission_control.services.authz import Principal, require_self_agent
from mission_control.services.common import get_in_workspace, parse_id

router = APIRouter(prefix="/ws", tags=["websocket"])

POLL_S = 1.0
RECHECK_KEY_S = 30.0
BATCH = 200
_CLOSE = {Forbidden: 4403, NotFound: 4404, RateLimited: 4429}


def _close_code(exc: MissionControlError) -> int:
    for cls, code in _CLOSE.items():
        if isinstance(exc, cls):
            return code
    return 4401


def _token(ws: WebSocket) -> str:
    header = ws.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return ws.query_params.get("key", "")


def _authenticate(ws: WebSocket) -> Principal:
    with read_session() as session:
        principal, _ = api_keys.authenticate(session=session, token=_token(ws))
    assert principal.key_id is not None
    ws.app.state.limiter.hit_key(principal.key_id)
    return principal


# Open streams in this worker (socket id -> workspace), for the connected-clients gauge.
_streams: dict[int, int] = {}
metrics.connected_clients("agent_websockets", lambda: len(_streams))


class StreamSlots:
    """How many streams each key has open in this worker, against a cap. Only the event loop
    touches it, so a check and its increment cannot interleave with another socket's."""

    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self.open: dict[int, int] = {}

    def take(self, key_id: int) -> bool:
        if self.open.get(key_id, 0) >= self.per_key:
            return False
        self.open[key_id] = self.open.get(key_id, 0) + 1
        return True

    def give_back(self, key_id: int) -> None:
        left = self.open.get(key_id, 0) - 1
        if left > 0:
            self.open[key_id] = left
        else:
            self.open.pop(key_id, None)


def _after(ws: WebSocket) -> int | None:
    raw = ws.query_params.get("after") or ws.headers.get("last-event-id")
    if raw and raw.strip() == "0":
        return 0
    return parse_id(raw) or None if raw else None  # not an id (or past any id): from now on


async def _stream(
    ws: WebSocket,
    principal: Principal,
    start: int,
    fetch: Callable[[int], list[dict[str, Any]]],
    wants: Callable[[Event], str | None],
) -> None:
    """Send rows newer than `start` forever; `wants(event)` says "rows", "wake" or None."""
    slots: StreamSlots = ws.app.state.ws_streams
    assert principal.key_id is not None
    if not slots.take(principal.key_id):
        # Each stream holds a socket, a bus subscription and a poll: one key must not hold
        # the worker's all.
        await ws.close(code=4429, reason=f"this key already has {slots.per_key} streams open: close one first")
        return
    loop = asyncio.get_running_loop()
    nudge = asyncio.Event()
    wakes: list[dict[str, Any]] = []

    def on_event(event: Event) -> None:  # runs on the writer's thread
        if event.workspace_id != principal.workspace_id:
            return
        kind = wants(event)
        if kind == "wake":
            frame = {"id": None, "type": "wake", "data": dict(event.payload)}

            def queue_wake() -> None:
                wakes.append(frame)
                nudge.set()

            loop.call_soon_threadsafe(queue_wake)
        elif kind == "rows":
            loop.call_soon_threadsafe(nudge.set)

    async def read_until_closed() -> None:
        try:
            while True:
                await ws.receive_text()  # clients may send pings; nothing else is expected
        except (WebSocketDisconnect, RuntimeError):
            pass

    unsubscribe = bus.subscribe(on_event)
    _streams[id(ws)] = principal.workspace_id
    reader = asyncio.create_task(read_until_closed())
    last, checked = start, time.monotonic()
    try:
        while not reader.done():
            while wakes:
                await ws.send_json(wakes.pop(0))
            frames = await run_in_threadpool(fetch, last)
            for frame in frames:
                await ws.send_json(frame)
                last = frame["id"]
            if len(frames) == BATCH:
                continue
            if time.monotonic() - checked > RECHECK_KEY_S:  # a revoked key stops streaming
                await run_in_threadpool(_authenticate, ws)
                checked = time.monotonic()
            nudge.clear()
            waiter = asyncio.create_task(nudge.wait())
            await asyncio.wait(
                {waiter, reader}, timeout=POLL_S, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
    except MissionControlError as exc:
        await ws.close(code=_close_code(exc), reason=exc.message[:120])
    except WebSocketDisconnect:
        pass
    finally:
        slots.give_back(principal.key_id)
        _streams.pop(id(ws), None)
        unsubscribe()
        reader.cancel()


def _latest(workspace_id: int, agent_id: int | None) -> int:
    with read_session() as session:
        return queries.latest_ids(session=session, workspace_id=workspace_id, agent_id=agent_id)


async def _open(ws: WebSocket, agent_id: int | None = None) -> tuple[Principal, int] | None:
    """Authenticate and fix the starting id *before* completing the handshake, so nothing
    committed after the client is connected can fall between `start` and the stream."""
    refusal: MissionControlError | None = None
    start = 0
    try:
        principal = await run_in_threadpool(_authenticate, ws)
        if agent_id is not None:
            await run_in_threadpool(_check_agent, principal, agent_id)
        after = _after(ws)
        start = (
            after
            if after is not None
            else await run_in_threadpool(_latest, principal.workspace_id, agent_id)
        )
    except MissionControlError as exc:
        refusal = exc
    await ws.accept()
    if refusal is not None:
        await ws.close(code=_close_code(refusal), reason=refusal.message[:120])
        return None
    return principal, start


def _check_agent(principal: Principal, agent_id: int) -> None:
    with read_session() as session:
        get_in_workspace(session, Agent, agent_id, principal.workspace_id)
    require_self_agent(principal, agent_id)


@router.websocket("/activities")
async def activities(ws: WebSocket) -> None:
    opened = await _open(ws)
    if opened is None:
        return
    principal, start = opened
    ws_id = principal.workspace_id

    def fetch(after: int) -> list[dict[str, Any]]:
        with read_session() as session:
            rows = queries.activities_after(
                session=session, workspace_id=ws_id, after=after, limit=BATCH
            )
            return [
                {
                    "id": a.id,
                    "type": "activity",
                    "data": ActivityOut.model_validate(a).model_dump(mode="json"),
                }
                for a in rows
            ]

    await _stream(
        ws, principal, start, fetch, lambda e: "rows" if e.payload.get("activity_id") else None
    )


@router.websocket("/agents/{agent_id}")
async def agent_stream(ws: WebSocket, agent_id: int) -> None:
    opened = await _open(ws, agent_id)
    if opened is None:
        return
    principal, start = opened
    ws_id = principal.workspace_id

    def fetch(after: int) -> list[dict[str, Any]]:
        with read_session() as session:
            rows = queries.notifications_after(
                session=session, workspace_id=ws_id, agent_id=agent_id, after=after, limit=BATCH
            )
            return [
                {
                    "id": n.id,
                    "type": n.kind,
                    "data": NotificationOut.model_validate(n).model_dump(mode="json"),
                }
                for n in rows
            ]

    def wants(event: Event) -> str | None:
        if event.payload.get("agent_id") != agent_id:
            return None
        if event.type == EventType.agent_wake_requested:
            # An external agent's wake is a notification row (durable, replayed on resume).
            return "rows" if event.payload.get("notification_id") else "wake"
        return "rows" if event.type == EventType.notification_created else None

    await _stream(ws, principal, start, fetch, wants)
