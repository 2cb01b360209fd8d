"""The live activity feed panel."""

from __future__ import annotations

import reflex as rx

from mission_control.components.dnd import feed_item as dnd_feed_item
from mission_control.components.dnd import scroll_watch
from mission_control.state.board import BoardState
from mission_control.state.feed import KINDS, FeedItem, FeedState


def feed_item(item: FeedItem) -> rx.Component:
    return dnd_feed_item(item=item, key=item.id)


def feed_panel() -> rx.Component:
    # Mounted once the feed has arrived (after the board): its two selects and fifty lines are
    # then no longer work the browser does before it can take the board.
    return rx.cond(FeedState.loaded, _panel(), rx.skeleton(height="420px", width="100%"))


def _panel() -> rx.Component:
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
