"""Reflex wrappers around kanban_dnd.jsx: drag and drop (dnd-kit) by mouse, touch and keys, the
task card, the feed's lines and relative times ("3 minutes ago") that keep themselves current."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import passthrough_event_spec

_JSX = rx.asset("kanban_dnd.jsx", shared=True)
_DND_LIBS = ["@dnd-kit/core@6.3.1", "@dnd-kit/sortable@10.0.0", "@dnd-kit/utilities@3.2.2"]


class _Local(rx.Component):
    library = _JSX.importable_path
    lib_dependencies: list[str] = _DND_LIBS


class KanbanBoard(_Local):
    tag = "KanbanBoard"
    # [key, title] of every column, for the cards' move menus.
    columns: rx.Var[list[list[str]]]
    # Shown on a read-only card's move button (a viewer's board).
    read_only_reason: rx.Var[str]
    on_move: rx.EventHandler[passthrough_event_spec(int, str, int)]  # type: ignore[type-arg,valid-type]


class KanbanColumn(_Local):
    tag = "KanbanColumn"
    column_id: rx.Var[str]
    items: rx.Var[list[str]]


class TaskCard(_Local):
    tag = "TaskCard"
    card: rx.Var[Any]
    # A viewer's card: no dragging, its move menu disabled.
    read_only: rx.Var[bool]


class FeedItem(_Local):
    tag = "FeedItem"
    item: rx.Var[Any]


class RelativeTime(_Local):
    tag = "RelativeTime"
    date: rx.Var[str]


class ScrollWatch(_Local):
    tag = "ScrollWatch"
    threshold: rx.Var[int]
    on_scrolled_change: rx.EventHandler[passthrough_event_spec(bool)]  # type: ignore[type-arg,valid-type]


kanban_board: Any = KanbanBoard.create
kanban_column: Any = KanbanColumn.create
task_card: Any = TaskCard.create
feed_item: Any = FeedItem.create
relative_time: Any = RelativeTime.create
scroll_watch: Any = ScrollWatch.create
