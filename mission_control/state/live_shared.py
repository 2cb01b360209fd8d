"""What one live push reads and builds once, for every tab to share (see state/live.py).

The board is read once per workspace; each distinct filtered view of it, each workspace's
feed and each person's bell is built once and the same objects go to every tab that shows
them. Parts equal to the previous push's are the previous push's objects, so a tab already
holding them compares in O(1) and leaves them out of its delta (`session.set_if_changed`).
Shared objects are never changed in place: handlers assign new values.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from mission_control.db import read_session
from mission_control.services import board, browser_sessions, feed
from mission_control.state.board import BoardView, Filters, board_view
from mission_control.state.feed import FeedItem
from mission_control.state.notifications import NoteItem, read_bell
from mission_control.state.session import UiContext, context_of

T = TypeVar("T")
Bell = tuple[int, list[NoteItem]]


def read_snapshots(
    session_ids: set[int], since: int | None = None
) -> tuple[int, dict[int, UiContext], dict[int, dict[str, Any]]]:
    """The newest change id and, unless it is still `since`, who each of these browser
    sessions signs in (only the live ones: an ended or expired session is left out) and the
    boards of their workspaces (read after the id, so they are at least that new). One trip
    to the database thread for all of it."""
    out: dict[int, dict[str, Any]] = {}
    with read_session() as session:
        change_id = board.latest_change_id(session)
        if change_id == since:
            return change_id, {}, out
        people = {
            sid: context_of(live)
            for sid, live in browser_sessions.live_sessions(session=session, ids=session_ids).items()
        }
        for ws in {p.workspace_id for p in people.values()}:
            snap = board.board_snapshot(session=session, workspace_id=ws)
            snap["messages_today"] = feed.messages_today(session=session, workspace_id=ws)
            snap["feed"] = feed.recent_activity(session=session, workspace_id=ws, limit=50)
            out[ws] = snap
    return change_id, people, out


def _same(old: T | None, new: T) -> T:
    return old if old is not None and old == new else new


class SharedReads:
    def __init__(self, snapshots: dict[int, dict[str, Any]], previous: SharedReads | None = None) -> None:
        self.snapshots = snapshots
        self._previous = previous
        if previous is not None:
            previous._previous = None  # keep one push back, not a chain of them
        self.views: dict[Hashable, BoardView] = {}
        self.feeds: dict[int, list[FeedItem]] = {}
        self.bells: dict[Hashable, Bell] = {}
        self._pending: dict[Hashable, asyncio.Task[Any]] = {}
        # ids of the objects handed to tabs, so identical updates can be told apart cheaply
        # (state/live_emit.py); they stay alive as long as this push does.
        self.ids: set[int] = set()

    def _share(self, *objects: object) -> None:
        self.ids.update(id(o) for o in objects)

    def board(self, workspace_id: int, filters: Filters) -> BoardView:
        assignee, priority, text, shown = filters
        key = (workspace_id, assignee, priority, text, tuple(sorted(shown.items())))
        if key not in self.views:
            view = board_view(self.snapshots[workspace_id], *filters)
            old = self._previous.views.get(key) if self._previous else None
            if old is not None:
                view = BoardView(
                    _same(old.columns, view.columns), _same(old.counts, view.counts),
                    _same(old.agents, view.agents), view.messages_today,
                    {k: _same(old.lists.get(k), cards) for k, cards in view.lists.items()},
                    _same(old.hidden, view.hidden),
                )
            self.views[key] = view
            self._share(view.counts, view.agents, view.hidden, *view.lists.values())
        return self.views[key]

    def feed(self, workspace_id: int) -> list[FeedItem]:
        if workspace_id not in self.feeds:
            fresh = [FeedItem(**r) for r in self.snapshots[workspace_id]["feed"]]
            old = self._previous.feeds.get(workspace_id) if self._previous else None
            self.feeds[workspace_id] = _same(old, fresh)
            self._share(self.feeds[workspace_id])
        return self.feeds[workspace_id]

    async def _once(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """One read per key however many tabs ask at the same time."""
        task = self._pending.get(key)
        if task is None:
            task = self._pending[key] = asyncio.ensure_future(read())
        if task.done():
            return cast(T, task.result())
        return cast(T, await asyncio.shield(task))

    async def bell(self, workspace_id: int, user_id: int, unread_only: bool) -> Bell:
        key = (workspace_id, user_id, unread_only)

        async def read() -> Bell:
            unread, items = await asyncio.to_thread(read_bell, *key)
            old = self._previous.bells.get(key) if self._previous else None
            self.bells[key] = (unread, _same(old[1] if old else None, items))
            self._share(self.bells[key][1])
            return self.bells[key]

        return await self._once(("bell", *key), read)
