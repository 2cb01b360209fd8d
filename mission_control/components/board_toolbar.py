"""Filters and quick stats above the board."""

from __future__ import annotations

import reflex as rx

from mission_control.state.board import BoardState


def stat(label: str, value: rx.Var | int, testid: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="5", weight="bold", custom_attrs={"data-testid": testid}),
        spacing="0",
        padding_x="12px",
        padding_y="6px",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 4)}",
        min_width="92px",
    )


def stats() -> rx.Component:
    return rx.hstack(
        stat("Open", BoardState.counts["inbox"] + BoardState.counts["assigned"], "stat-open"),
        stat("In progress", BoardState.counts["in_progress"], "stat-in-progress"),
        stat("In review", BoardState.counts["review"], "stat-review"),
        stat("Done", BoardState.counts["done"], "stat-done"),
        stat("Active agents", BoardState.active_agents, "stat-active"),
        stat("Messages today", BoardState.messages_today, "stat-messages"),
        spacing="2",
        wrap="wrap",
    )


def filters() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Filter by title or #id",
            value=BoardState.filter_text,
            on_change=BoardState.set_filter_text.debounce(200),  # type: ignore[attr-defined]
            size="2",
            width="220px",
            aria_label="Filter tasks by text",
        ),
        rx.text("Assignee", size="1", color_scheme="gray"),
        rx.select(
            BoardState.agent_names,
            value=BoardState.filter_assignee,
            on_change=BoardState.set_filter_assignee,
            size="2",
            aria_label="Filter by assignee",
        ),
        rx.text("Priority", size="1", color_scheme="gray"),
        rx.select(
            ["all", "urgent", "high", "medium", "low"],
            value=BoardState.filter_priority,
            on_change=BoardState.set_filter_priority,
            size="2",
            aria_label="Filter by priority",
        ),
        rx.cond(
            BoardState.filtering,
            rx.button("Clear", variant="ghost", size="2", on_click=BoardState.clear_filters),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )
