"""The live activity feed panel."""

from __future__ import annotations

import reflex as rx

from mission_control.components.dnd import scroll_watch
from mission_control.state.board import BoardState
from mission_control.state.feed import KINDS, FeedItem, FeedState


def feed_item(item: FeedItem) -> rx.Component:
    return rx.hstack(
        rx.avatar(fallback=item.actor_name[:2], size="1", radius="full",
                  color_scheme=rx.cond(item.actor_type == "agent", "indigo", "gray")),
        rx.vstack(
            rx.text(item.text, size="1"),
            rx.text(rx.moment(item.created_at, from_now=True), size="1", color_scheme="gray"),
            spacing="0",
        ),
        spacing="2",
        align="start",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        custom_attrs={"data-testid": "feed-item", "data-activity-id": item.id},
    )


def feed_panel() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Live activity", size="3"),
            rx.spacer(),
            rx.select(
                BoardState.agent_names,
                value=FeedState.filter_actor,
                on_change=FeedState.set_filter_actor,
                size="1",
                aria_label="Filter feed by agent",
            ),
            rx.select(
                list(KINDS),
                value=FeedState.filter_kind,
                on_change=FeedState.set_filter_kind,
                size="1",
                aria_label="Filter feed by type",
            ),
            width="100%",
            align="center",
            spacing="2",
        ),
        rx.box(
            rx.cond(
                FeedState.new_count > 0,
                rx.button(
                    rx.icon("arrow-up", size=12),
                    f"{FeedState.new_count} new",
                    on_click=FeedState.show_new,
                    size="1",
                    radius="full",
                    position="absolute",
                    top="8px",
                    left="50%",
                    transform="translateX(-50%)",
                    z_index="2",
                    custom_attrs={"data-testid": "feed-new-pill"},
                ),
            ),
            scroll_watch(
                rx.cond(
                    FeedState.items.length() > 0,  # type: ignore[attr-defined]
                    rx.foreach(FeedState.items, feed_item),
                    rx.text("Nothing has happened yet.", size="2", color_scheme="gray", padding="12px"),
                ),
                on_scrolled_change=FeedState.set_scrolled,
                custom_attrs={"id": "feed-scroll"},
                overflow_y="auto",
                max_height="70vh",
                padding_right="4px",
            ),
            position="relative",
            width="100%",
        ),
        spacing="2",
        width="100%",
        padding="12px",
        border_radius="var(--radius-4)",
        background=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 4)}",
    )
