"""Board page state: the Kanban columns and the agent status bar."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.models import TASK_COLUMNS
from mission_control.services import board, task_flow
from mission_control.services.actor import Actor
from mission_control.state import live
from mission_control.state.session import current_workspace


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
    current_task: str = ""
    heartbeat_interval_s: int = 900


def _cards(items: list[dict[str, Any]]) -> list[Card]:
    return [Card(**item) for item in items]


class BoardState(rx.State):
    workspace_id: int = 0
    workspace_name: str = ""
    loaded: bool = False
    inbox: list[Card] = []
    assigned: list[Card] = []
    in_progress: list[Card] = []
    review: list[Card] = []
    done: list[Card] = []
    agents: list[AgentCard] = []

    def apply_snapshot(self, snap: dict[str, Any]) -> None:
        cols = snap["columns"]
        self.inbox = _cards(cols["inbox"])
        self.assigned = _cards(cols["assigned"])
        self.in_progress = _cards(cols["in_progress"])
        self.review = _cards(cols["review"])
        self.done = _cards(cols["done"])
        self.agents = [AgentCard(**a) for a in snap["agents"]]
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.workspace_id, self.workspace_name = current_workspace()
        live.watch_tab(self.router.session.client_token, self.workspace_id)
        with read_session() as session:
            self.apply_snapshot(board.board_snapshot(session=session, workspace_id=self.workspace_id))

    @rx.event
    def move(self, task_id: int, to: str) -> rx.event.EventSpec | None:
        """Move a card from its menu; a refused move explains itself in a toast."""
        try:
            with session_scope() as session:
                task_flow.move_task(
                    session=session,
                    workspace_id=self.workspace_id,
                    task_id=task_id,
                    to=to,
                    actor=Actor.system("ui"),
                )
                snap = board.board_snapshot(session=session, workspace_id=self.workspace_id)
        except MissionControlError as exc:
            return rx.toast.error(exc.message)
        self.apply_snapshot(snap)
        return None


COLUMN_TITLES = {
    "inbox": "Inbox",
    "assigned": "Assigned",
    "in_progress": "In progress",
    "review": "Review",
    "done": "Done",
}
assert set(COLUMN_TITLES) == {str(s) for s in TASK_COLUMNS}
