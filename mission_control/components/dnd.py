"""Reflex wrappers around kanban_dnd.jsx (dnd-kit): drag and drop by mouse, touch and keys."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import passthrough_event_spec

_JSX = rx.asset("kanban_dnd.jsx", shared=True)
_DND_LIBS = ["@dnd-kit/core@6.3.1", "@dnd-kit/sortable@10.0.0", "@dnd-kit/utilities@3.2.2"]


class _Local(rx.NoSSRComponent):
    library = _JSX.importable_path
    lib_dependencies: list[str] = _DND_LIBS


class KanbanBoard(_Local):
    tag = "KanbanBoard"
    on_move: rx.EventHandler[passthrough_event_spec(int, str, int)]  # type: ignore[type-arg,valid-type]


class KanbanColumn(_Local):
    tag = "KanbanColumn"
    column_id: rx.Var[str]
    items: rx.Var[list[str]]


class KanbanCard(_Local):
    tag = "KanbanCard"
    card_id: rx.Var[str]


class ScrollWatch(_Local):
    tag = "ScrollWatch"
    threshold: rx.Var[int]
    on_scrolled_change: rx.EventHandler[passthrough_event_spec(bool)]  # type: ignore[type-arg,valid-type]


kanban_board: Any = KanbanBoard.create
kanban_column: Any = KanbanColumn.create
kanban_card: Any = KanbanCard.create
scroll_watch: Any = ScrollWatch.create
