"""`/`: the squad at a glance: agent status bar and the Kanban board, live."""

from __future__ import annotations

import reflex as rx

from mission_control.components.agent_bar import agent_bar
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
    return page(
        BoardState.workspace_name,
        rx.vstack(
            rx.heading("Squad", size="3"),
            rx.cond(BoardState.loaded, agent_bar(), rx.skeleton(height="56px", width="100%")),
            rx.heading("Board", size="3", margin_top="3"),
            rx.cond(BoardState.loaded, board(), skeleton()),
            spacing="3",
            width="100%",
        ),
    )
