"""The agent status bar: one compact card per agent."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.components.dnd import relative_time
from mission_control.state.board import AgentCard, BoardState

STATUS_COLORS = {"idle": "gray", "active": "green", "blocked": "red", "offline": "gray"}


def status_dot(status: Any) -> rx.Component:
    return rx.box(
        width="8px",
        height="8px",
        border_radius="50%",
        flex_shrink="0",
        background=rx.match(
            status,
            ("active", rx.color("grass", 9)),
            ("blocked", rx.color("red", 9)),
            ("offline", rx.color("gray", 7)),
            rx.color("blue", 9),
        ),
    )


def agent_chip(agent: AgentCard) -> rx.Component:
    return rx.card(
        rx.hstack(
            status_dot(agent.status),
            rx.vstack(
                rx.hstack(
                    rx.text(agent.name, weight="bold", size="2"),
                    rx.text(agent.role, size="1", color_scheme="gray"),
                    spacing="2",
                    align="baseline",
                ),
                rx.text(
                    rx.cond(agent.current_task != "", agent.current_task, agent.status),
                    size="1",
                    max_width="180px",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
                rx.text(
                    rx.cond(
                        agent.last_seen_at != "",
                        rx.fragment("last heartbeat ", relative_time(date=agent.last_seen_at)),
                        "no heartbeat yet",
                    ),
                    rx.cond(
                        agent.next_heartbeat_at != "",
                        rx.fragment(" · next ", relative_time(date=agent.next_heartbeat_at)),
                        "",
                    ),
                    size="1",
                    color_scheme="gray",
                    max_width="180px",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
                spacing="0",
            ),
            spacing="2",
            align="center",
        ),
        size="1",
        min_width="150px",
        custom_attrs={"data-agent": agent.name, "data-status": agent.status},
    )


def agent_bar() -> rx.Component:
    return rx.hstack(
        rx.foreach(BoardState.agents, agent_chip),
        spacing="2",
        overflow_x="auto",
        width="100%",
        padding_bottom="2",
    )
