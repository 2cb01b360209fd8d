"""Pushes changes to every open tab without a reload.

A change can come from this process (UI handler, API route, scheduler) or from another one
(a second worker, a test). Both end up in the same place: the in-process event bus wakes the
watcher at once, the cross-worker fan-out (`fanout.py`: Redis pub/sub or PostgreSQL
LISTEN/NOTIFY, when configured) wakes it for other processes' changes, and a cheap poll of the
newest audit row id catches anything else.

On a change the watcher first checks, in one query, which of the tabs' browser sessions are
still live: a tab whose session ended gets nothing more and is sent to the sign-in page. It
then reads each workspace's board once; each filtered view of it, the feed
and each person's bell are built once and shared by the tabs that show them (live_shared.py).
Each tab then gets a round of its own, a few at a time: its state locked, its own view, bell
and page applied (only what changed is assigned), and its delta sent before the lock is let go,
serialized once for all the tabs that get the same update (live_emit.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from mission_control import fanout
from mission_control.config import get_settings
from mission_control.db import read_session
from mission_control.events import Event, EventType, bus
from mission_control.observe import metrics
from mission_control.services import board

if TYPE_CHECKING:
    import reflex as rx

    from mission_control.state.live_emit import DeltaSender
    from mission_control.state.live_shared import SharedReads
    from mission_control.state.session import UiContext

log = logging.getLogger(__name__)

# client token -> the browser session it signed in with, for tabs that opened a live page in
# this worker. The workspace comes from the session on every push, never from the tab.
_tabs: dict[str, int] = {}
_wake: asyncio.Event | None = None
_loop: asyncio.AbstractEventLoop | None = None
_last_reads: SharedReads | None = None  # the previous push's objects, reused where unchanged
PUSH_CONCURRENCY = 8
metrics.connected_clients("browser_tabs", lambda: len(_tabs))


def watch_tab(token: str, ctx: UiContext) -> None:
    if ctx.session_id:
        _tabs[token] = ctx.session_id


# Events that change a page but not the audit log (so not the change id): webhook deliveries.
# They make the next push go out even though the change id has not moved.
_PAGE_ONLY = EventType.about("webhook")
_page_only_pending = False


def _note_page_only(event_type: EventType | None) -> None:
    global _page_only_pending
    if event_type in _PAGE_ONLY:
        _page_only_pending = True


def _on_event(event: Event) -> None:
    _note_page_only(event.type)
    loop, wake = _loop, _wake
    if loop is not None and wake is not None and not loop.is_closed():
        loop.call_soon_threadsafe(wake.set)


def _read_change_id() -> int:
    with read_session() as session:
        return board.latest_change_id(session)


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


async def _push_tab(app: rx.App, token: str, who: UiContext, shared: SharedReads, sender: DeltaSender) -> None:
    """One tab's round: its own view of the shared reads, its person's bell, its page."""
    import reflex as rx

    from mission_control.state.board import BoardState
    from mission_control.state.feed import FeedState
    from mission_control.state.live_emit import tab_round
    from mission_control.state.notifications import NotificationState
    from mission_control.state.session import PUSHING

    PUSHING.set(True)  # this round's own task (gather made one): its reads are not activity
    async with tab_round(app, rx.BaseStateToken(ident=token, cls=BoardState), sender) as root:
        # With Redis these are fetches unless this worker holds the tab's lease (see config.py).
        board_state = await root.get_state(BoardState)
        feed_state = await root.get_state(FeedState)
        bell = await root.get_state(NotificationState)
        board_state.show_view(shared.board(who.workspace_id, board_state.filters()))
        if feed_state.filter_actor == "all" and feed_state.filter_kind == "all":
            feed_state.show_items(shared.feed(who.workspace_id))
        else:  # a filtered feed needs its own query; rare enough to do per tab
            await asyncio.to_thread(feed_state.refresh, who)
        bell.apply_bell(*await shared.bell(who.workspace_id, who.user_id, bell.unread_only))
        page_cls = _page_state_for(root.router.url.path or "/")
        if page_cls is not None:
            page_state = await root.get_state(page_cls)
            if page_state.loaded:
                await asyncio.to_thread(page_state.refresh)


async def _signed_out(app: rx.App, token: str) -> None:
    """A tab whose session ended: no more pushes, and the page goes to the sign-in form."""
    import reflex as rx
    from reflex.event import Event as ClientEvent
    from reflex.state import StateUpdate

    if app.event_namespace is not None:
        try:
            update = StateUpdate(events=ClientEvent.from_event_type(rx.redirect("/login")))
            await app.event_namespace.emit_update(update, token)
        except Exception:  # the tab may be gone already; it gets nothing more either way
            log.exception("could not send a signed-out tab to the sign-in page")


async def push_to_tabs(app: rx.App, since: int | None = None) -> int:
    """Send a fresh board to every connected tab whose session is still live, unless nothing
    changed since change id `since`; returns the newest change id. Tabs whose session ended
    (signed out, expired, password changed, operator deactivated) are dropped first."""
    # Imported here: they import the page states, which import this module.
    from mission_control.state.live_emit import DeltaSender
    from mission_control.state.live_shared import SharedReads, read_snapshots

    global _last_reads
    asked = set(_tabs.values())
    change_id, people, snapshots = await asyncio.to_thread(read_snapshots, asked, since)
    manager = app.event_namespace._token_manager if app.event_namespace else None
    if change_id == since or manager is None:
        return change_id
    tokens = list(_tabs)
    for token, connected in zip(tokens, await asyncio.gather(*map(manager.is_token_connected, tokens)), strict=True):
        if not connected:
            _tabs.pop(token, None)
    ended = [token for token, sid in _tabs.items() if sid in asked and sid not in people]
    for token in ended:
        _tabs.pop(token, None)
    await asyncio.gather(*(_signed_out(app, token) for token in ended))
    # (a tab that opened meanwhile: next push)
    tabs = [(token, people[sid]) for token, sid in _tabs.items() if sid in people]
    if not tabs:
        return change_id
    shared = _last_reads = SharedReads(snapshots, _last_reads)
    sender = DeltaSender(app, shared.ids)
    # Tab rounds wait on I/O (with Redis, a lock and fetches per tab): overlap a few.
    gate = asyncio.Semaphore(PUSH_CONCURRENCY)

    async def one(token: str, who: UiContext) -> None:
        async with gate:
            try:
                await _push_tab(app, token, who, shared, sender)
            except Exception:  # one broken tab must not stop the others
                log.exception("live update to a tab failed")

    await asyncio.gather(*(one(token, who) for token, who in tabs))
    return change_id


async def watch_changes(app: rx.App) -> None:
    """Lifespan task: runs for as long as the app does."""
    global _wake, _loop, _page_only_pending
    _loop = asyncio.get_running_loop()
    _wake = asyncio.Event()
    unsubscribe = bus.subscribe(_on_event)
    interval = get_settings().change_poll_interval_s
    wake = _wake

    def on_notice(notice: fanout.Notice) -> None:
        if notice.get("origin") != fanout.origin():  # our own writes already woke us via the bus
            _note_page_only(fanout.event_type_of(notice))
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
            force, _page_only_pending = _page_only_pending, False
            try:
                last = await push_to_tabs(app, since=None if force else last)
            except Exception:  # the database may be away for a moment; keep watching
                log.exception("change watcher failed; retrying")
                await asyncio.sleep(1)
    finally:
        if listener is not None:
            listener.cancel()
        unsubscribe()
