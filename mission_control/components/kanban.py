"""Kanban columns and task cards."""

from __future__ import annotations

import reflex as rx

from mission_control.state.board import COLUMN_TITLES, BoardState, Card

PRIORITY_COLORS = {"low": "gray", "medium": "blue", "high": "orange", "urgent": "red"}


def priority_badge(priority: rx.Var[str]) -> rx.Component:
    return rx.badge(
        priority,
        color_scheme=rx.match(
            priority, ("low", "gray"), ("high", "orange"), ("urgent", "red"), "blue"
        ),
        variant="soft",
        size="1",
    )


def move_menu(card: Card) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(rx.icon("ellipsis", size=14), variant="ghost", size="1", aria_label="Move task"),
        ),
        rx.dropdown_menu.content(
            *[
                rx.dropdown_menu.item(title, on_select=BoardState.move(card.id, key))
                for key, title in COLUMN_TITLES.items()
            ],
        ),
    )


def task_card(card: Card) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(f"#{card.id}", size="1", color_scheme="gray"),
                priority_badge(card.priority),
                rx.cond(
                    card.blocked_by > 0,
                    rx.badge(rx.icon("lock", size=11), "blocked", color_scheme="red", size="1"),
                ),
                rx.spacer(),
                move_menu(card),
                width="100%",
                align="center",
                spacing="2",
            ),
            rx.text(card.title, size="2", weight="medium", class_name="task-title"),
            rx.hstack(
                rx.foreach(card.assignees, lambda name: rx.badge(f"@{name}", variant="outline", size="1")),
                wrap="wrap",
                spacing="1",
            ),
            spacing="2",
            align="start",
        ),
        size="1",
        width="100%",
        custom_attrs={"data-task-id": card.id, "data-testid": "task-card"},
    )


def column(key: str, title: str, cards: rx.Var[list[Card]]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(title, weight="bold", size="2"),
            rx.badge(cards.length(), variant="surface", radius="full", size="1"),
            justify="between",
            width="100%",
            padding_x="1",
        ),
        rx.cond(
            cards.length() > 0,
            rx.vstack(rx.foreach(cards, task_card), spacing="2", width="100%"),
            rx.text("No tasks", size="1", color_scheme="gray", padding="3", align="center", width="100%"),
        ),
        spacing="2",
        padding="2",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 3),
        min_width="240px",
        flex="1",
        align="start",
        custom_attrs={"data-column": key},
    )


def board() -> rx.Component:
    return rx.hstack(
        column("inbox", COLUMN_TITLES["inbox"], BoardState.inbox),
        column("assigned", COLUMN_TITLES["assigned"], BoardState.assigned),
        column("in_progress", COLUMN_TITLES["in_progress"], BoardState.in_progress),
        column("review", COLUMN_TITLES["review"], BoardState.review),
        column("done", COLUMN_TITLES["done"], BoardState.done),
        spacing="3",
        align="start",
        width="100%",
        overflow_x="auto",
    )
