"""Board page state: Kanban columns with filters, quick stats and the agent status bar.

The full board is kept backend-only (`_columns`); the five public lists are what the filters
let through, so a tab only receives the cards it shows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.models import TASK_COLUMNS
from mission_control.services import board, feed, task_flow
from mission_control.services.authz import Permission
from mission_control.state import live, toast
from mission_control.state.feed import FeedState
from mission_control.state.notifications import NotificationState
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState, set_if_changed, to_sign_in


@dataclass
class Card:
    id: int = 0
    title: str = ""
    priority: str = "medium"
    status: str = "inbox"
    assignees: list[str] = field(default_factory=list)
    due_at: str = ""
    blocked_by: int = 0


@dataclass
class AgentCard:
    id: int = 0
    name: str = ""
    role: str = ""
    status: str = "idle"
    paused: bool = False
    last_seen_at: str = ""
    next_heartbeat_at: str = ""
    current_task: str = ""
    heartbeat_interval_s: int = 900


COLUMN_TITLES = {
    "inbox": "Inbox",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "review": "Review",
    "done": "Done",
}
assert set(COLUMN_TITLES) == {str(s) for s in TASK_COLUMNS}
ALL = "all"
# Cards a column renders at first: a board of thousands stays quick to open and to update;
# the rest are a click away ("Show more") and always reachable through the filters.
CARD_CAP = 50


def matches(card: dict[str, Any], assignee: str, priority: str, text: str) -> bool:
    if assignee != ALL and assignee not in card["assignees"]:
        return False
    if priority != ALL and card["priority"] != priority:
        return False
    if text:
        needle = text.lower()
        if needle not in card["title"].lower() and needle != f"#{card['id']}":
            return False
    return True


Filters = tuple[str, str, str, dict[str, int]]  # assignee, priority, text, cards shown per column


def visible_columns(
    columns: dict[str, list[dict[str, Any]]], assignee: str, priority: str, text: str, shown: dict[str, int]
) -> tuple[dict[str, list[Card]], dict[str, int]]:
    """The cards each column shows under one set of filters, and how many more it hides."""
    lists: dict[str, list[Card]] = {}
    hidden: dict[str, int] = {}
    for key in COLUMN_TITLES:
        rows = [c for c in columns.get(key, []) if matches(c, assignee, priority, text)]
        cap = shown.get(key, CARD_CAP)
        hidden[key] = max(0, len(rows) - cap)
        lists[key] = [Card(**c) for c in rows[:cap]]
    return lists, hidden


@dataclass
class BoardView:
    """A board snapshot as the tabs with one set of filters see it. The live push builds it once
    per change and hands the same objects to all those tabs, so none of it is ever changed in
    place (handlers assign new values)."""

    columns: dict[str, list[dict[str, Any]]]
    counts: dict[str, int]
    agents: list[AgentCard]
    messages_today: int
    lists: dict[str, list[Card]]
    hidden: dict[str, int]


def board_view(snap: dict[str, Any], assignee: str, priority: str, text: str, shown: dict[str, int]) -> BoardView:
    columns = snap["columns"]
    return BoardView(
        columns,
        {key: len(cards) for key, cards in columns.items()},
        [AgentCard(**a) for a in snap["agents"]],
        snap.get("messages_today", 0),
        *visible_columns(columns, assignee, priority, text, shown),
    )


class BoardState(SessionState):
    workspace_name: str = ""
    operator: str = ""
    loaded: bool = False
    inbox: list[Card] = []
    assigned: list[Card] = []
    in_progress: list[Card] = []
    review: list[Card] = []
    done: list[Card] = []
    agents: list[AgentCard] = []
    counts: dict[str, int] = {}
    messages_today: int = 0
    filter_assignee: str = ALL
    filter_priority: str = ALL
    filter_text: str = ""
    hidden: dict[str, int] = {}
    _shown: dict[str, int] = {}
    _columns: dict[str, list[dict[str, Any]]] = {}

    @rx.var
    def active_agents(self) -> int:
        return sum(1 for a in self.agents if a.status == "active")

    @rx.var
    def agent_names(self) -> list[str]:
        return [ALL, *[a.name for a in self.agents]]

    @rx.var
    def filtering(self) -> bool:
        return self.filter_assignee != ALL or self.filter_priority != ALL or bool(self.filter_text)

    def filters(self) -> Filters:
        """What decides which cards this tab shows; tabs alike share one BoardView."""
        return self.filter_assignee, self.filter_priority, self.filter_text.strip(), self.get_value("_shown")

    def _apply_filters(self) -> None:
        self._show(*visible_columns(self.get_value("_columns"), *self.filters()))

    def _show(self, lists: dict[str, list[Card]], hidden: dict[str, int]) -> None:
        for key, cards in lists.items():
            set_if_changed(self, key, cards)
        set_if_changed(self, "hidden", hidden)

    def apply_snapshot(self, snap: dict[str, Any]) -> None:
        self.show_view(board_view(snap, *self.filters()))

    def show_view(self, view: BoardView) -> None:
        """Show a board; only what differs from what the tab shows goes out in its delta."""
        if self.get_value("_columns") is not view.columns:
            self._columns = view.columns
        set_if_changed(self, "counts", view.counts)
        set_if_changed(self, "agents", view.agents)
        set_if_changed(self, "messages_today", view.messages_today)
        self._show(view.lists, view.hidden)
        set_if_changed(self, "loaded", True)

    @rx.event
    async def on_load(self) -> AsyncIterator[Any]:
        """The whole page in one event: who is this, the board, then the feed and the bell.

        One event instead of a chain of four (sign-in check, board, feed, bell) saves three
        state-lock/delta round trips and three token lookups, and the board's delta goes out
        first (the yield) so the cards render while the feed and bell are still being read.
        """
        ctx = self.context()
        self.me_handle, self.me_role, self.me_workspace = ctx.handle, ctx.role, ctx.workspace_name
        if not ctx.signed_in:
            yield to_sign_in(self.router.url.path or "/")
            return
        self.workspace_name, self.operator = ctx.workspace_name, ctx.handle
        live.watch_tab(self.router.session.client_token, ctx)
        with read_session() as session:
            snap = board.board_snapshot(session=session, workspace_id=ctx.workspace_id)
            snap["messages_today"] = feed.messages_today(session=session, workspace_id=ctx.workspace_id)
        self.apply_snapshot(snap)
        yield
        (await self.get_state(FeedState)).load(ctx)
        (await self.get_state(NotificationState)).load(ctx)

    @rx.event
    def set_filter_assignee(self, value: str) -> None:
        self.filter_assignee = value
        self._apply_filters()

    @rx.event
    def set_filter_priority(self, value: str) -> None:
        self.filter_priority = value
        self._apply_filters()

    @rx.event
    def set_filter_text(self, value: str) -> None:
        self.filter_text = value
        self._apply_filters()

    @rx.event
    def show_more(self, key: str) -> None:
        self._shown = {**self._shown, key: self._shown.get(key, CARD_CAP) + 200}
        self._apply_filters()

    @rx.event
    def clear_filters(self) -> None:
        self.filter_assignee, self.filter_priority, self.filter_text = ALL, ALL, ""
        self._apply_filters()

    def _full_index(self, task_id: int, to: str, index: int) -> int | None:
        """Translate a drop index in the filtered column into one in the whole column."""
        if index < 0:
            return None
        full = [c["id"] for c in self._columns.get(to, []) if c["id"] != task_id]
        visible = [c.id for c in getattr(self, to, []) if c.id != task_id] if to in COLUMN_TITLES else []
        if not self.filtering or not visible:
            return index
        if index < len(visible):
            return full.index(visible[index]) if visible[index] in full else index
        return full.index(visible[-1]) + 1 if visible[-1] in full else None

    @rx.event
    @off_loop
    def move(self, task_id: int, to: str, index: int = -1) -> Any:
        """Move a card (drag and drop, or its menu); a refused move explains itself in a toast."""
        try:
            ctx = self.context().require(Permission.work)
            with session_scope() as session:
                task_flow.move_task(
                    session=session,
                    workspace_id=ctx.workspace_id,
                    task_id=task_id,
                    to=to,
                    index=self._full_index(task_id, to, index),
                    actor=ctx.actor,
                )
                snap = board.board_snapshot(session=session, workspace_id=ctx.workspace_id)
                snap["messages_today"] = self.messages_today
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.apply_snapshot(snap)
        return None
