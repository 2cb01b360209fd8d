"""Pushes changes to every open board tab without a reload.

A change can come from this process (UI handler, API route, scheduler) or from another one
(a second worker, a test). Both end up in the same place: the in-process event bus wakes the
watcher at once, the cross-worker fan-out (`fanout.py`: Redis pub/sub or PostgreSQL
LISTEN/NOTIFY, when configured) wakes it for other processes' changes, and a cheap poll of the
newest audit row id catches anything else. On a change the watcher reads the board once per workspace and hands that snapshot to
every connected tab (`app.modify_state`), which Reflex turns into a delta over the socket.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from mission_control import fanout
from mission_control.config import get_settings
from mission_control.db import read_session
from mission_control.events import Event, bus
from mission_control.observe import metrics
from mission_control.services import board, feed

if TYPE_CHECKING:
    import reflex as rx

log = logging.getLogger(__name__)

# client token -> workspace id, for tabs that opened the board in this worker.
_tabs: dict[str, int] = {}
_wake: asyncio.Event | None = None
_loop: asyncio.AbstractEventLoop | None = None
metrics.connected_clients("browser_tabs", lambda: len(_tabs))


def watch_tab(token: str, workspace_id: int) -> None:
    _tabs[token] = workspace_id


def _on_event(_event: Event) -> None:
    loop, wake = _loop, _wake
    if loop is not None and wake is not None and not loop.is_closed():
        loop.call_soon_threadsafe(wake.set)


def _read_change_id() -> int:
    with read_session() as session:
        return board.latest_change_id(session)


def _read_snapshots(workspace_ids: set[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    with read_session() as session:
        for ws in workspace_ids:
            snap = board.board_snapshot(session=session, workspace_id=ws)
            snap["messages_today"] = feed.messages_today(session=session, workspace_id=ws)
            snap["feed"] = feed.recent_activity(session=session, workspace_id=ws, limit=50)
            out[ws] = snap
    return out


def _page_state_for(path: str) -> Any:
    """The page state behind the route a tab is on (only that page is re-read on a change)."""
    from mission_control.state.agents import AgentDetailState, AgentsState
    from mission_control.state.approvals import ApprovalsState
    from mission_control.state.document import DocumentState
    from mission_control.state.documents import DocumentsState
    from mission_control.state.task import TaskState
    from mission_control.state.webhooks import WebhooksState
    from mission_control.state.working import WorkingState

    path = "/" + path.strip("/")
    routes: list[tuple[str, Any]] = [
        ("/tasks/", TaskState),
        ("/agents/", AgentDetailState),
        ("/agents", AgentsState),
        ("/approvals", ApprovalsState),
        ("/working", WorkingState),
        ("/documents/", DocumentState),
        ("/documents", DocumentsState),
        ("/webhooks", WebhooksState),
    ]
    for prefix, cls in routes:
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return cls
    return None


async def push_to_tabs(app: rx.App) -> int:
    """Send a fresh board to every connected tab; returns how many tabs were updated."""
    import reflex as rx

    from mission_control.state.board import BoardState
    from mission_control.state.feed import FeedState
    from mission_control.state.notifications import NotificationState, read_bell
    from mission_control.state.session import current_context

    manager = app.event_namespace._token_manager if app.event_namespace else None
    if manager is None:
        return 0
    for token in list(_tabs):
        if not await manager.is_token_connected(token):
            _tabs.pop(token, None)
    if not _tabs:
        return 0
    snapshots = await asyncio.to_thread(_read_snapshots, set(_tabs.values()))
    people: dict[str, Any] = {}  # session cookie -> who (one lookup per person, not per tab)
    bells: dict[tuple[int, int, bool], Any] = {}
    pushed = 0
    for token, ws in list(_tabs.items()):
        try:
            async with app.modify_state(rx.BaseStateToken(ident=token, cls=BoardState)) as root:
                board_state = await root.get_state(BoardState)
                board_state.apply_snapshot(snapshots[ws])
                feed_state = await root.get_state(FeedState)
                if feed_state.filter_actor == "all" and feed_state.filter_kind == "all":
                    feed_state.apply_items(snapshots[ws]["feed"])
                else:  # a filtered feed needs its own query; rare enough to do per tab
                    await asyncio.to_thread(feed_state.refresh)
                bell = await root.get_state(NotificationState)
                if bell.session_token not in people:
                    people[bell.session_token] = await asyncio.to_thread(current_context, bell.session_token)
                who = people[bell.session_token]
                key = (who.workspace_id, who.user_id, bell.unread_only)
                if key not in bells:
                    bells[key] = await asyncio.to_thread(read_bell, *key)
                bell.apply_bell(*bells[key])
                page_cls = _page_state_for(root.router.url.path or "/")
                if page_cls is not None:
                    page_state = await root.get_state(page_cls)
                    if page_state.loaded:
                        await asyncio.to_thread(page_state.refresh)
            pushed += 1
        except Exception:  # one broken tab must not stop the others
            log.exception("live update to a tab failed")
    return pushed


async def watch_changes(app: rx.App) -> None:
    """Lifespan task: runs for as long as the app does."""
    global _wake, _loop
    _loop = asyncio.get_running_loop()
    _wake = asyncio.Event()
    unsubscribe = bus.subscribe(_on_event)
    interval = get_settings().change_poll_interval_s
    wake = _wake

    def on_notice(notice: fanout.Notice) -> None:
        if notice.get("origin") != fanout.ORIGIN:  # our own writes already woke us via the bus
            wake.set()

    relay = fanout.from_settings()
    listener = asyncio.create_task(fanout.listen_forever(relay, on_notice)) if relay else None
    try:
        last = await asyncio.to_thread(_read_change_id)
        while True:
            try:
                await asyncio.wait_for(_wake.wait(), timeout=interval)
            except TimeoutError:
                pass
            _wake.clear()
            try:
                current = await asyncio.to_thread(_read_change_id)
                if current != last:
                    last = current
                    await push_to_tabs(app)
            except Exception:  # the database may be away for a moment; keep watching
                log.exception("change watcher failed; retrying")
                await asyncio.sleep(1)
    finally:
        if listener is not None:
            listener.cancel()
        unsubscribe()
