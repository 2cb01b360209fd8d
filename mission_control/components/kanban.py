"""Kanban columns and task cards (kanban_dnd.jsx), with drag and drop and a keyboard-reachable
move menu."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.components.dnd import kanban_board, kanban_column
from mission_control.components.dnd import task_card as dnd_task_card
from mission_control.components.guard import VIEWER_REASON
from mission_control.state.board import COLUMN_TITLES, BoardState, Card
from mission_control.state.session import SessionState


def priority_badge(priority: Any) -> rx.Component:
    return rx.badge(
        priority,
        color_scheme=rx.match(priority, ("low", "gray"), ("high", "orange"), ("urgent", "red"), "blue"),
        variant="soft",
        size="1",
    )


def task_card(card: Card) -> rx.Component:
    # Keyed by task, so a card that moves keeps its component (and its menu) instead of
    # taking over its neighbour's.
    return dnd_task_card(card=card, key=card.id, read_only=~SessionState.can_work)


def column(key: str, title: str, cards: Any) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(title, weight="bold", size="2"),
            rx.badge(
                rx.cond(BoardState.filtering, f"{cards.length()}/", ""),
                BoardState.counts[key],
                variant="surface",
                radius="full",
                size="1",
            ),
            justify="between",
            width="100%",
            padding_x="4px",
        ),
        kanban_column(
            rx.cond(
                cards.length() > 0,
                rx.foreach(cards, task_card),
                rx.center(
                    rx.text(
                        rx.cond(BoardState.filtering, "No matching tasks", "Drop tasks here"),
                        size="1",
                        color_scheme="gray",
                    ),
                    padding="24px",
                    width="100%",
                    border=f"1px dashed {rx.color('gray', 6)}",
                    border_radius="var(--radius-3)",
                ),
            ),
            column_id=f"col-{key}",
            items=cards.map(lambda c: "card-" + c.id.to_string()),
            display="flex",
            flex_direction="column",
            gap="8px",
            width="100%",
            min_height="80px",
        ),
        rx.cond(
            BoardState.hidden[key] > 0,
            rx.button(
                "Show ", BoardState.hidden[key], " more",
                variant="ghost", size="1", width="100%",
                on_click=BoardState.show_more(key),  # type: ignore[operator]
                custom_attrs={"data-testid": "show-more"},
            ),
        ),
        spacing="2",
        padding="8px",
        border_radius="var(--radius-4)",
        background=rx.color("gray", 3),
        min_width="200px",
        flex="1 1 0",
        align="start",
        custom_attrs={"data-column": key},
    )


def board() -> rx.Component:
    return kanban_board(
        column("inbox", COLUMN_TITLES["inbox"], BoardState.inbox),
        column("assigned", COLUMN_TITLES["assigned"], BoardState.assigned),
        column("in_progress", COLUMN_TITLES["in_progress"], BoardState.in_progress),
        column("review", COLUMN_TITLES["review"], BoardState.review),
        column("done", COLUMN_TITLES["done"], BoardState.done),
        columns=[[key, title] for key, title in COLUMN_TITLES.items()],
        on_move=BoardState.move,
        read_only_reason=VIEWER_REASON,
        display="flex",
        gap="12px",
        align_items="flex-start",
        width="100%",
        overflow_x="auto",
        padding_bottom="8px",
    )
