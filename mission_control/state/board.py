"""Board page state: Kanban columns with filters, quick stats and the agent status bar.

The full board is kept backend-only (`_columns`); the five public lists are what the filters
let through, so a tab only receives the cards it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.models import TASK_COLUMNS
from mission_control.services import board, feed, task_flow
from mission_control.services.authz import Permission
from mission_control.state import live
from mission_control.state.session import SessionState


@dataclass
class Card:
    id: int = 0
    title: str = ""
    priority: str = "medium"
    status: str = "inbox"
    position: int = 0
    assignees: list[str] = field(default_factory=list)
    due_at: str = ""
    blocked_by: int = 0
    parent_task_id: int = 0


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


class BoardState(SessionState):
    workspace_id: int = 0
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

    def _apply_filters(self) -> None:
        hidden: dict[str, int] = {}

        def pick(key: str) -> list[Card]:
            rows = [
                c
                for c in self._columns.get(key, [])
                if matches(c, self.filter_assignee, self.filter_priority, self.filter_text.strip())
            ]
            cap = self._shown.get(key, CARD_CAP)
            hidden[key] = max(0, len(rows) - cap)
            return [Card(**c) for c in rows[:cap]]

        self.inbox = pick("inbox")
        self.assigned = pick("assigned")
        self.in_progress = pick("in_progress")
        self.review = pick("review")
        self.done = pick("done")
        self.hidden = hidden

    def apply_snapshot(self, snap: dict[str, Any]) -> None:
        self._columns = snap["columns"]
        self.counts = {key: len(cards) for key, cards in self._columns.items()}
        self.agents = [AgentCard(**a) for a in snap["agents"]]
        self.messages_today = snap.get("messages_today", 0)
        self._apply_filters()
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        ctx = self.context()
        self.workspace_id, self.workspace_name, self.operator = ctx.workspace_id, ctx.workspace_name, ctx.handle
        live.watch_tab(self.router.session.client_token, self.workspace_id)
        with read_session() as session:
            snap = board.board_snapshot(session=session, workspace_id=self.workspace_id)
            snap["messages_today"] = feed.messages_today(session=session, workspace_id=self.workspace_id)
        self.apply_snapshot(snap)

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
    def move(self, task_id: int, to: str, index: int = -1) -> Any:
        """Move a card (drag and drop, or its menu); a refused move explains itself in a toast."""
        try:
            ctx = self.context().require(Permission.work)
            with session_scope() as session:
                task_flow.move_task(
                    session=session,
                    workspace_id=self.workspace_id,
                    task_id=task_id,
                    to=to,
                    index=self._full_index(task_id, to, index),
                    actor=ctx.actor,
                )
                snap = board.board_snapshot(session=session, workspace_id=self.workspace_id)
                snap["messages_today"] = self.messages_today
        except MissionControlError as exc:
            return rx.toast.error(exc.message, close_button=True)
        self.apply_snapshot(snap)
        return None
