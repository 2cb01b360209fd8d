"""The Reflex app: pages, the agent API mount and the lifespan tasks."""

from __future__ import annotations

import reflex as rx

from mission_control.api.app import create_api
from mission_control.pages.analytics import analytics_page
from mission_control.pages.board import board_page
from mission_control.pages.document import document_page
from mission_control.pages.documents import documents_page
from mission_control.pages.notifications import notifications_page
from mission_control.pages.task import task_page
from mission_control.state import live
from mission_control.state.analytics import AnalyticsState
from mission_control.state.board import BoardState
from mission_control.state.document import DocumentState
from mission_control.state.documents import DocumentsState
from mission_control.state.feed import FeedState
from mission_control.state.notifications import NotificationState
from mission_control.state.task import TaskState

app = rx.App(api_transformer=create_api())
# Every page loads the bell's count (NotificationState) next to its own state.
app.add_page(
    board_page,
    route="/",
    title="Mission Control",
    on_load=[BoardState.on_load, FeedState.on_load, NotificationState.on_load],
)
app.add_page(
    task_page,
    route="/tasks/[task_id]",
    title="Task · Mission Control",
    on_load=[TaskState.on_load, NotificationState.on_load],
)
app.add_page(
    notifications_page,
    route="/notifications",
    title="Notifications · Mission Control",
    on_load=NotificationState.on_load,
)

app.add_page(
    documents_page,
    route="/documents",
    title="Documents · Mission Control",
    on_load=[DocumentsState.on_load, NotificationState.on_load],
)
app.add_page(
    document_page,
    route="/documents/[doc_id]",
    title="Document · Mission Control",
    on_load=[DocumentState.on_load, NotificationState.on_load],
)
app.add_page(
    analytics_page,
    route="/analytics",
    title="Analytics · Mission Control",
    on_load=[AnalyticsState.on_load, NotificationState.on_load],
)


async def _watch_changes() -> None:
    await live.watch_changes(app)


app.register_lifespan_task(_watch_changes)
