"""Kanban columns and task cards, with drag and drop and a keyboard-reachable move menu."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.components.dnd import kanban_board, kanban_card, kanban_column
from mission_control.state.board import COLUMN_TITLES, BoardState, Card


def priority_badge(priority: Any) -> rx.Component:
    return rx.badge(
        priority,
        color_scheme=rx.match(priority, ("low", "gray"), ("high", "orange"), ("urgent", "red"), "blue"),
        variant="soft",
        size="1",
    )


def move_menu(card: Card) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=14),
                variant="ghost",
                size="1",
                aria_label="Move task",
                custom_attrs={"data-testid": "move-menu"},
            ),
        ),
        rx.dropdown_menu.content(
            *[
                rx.dropdown_menu.item(
                    f"Move to {title}",
                    on_select=BoardState.move(card.id, key, -1),  # type: ignore[operator]
                    disabled=card.status == key,
                )
                for key, title in COLUMN_TITLES.items()
            ],
        ),
    )


def task_card(card: Card) -> rx.Component:
    body = rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(f"#{card.id}", size="1", color_scheme="gray"),
                priority_badge(card.priority),
                rx.cond(
                    card.blocked_by > 0,
                    rx.tooltip(
                        rx.badge(rx.icon("lock", size=11), "blocked", color_scheme="red", size="1"),
                        content="Waiting on unfinished dependencies",
                    ),
                ),
                rx.spacer(),
                move_menu(card),
                width="100%",
                align="center",
                spacing="2",
            ),
            rx.link(
                card.title,
                href="/tasks/" + card.id.to_string(),  # type: ignore[attr-defined]
                size="2",
                weight="medium",
                color_scheme="gray",
                high_contrast=True,
                class_name="task-title",
            ),
            rx.cond(
                card.assignees.length() > 0,  # type: ignore[attr-defined]
                rx.hstack(
                    rx.foreach(card.assignees, lambda name: rx.badge(f"@{name}", variant="outline", size="1")),
                    wrap="wrap",
                    spacing="1",
                ),
            ),
            rx.cond(
                card.due_at != "",
                rx.hstack(
                    rx.icon("calendar", size=12),
                    rx.text("due ", rx.moment(card.due_at, from_now=True), size="1"),
                    spacing="1",
                    align="center",
                    color=rx.color("gray", 10),
                ),
            ),
            spacing="2",
            align="start",
        ),
        size="1",
        width="100%",
    )
    return kanban_card(
        body,
        card_id="card-" + card.id.to_string(),  # type: ignore[attr-defined]
        custom_attrs={"data-task-id": card.id, "data-testid": "task-card"},
        width="100%",
    )


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
        on_move=BoardState.move,
        display="flex",
        gap="12px",
        align_items="flex-start",
        width="100%",
        overflow_x="auto",
        padding_bottom="8px",
    )
