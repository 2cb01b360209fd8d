"""A lightweight client of the app's own socket protocol, as the browser speaks it.

Reflex's frontend talks socket.io (Engine.IO v4 over a WebSocket) at /_event, namespace
"/_event": it connects with `?token=<tab token>`, sends its hydrate event inside the CONNECT
packet, then receives `event` packets whose `delta` maps state names to changed vars, and
sends back any events the server asks it to run. This client does exactly that with the
`websockets` library, so a hundred of them fit in one asyncio loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import websockets

from mission_control.services.browser_sessions import COOKIE
from mission_control.state.board import BoardState

ROOT_STATE = "reflex___state____state"
# Paths under the root state, as deltas name them. Resolved here, at import: Reflex needs
# its registration context for them, which a client's reader task may not have inherited
# (the reader then died on the first delta and its client silently missed every update).
BOARD_STATE = BoardState.get_full_name()
NAMESPACE = "/_event"


class TabClient:
    def __init__(self, base_url: str, path: str = "/", session_token: str = "") -> None:
        self.url = base_url.replace("http://", "ws://").replace("https://", "wss://")
        self.token = str(uuid.uuid4())
        self.router = {"pathname": path, "asPath": path}
        self.hydrated = asyncio.Event()
        self.session_token = session_token  # the session cookie, sent in the handshake as a browser does
        self.on_delta: Callable[[dict[str, Any]], None] | None = None
        self.browser_events: list[dict[str, Any]] = []  # what the server asked the page itself to do
        self.vars: dict[str, dict[str, Any]] = {}  # state name -> var -> latest value received
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self, timeout: float = 30) -> None:
        self._ws = await websockets.connect(
            f"{self.url}/_event/?token={self.token}&EIO=4&transport=websocket",
            max_size=None, open_timeout=timeout, ping_interval=None,
            additional_headers={"Cookie": f"{COOKIE}={self.session_token}"} if self.session_token else None,
        )
        await self._ws.recv()  # Engine.IO open packet
        boot: dict[str, Any] = {"name": f"{ROOT_STATE}.hydrate_and_load", "router_data": self.router}
        await self._ws.send(f"40{NAMESPACE}," + json.dumps({"event": boot}))
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self.hydrated.wait(), timeout)

    async def _read(self) -> None:
        prefix = f"42{NAMESPACE},"
        async for raw in self._ws:
            if raw == "2":  # Engine.IO ping
                await self._ws.send("3")
                continue
            if not isinstance(raw, str) or not raw.startswith(prefix):
                continue
            name, update = json.loads(raw[len(prefix):])
            if name != "event":
                continue
            delta = update.get("delta") or {}
            for state_name, values in delta.items():
                self.vars.setdefault(state_name, {}).update(values)
            if delta.get(ROOT_STATE, {}).get("is_hydrated_rx_state_") is True:
                self.hydrated.set()
            if delta and self.on_delta is not None:
                self.on_delta(delta)
            for ev in update.get("events") or []:
                if str(ev.get("name", "")).startswith("_"):  # "_" events run in the browser
                    self.browser_events.append(ev)
                else:
                    await self._ws.send(prefix + json.dumps(["event", {**ev, "router_data": self.router}]))

    async def send(self, handler: str, **payload: Any) -> None:
        """Run an event handler (`<state full name>.<handler>`) as a click in the page would."""
        event = {"name": handler, "payload": payload, "router_data": self.router}
        await self._ws.send(f"42{NAMESPACE}," + json.dumps(["event", event]))

    def value(self, state_name: str, var: str, default: Any = None) -> Any:
        return self.vars.get(state_name, {}).get(f"{var}_rx_state_", default)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()


async def until(check: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    """Wait for what a tab should see; AssertionError naming it if it does not in time."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(0.02)


def card_titles(delta: dict[str, Any]) -> set[str]:
    """Titles of the cards in any board column a delta carries."""
    board = delta.get(BOARD_STATE) or {}
    out: set[str] = set()
    for column in ("inbox", "assigned", "in_progress", "review", "done"):
        for card in board.get(f"{column}_rx_state_") or []:
            out.add(card.get("title", ""))
    return out
