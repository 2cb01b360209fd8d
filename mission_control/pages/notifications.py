"""`/notifications`: the operator's inbox of mentions, assignments and escalations."""

from __future__ import annotations

import reflex as rx

from mission_control.components.layout import page
from mission_control.state.notifications import NoteItem, NotificationState


def note_row(n: NoteItem) -> rx.Component:
    return rx.hstack(
        rx.box(
            width="8px",
            height="8px",
            border_radius="50%",
            background=rx.cond(n.read, "transparent", rx.color("accent", 9)),
            flex_shrink="0",
            margin_top="6px",
        ),
        rx.vstack(
            rx.hstack(
                rx.badge(n.kind, size="1", variant="soft"),
                rx.text(rx.moment(n.created_at, from_now=True), size="1", color_scheme="gray"),
                spacing="2",
            ),
            rx.cond(
                n.task_id > 0,
                rx.link(n.text, href="/tasks/" + n.task_id.to_string(), size="2"),  # type: ignore[attr-defined]
                rx.text(n.text, size="2"),
            ),
            spacing="1",
            flex="1",
        ),
        rx.cond(
            ~n.read,
            rx.button(
                "Mark read",
                size="1",
                variant="soft",
                min_height="32px",
                on_click=NotificationState.mark_read(n.id),  # type: ignore[operator]
            ),
        ),
        align="start",
        spacing="3",
        width="100%",
        padding="12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-testid": "notification", "data-read": n.read},
    )


def notifications_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading("Notifications", size="5"),
                rx.badge(NotificationState.unread, " unread", size="2"),
                rx.spacer(),
                rx.checkbox("Unread only", checked=NotificationState.unread_only, on_change=NotificationState.toggle_unread_only),
                rx.button(
                    "Mark all read",
                    on_click=NotificationState.mark_all_read,
                    disabled=NotificationState.unread == 0,
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                ~NotificationState.loaded,
                rx.skeleton(height="200px", width="100%"),
                rx.cond(
                    NotificationState.items.length() > 0,  # type: ignore[attr-defined]
                    rx.box(rx.foreach(NotificationState.items, note_row), width="100%",
                           background=rx.color("gray", 1), border_radius="var(--radius-3)"),
                    rx.center(rx.text("You're all caught up.", color_scheme="gray"), padding="48px", width="100%"),
                ),
            ),
            max_width="760px",
            width="100%",
            margin_x="auto",
            spacing="4",
        ),
    )
