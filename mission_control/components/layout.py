"""The page shell: header with workspace name and navigation, theme toggle."""

from __future__ import annotations

import reflex as rx

NAV = [
    ("Board", "/", "layout-dashboard"),
    ("Documents", "/documents", "file-text"),
    ("Analytics", "/analytics", "chart-column"),
]


def bell() -> rx.Component:
    from mission_control.state.notifications import NotificationState

    return rx.link(
        rx.box(
            rx.icon("bell", size=20),
            rx.cond(
                NotificationState.unread > 0,
                rx.badge(
                    NotificationState.unread,
                    color_scheme="red",
                    variant="solid",
                    radius="full",
                    size="1",
                    position="absolute",
                    top="-8px",
                    right="-10px",
                    custom_attrs={"data-testid": "bell-count"},
                ),
            ),
            position="relative",
            display="flex",
        ),
        href="/notifications",
        aria_label="Notifications",
        color=rx.color("gray", 12),
    )


def header(workspace_name: rx.Var | str) -> rx.Component:
    return rx.hstack(
        rx.hstack(
            rx.icon("radar", size=22, color=rx.color("accent", 10)),
            rx.heading("Mission Control", size="5", weight="bold", display=["none", "none", "block"]),
            rx.badge(workspace_name, variant="soft", size="2"),
            align="center",
            spacing="3",
        ),
        rx.hstack(
            *[
                rx.link(
                    rx.hstack(rx.icon(icon, size=16), rx.text(label, display=["none", "none", "block"]), spacing="1", align="center"),
                    href=href,
                    size="2",
                    weight="medium",
                    aria_label=label,
                )
                for label, href, icon in NAV
            ],
            bell(),
            rx.color_mode.button(size="2", variant="ghost"),
            align="center",
            spacing="4",
        ),
        justify="between",
        align="center",
        width="100%",
        padding_x="20px",
        padding_y="12px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def page(workspace_name: rx.Var | str, *children: rx.Component) -> rx.Component:
    return rx.box(
        header(workspace_name),
        rx.box(*children, padding="20px", width="100%", max_width="1680px", margin_x="auto"),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
