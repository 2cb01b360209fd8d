"""The Reflex app: pages, the agent API mount and the lifespan tasks."""

from __future__ import annotations

import reflex as rx

from mission_control.pages.board import board_page
from mission_control.state import live
from mission_control.state.board import BoardState
from mission_control.state.feed import FeedState

app = rx.App()
app.add_page(
    board_page, route="/", title="Mission Control", on_load=[BoardState.on_load, FeedState.on_load]
)


async def _watch_changes() -> None:
    await live.watch_changes(app)


app.register_lifespan_task(_watch_changes)
