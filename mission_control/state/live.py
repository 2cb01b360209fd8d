"""Pushes changes to every open board tab without a reload.

A change can come from this process (UI handler, API route, scheduler) or from another one
(the CLI, a test, a second worker). Both end up in the same place: the in-process event bus
wakes the watcher at once, and a cheap poll of the newest audit row id catches everything
else. On a change the watcher reads the board once per workspace and hands that snapshot to
every connected tab (`app.modify_state`), which Reflex turns into a delta over the socket.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from mission_control.config import get_settings
from mission_control.db import read_session
from mission_control.events import Event, bus
from mission_control.services import board, feed

if TYPE_CHECKING:
    import reflex as rx

log = logging.getLogger(__name__)

# client token -> workspace id, for tabs that opened the board in this worker.
_tabs: dict[str, int] = {}
_wake: asyncio.Event | None = None
_loop: asyncio.AbstractEventLoop | None = None


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


async def _open_pages(root: Any) -> list[Any]:
    """Page states this tab has loaded (each has a `refresh()` that re-reads its page)."""
    from mission_control.state.agents import AgentDetailState, AgentsState
    from mission_control.state.approvals import ApprovalsState
    from mission_control.state.document import DocumentState
    from mission_control.state.documents import DocumentsState
    from mission_control.state.task import TaskState
    from mission_control.state.working import WorkingState

    out = []
    for cls in (
        TaskState, AgentsState, AgentDetailState, ApprovalsState, WorkingState, DocumentsState, DocumentState,
    ):
        state = await root.get_state(cls)
        if state.loaded and (cls is not TaskState or state.task_id):
            out.append(state)
    return out


async def push_to_tabs(app: rx.App) -> int:
    """Send a fresh board to every connected tab; returns how many tabs were updated."""
    import reflex as rx

    from mission_control.state.board import BoardState
    from mission_control.state.feed import FeedState
    from mission_control.state.notifications import NotificationState

    manager = app.event_namespace._token_manager if app.event_namespace else None
    if manager is None:
        return 0
    for token in list(_tabs):
        if not await manager.is_token_connected(token):
            _tabs.pop(token, None)
    if not _tabs:
        return 0
    snapshots = await asyncio.to_thread(_read_snapshots, set(_tabs.values()))
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
                await asyncio.to_thread(bell.refresh)
                for page_state in await _open_pages(root):
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
        unsubscribe()
