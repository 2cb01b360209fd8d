"""Live activity feed: newest first, filters, and a "N new" pill while the reader is scrolled."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.db import read_session
from mission_control.events import EventType
from mission_control.services import feed
from mission_control.state.session import SessionState, UiContext, set_if_changed

FEED_SIZE = 50
KINDS: dict[str, frozenset[EventType]] = {
    "all": frozenset(),
    "tasks": EventType.about("task"),
    "messages": EventType.about("message"),
    "documents": EventType.about("document"),
    "agents": EventType.about("agent"),
}


@dataclass
class FeedItem:
    id: int = 0
    event_type: str = ""
    actor_type: str = ""
    actor_name: str = ""
    task_id: int = 0
    text: str = ""
    created_at: str = ""


class FeedState(SessionState):
    items: list[FeedItem] = []
    pending: list[FeedItem] = []
    scrolled: bool = False
    filter_actor: str = "all"
    filter_kind: str = "all"
    loaded: bool = False

    @rx.var
    def new_count(self) -> int:
        return len(self.pending)

    def _query(self, ctx: UiContext) -> list[dict[str, Any]]:
        if not ctx.signed_in:
            return []
        with read_session() as session:
            return feed.recent_activity(
                session=session,
                workspace_id=ctx.workspace_id,
                limit=FEED_SIZE,
                actor_name="" if self.filter_actor == "all" else self.filter_actor,
                event_types=KINDS.get(self.filter_kind, frozenset()),
            )

    def apply_items(self, rows: list[dict[str, Any]]) -> None:
        self.show_items([FeedItem(**r) for r in rows])

    def show_items(self, fresh: list[FeedItem]) -> None:
        """New rows go on top, unless the reader scrolled away: then they wait in `pending`.
        `fresh` may be shared with other tabs (the live push builds it once), so it is never
        changed in place; unchanged lists stay out of the delta."""
        items = self.get_value("items")
        if not self.scrolled or not items:
            set_if_changed(self, "items", fresh)
            set_if_changed(self, "pending", [])
            return
        shown = {i.id for i in items}
        newest_shown = items[0].id
        set_if_changed(self, "pending", [i for i in fresh if i.id not in shown and i.id > newest_shown])

    def refresh(self, ctx: UiContext | None = None) -> None:
        """Re-read the feed of the workspace the session signs in to now (never one the tab
        remembers: a session may have ended since)."""
        self.apply_items(self._query(ctx or self.context()))

    def load(self, ctx: UiContext) -> None:
        self.scrolled = False
        self.refresh(ctx)
        self.loaded = True

    @rx.event
    def set_scrolled(self, scrolled: bool) -> None:
        self.scrolled = scrolled
        if not scrolled and self.pending:
            self.refresh()

    @rx.event
    def show_new(self) -> Any:
        self.scrolled = False
        self.refresh()
        return rx.call_script("document.getElementById('feed-scroll')?.scrollTo({top: 0, behavior: 'smooth'})")

    @rx.event
    def set_filter_actor(self, value: str) -> None:
        self.filter_actor = value
        self.scrolled = False
        self.refresh()

    @rx.event
    def set_filter_kind(self, value: str) -> None:
        self.filter_kind = value
        self.scrolled = False
        self.refresh()
