"""Ask before anything destructive: one dialog shape for every page."""

from __future__ import annotations

from typing import Any

import reflex as rx


def confirm(trigger: rx.Component, title: Any, text: str, action: str, on_confirm: Any,
            color: str | None = "red") -> rx.Component:
    """`title` is a string or a tuple of parts (text and vars); `color` None = the theme's accent."""
    parts = title if isinstance(title, tuple) else (title,)
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(*parts),
            rx.alert_dialog.description(text, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(action, on_click=on_confirm, **({"color_scheme": color} if color else {}))
                ),
                justify="end", spacing="3", margin_top="16px",
            ),
        ),
    )
