"""The page shell: header with workspace name and navigation, theme toggle."""

from __future__ import annotations

from typing import Any

import reflex as rx

NAV = [
    ("Board", "/", "layout-dashboard"),
    ("Agents", "/agents", "bot"),
    ("Approvals", "/approvals", "circle-check-big"),
    ("Documents", "/documents", "file-text"),
    ("Analytics", "/analytics", "chart-column"),
    ("WORKING.md", "/working", "notebook-pen"),
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


def user_menu() -> rx.Component:
    from mission_control.state.session import SessionState

    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user", size=16),
                rx.text("@", SessionState.me_handle, display=["none", "none", "inline"]),
                variant="ghost",
                size="2",
                aria_label="Account",
                custom_attrs={"data-testid": "user-menu"},
            )
        ),
        rx.menu.content(
            rx.text("@", SessionState.me_handle, " · ", SessionState.me_role, size="2", color_scheme="gray",
                    padding_x="8px", padding_y="4px"),
            rx.menu.separator(),
            rx.menu.item(rx.icon("settings", size=14), "Settings", on_click=rx.redirect("/settings")),
            rx.cond(SessionState.is_admin, rx.menu.item(rx.icon("webhook", size=14), "Webhooks",
                                                        on_click=rx.redirect("/webhooks"))),
            rx.cond(SessionState.is_admin, rx.menu.item(rx.icon("scroll-text", size=14), "Audit log",
                                                        on_click=rx.redirect("/audit"))),
            rx.menu.item(rx.icon("log-out", size=14), "Sign out", on_click=SessionState.logout, color_scheme="red"),
        ),
    )


def nav_links() -> rx.Component:
    return rx.hstack(
        *[
            rx.link(
                rx.hstack(rx.icon(icon, size=16), rx.text(label), spacing="1", align="center"),
                href=href,
                size="2",
                weight="medium",
                aria_label=label,
            )
            for label, href, icon in NAV
        ],
        spacing="4",
        align="center",
        display=["none", "none", "flex"],
    )


def nav_menu() -> rx.Component:
    """Phones: the pages fold into one menu button so the header never scrolls sideways."""
    return rx.box(
        rx.menu.root(
            rx.menu.trigger(rx.icon_button(rx.icon("menu", size=20), variant="ghost", size="3", aria_label="Menu")),
            rx.menu.content(
                *[rx.menu.item(rx.hstack(rx.icon(icon, size=16), rx.text(label), spacing="2"),
                               on_click=rx.redirect(href)) for label, href, icon in NAV],
            ),
        ),
        display=["block", "block", "none"],
    )


def header() -> rx.Component:
    from mission_control.state.session import SessionState

    return rx.hstack(
        rx.hstack(
            rx.link(rx.icon("radar", size=22, color=rx.color("accent", 10)), href="/", aria_label="Board"),
            rx.heading("Mission Control", size="5", weight="bold", display=["none", "none", "none", "block"]),
            rx.badge(SessionState.me_workspace, variant="soft", size="2", display=["none", "inline-flex"]),
            align="center",
            spacing="3",
        ),
        rx.hstack(
            nav_links(),
            rx.link(rx.icon("search", size=20), href="/search", aria_label="Search", color=rx.color("gray", 12)),
            bell(),
            user_menu(),
            rx.color_mode.button(size="2", variant="ghost"),
            nav_menu(),
            align="center",
            spacing="4",
        ),
        justify="between",
        align="center",
        width="100%",
        padding_x=["12px", "20px"],
        padding_y="12px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def page(*children: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        rx.box(*children, padding="20px", width="100%", max_width="1680px", margin_x="auto"),
        min_height="100vh",
        background=rx.color("gray", 2),
    )


def admin_page(loaded: Any, allowed: Any, body: rx.Component, denied: str) -> rx.Component:
    """An admins-only page: a skeleton while loading, then the body or a plain refusal."""
    return page(
        rx.cond(
            ~loaded,
            rx.skeleton(height="300px", width="100%"),
            rx.cond(
                allowed,
                body,
                rx.center(rx.vstack(rx.icon("lock", size=28), rx.text(denied), align="center"), padding="64px"),
            ),
        )
    )
