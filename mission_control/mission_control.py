"""The Reflex app: pages, the agent API mount and the lifespan tasks."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.api.app import create_api
from mission_control.config import get_settings
from mission_control.heartbeat.lifespan import run_heartbeat_engine
from mission_control.memory.indexer import run_memory_indexer
from mission_control.observe import logs
from mission_control.pages.agents import agent_page, agents_page
from mission_control.pages.analytics import analytics_page
from mission_control.pages.approvals import approvals_page
from mission_control.pages.audit import audit_page
from mission_control.pages.board import board_page
from mission_control.pages.document import document_page
from mission_control.pages.documents import documents_page
from mission_control.pages.login import login_page
from mission_control.pages.notifications import notifications_page
from mission_control.pages.search import search_page
from mission_control.pages.settings import settings_page
from mission_control.pages.task import task_page
from mission_control.pages.webhooks import webhooks_page
from mission_control.pages.working import working_page
from mission_control.startup import install_event_hooks
from mission_control.state import live, recovery
from mission_control.state.agents import AgentDetailState, AgentsState
from mission_control.state.analytics import AnalyticsState
from mission_control.state.approvals import ApprovalsState
from mission_control.state.audit import AuditState
from mission_control.state.board import BoardState
from mission_control.state.document import DocumentState
from mission_control.state.documents import DocumentsState
from mission_control.state.notifications import NotificationState
from mission_control.state.search import SearchState
from mission_control.state.session import SessionState
from mission_control.state.settings import SettingsState
from mission_control.state.task import TaskState
from mission_control.state.webhooks import WebhooksState
from mission_control.state.working import WorkingState
from mission_control.webhook_dispatcher import run_webhook_dispatcher

logs.configure(get_settings().log_level, get_settings().log_format)
# Before anything can write: every commit publishes its events and queues its webhooks.
install_event_hooks()
app = rx.App(api_transformer=create_api())


def add(component: Any, route: str, title: str, *loads: Any) -> None:
    """A signed-in page: who is this first, then the page's own state, then the bell's count."""
    app.add_page(
        component,
        route=route,
        title=f"{title} · Mission Control" if title else "Mission Control",
        on_load=[SessionState.require_sign_in, *loads, NotificationState.on_load],
    )


# The board's own on_load does the sign-in check, the feed and the bell too (one event, see
# BoardState.on_load): it is the page every operator opens first, with the most to load.
app.add_page(board_page, route="/", title="Mission Control", on_load=BoardState.on_load)
add(task_page, "/tasks/[task_id]", "Task", TaskState.on_load)
add(agents_page, "/agents", "Agents", AgentsState.on_load)
add(agent_page, "/agents/[agent_id]", "Agent", AgentDetailState.on_load)
add(approvals_page, "/approvals", "Approvals", ApprovalsState.on_load)
add(working_page, "/working", "WORKING.md", WorkingState.on_load)
add(audit_page, "/audit", "Audit log", AuditState.on_load)
add(settings_page, "/settings", "Settings", SettingsState.on_load)
add(search_page, "/search", "Search", SearchState.on_load)
add(webhooks_page, "/webhooks", "Webhooks", WebhooksState.on_load)
add(notifications_page, "/notifications", "Notifications")
add(documents_page, "/documents", "Documents", DocumentsState.on_load)
add(document_page, "/documents/[doc_id]", "Document", DocumentState.on_load)
add(analytics_page, "/analytics", "Analytics", AnalyticsState.on_load)
app.add_page(login_page, route="/login", title="Sign in · Mission Control", on_load=SessionState.login_on_load)


async def _watch_changes() -> None:
    await live.watch_changes(app)


app.register_lifespan_task(_watch_changes)


async def _watch_state_store() -> None:
    await recovery.watch_state_store(app)


# Scale-out: tabs rebuild their state if the Redis holding it restarts empty.
app.register_lifespan_task(_watch_state_store)
# Every worker runs it; only the holder of the database lease runs the scheduler.
app.register_lifespan_task(run_heartbeat_engine)
# Embeds new memories off the request path (one process holds its lease) and feeds heartbeats.
app.register_lifespan_task(run_memory_indexer)
# Sends queued outbound webhooks (signed, retried); claims make several workers safe.
app.register_lifespan_task(run_webhook_dispatcher)
