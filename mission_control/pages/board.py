"""`/`: the squad at a glance: stats, agent status bar, the live Kanban board and feed."""

from __future__ import annotations

import reflex as rx

from mission_control.components.agent_bar import agent_bar
from mission_control.components.board_toolbar import filters, stats
from mission_control.components.feed_panel import feed_panel
from mission_control.components.kanban import board
from mission_control.components.layout import page
from mission_control.state.board import BoardState


def skeleton() -> rx.Component:
    return rx.hstack(
        *[rx.skeleton(height="320px", flex="1", min_width="240px") for _ in range(5)],
        spacing="3",
        width="100%",
    )


def board_page() -> rx.Component:
    main = rx.vstack(
        rx.cond(BoardState.loaded, stats(), rx.skeleton(height="56px", width="100%")),
        rx.cond(BoardState.loaded, agent_bar(), rx.skeleton(height="64px", width="100%")),
        rx.hstack(rx.heading("Board", size="4"), rx.spacer(), filters(), width="100%", align="center", wrap="wrap"),
        rx.cond(BoardState.loaded, board(), skeleton()),
        spacing="4",
        width="100%",
        min_width="0",
    )
    return page(
        rx.flex(
            main,
            rx.box(feed_panel(), width=["100%", "100%", "100%", "340px"], flex_shrink="0"),
            direction=rx.breakpoints(initial="column", lg="row"),
            gap="16px",
            width="100%",
            align="start",
        ),
    )
