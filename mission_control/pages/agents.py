"""`/agents` (the roster) and `/agents/[agent_id]` (one agent: settings, tasks, runs, activity)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.components.agent_bar import status_dot
from mission_control.components.agent_form import agent_form_dialog
from mission_control.components.confirm import confirm
from mission_control.components.guard import admin_only, work_only
from mission_control.components.layout import page
from mission_control.state.agents import (
    AgentDetailState,
    AgentFormState,
    AgentRow,
    AgentsState,
    KeyRow,
    RunRow,
    TaskRef,
)
from mission_control.state.feed import FeedItem

OUTCOME_COLORS = {
    "ok": "grass", "skipped": "gray", "no_change": "amber", "unverified": "orange",
    "failed": "red", "circuit_open": "red", "aborted": "red", "running": "blue",
}


def when(iso: Any, empty: str = "never") -> rx.Component:
    return rx.cond(iso != "", rx.moment(iso, from_now=True), rx.text(empty, as_="span"))


def agent_card(a: AgentRow) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    status_dot(a.status),
                    rx.text(a.name, weight="bold", size="3"),
                    rx.spacer(),
                    rx.badge(a.status, variant="soft", size="1",
                             color_scheme=rx.match(a.status, ("active", "grass"), ("blocked", "red"),
                                                   ("paused", "amber"), "gray")),
                    width="100%",
                    align="center",
                ),
                rx.text(a.role, " · ", a.driver_type, size="2", color_scheme="gray"),
                rx.flex(rx.foreach(a.capabilities, lambda c: rx.badge(c, variant="outline", size="1")),
                        wrap="wrap", spacing="1"),
                rx.hstack(
                    rx.text("last beat ", when(a.last_heartbeat_at), size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.text(a.open_tasks, " open", size="1", color_scheme="gray"),
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            custom_attrs={"data-testid": "agent-card"},
        ),
        href="/agents/" + a.id.to_string(),  # type: ignore[attr-defined]
        underline="none",
        color="inherit",
        width="100%",
    )


def agents_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading("Agents", size="6"),
                rx.badge(AgentsState.rows.length(), " in the squad", size="2"),  # type: ignore[attr-defined]
                rx.spacer(),
                rx.input(placeholder="Filter by name, role, capability", value=AgentsState.query,
                         on_change=AgentsState.set_query, width=["100%", "260px"]),
                rx.button(rx.icon("plus", size=16), "New agent", on_click=AgentFormState.start_create,
                          min_height="36px", custom_attrs={"data-testid": "new-agent"}, **admin_only()),
                width="100%",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            rx.cond(
                ~AgentsState.loaded,
                rx.grid(*[rx.skeleton(height="130px") for _ in range(6)], columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%"),
                rx.cond(
                    AgentsState.visible.length() > 0,  # type: ignore[attr-defined]
                    rx.grid(rx.foreach(AgentsState.visible, agent_card),
                            columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%"),
                    rx.center(
                        rx.vstack(
                            rx.icon("bot", size=32, color=rx.color("gray", 8)),
                            rx.text("No agents match. Add one to start the squad.", color_scheme="gray"),
                            align="center",
                        ),
                        padding="48px",
                        width="100%",
                    ),
                ),
            ),
            agent_form_dialog(),
            spacing="4",
            width="100%",
        ),
    )


def run_row(r: RunRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.moment(r.started_at, format="MMM D HH:mm:ss"), white_space="nowrap"),
        rx.table.cell(r.trigger),
        rx.table.cell(rx.badge(r.outcome, variant="soft", color_scheme=rx.match(
            r.outcome, *[(k, v) for k, v in OUTCOME_COLORS.items()], "gray"))),
        rx.table.cell(r.duration_ms, " ms", text_align="right"),
        rx.table.cell(r.actions),
        rx.table.cell(r.tokens, text_align="right"),
        rx.table.cell(r.recalled, text_align="right"),
        rx.table.cell(rx.text(r.error, size="1", color_scheme="gray", max_width="360px", truncate=True, title=r.error)),
        custom_attrs={"data-testid": "run-row"},
    )


def runs_table() -> rx.Component:
    return rx.cond(
        AgentDetailState.runs.length() > 0,  # type: ignore[attr-defined]
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Time", "Trigger", "Outcome", "Duration", "Actions", "Tokens", "Memories", "Error / note")])),
                rx.table.body(rx.foreach(AgentDetailState.runs, run_row)),
                size="1",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.text("No heartbeats yet: the first one runs within its interval, or press Wake now.",
                color_scheme="gray", size="2"),
    )


def setting(label: str, value: rx.Component | rx.Var | str) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color_scheme="gray", min_width="130px"),
                     rx.text(value, size="2") if not isinstance(value, rx.Component) else value)


def secret_setting(item: Any) -> rx.Component:
    """A driver secret (name, is set): whether it is stored, never what it is."""
    return rx.hstack(
        rx.text(item[0], size="2", color_scheme="gray", min_width="130px"),
        rx.badge(rx.cond(item[1], "set", "not set"), variant="soft", size="1",
                 color_scheme=rx.cond(item[1], "grass", "gray")),
        custom_attrs={"data-testid": "driver-secret"},
    )


def activity_item(a: FeedItem) -> rx.Component:
    return rx.hstack(
        rx.text(rx.moment(a.created_at, from_now=True), size="1", color_scheme="gray", min_width="90px"),
        rx.text(a.text, size="2"),
        spacing="3",
        width="100%",
    )


def task_item(t: TaskRef) -> rx.Component:
    return rx.hstack(
        rx.badge(t.status, variant="soft", size="1"),
        rx.link("#", t.id, " ", t.title, href="/tasks/" + t.id.to_string(), size="2"),  # type: ignore[attr-defined]
        spacing="2",
    )


def key_row(k: KeyRow) -> rx.Component:
    return rx.hstack(
        rx.code(k.prefix, "…", size="1"),
        rx.text(k.name, size="1", color_scheme="gray"),
        rx.spacer(),
        rx.text("used ", when(k.last_used_at), size="1", color_scheme="gray"),
        confirm(rx.button("Revoke", size="1", variant="ghost", color_scheme="red"), ("Revoke key ", k.prefix, "…?"),
                "Anything using it is refused from the next request.", "Revoke",
                AgentDetailState.revoke_key(k.id)),  # type: ignore[operator]
        width="100%",
        align="center",
        custom_attrs={"data-testid": "key-row"},
    )


def keys_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("API keys", size="3"),
                rx.spacer(),
                rx.button(rx.icon("key-round", size=14), "Issue key", size="1", variant="soft",
                          on_click=AgentDetailState.issue_key),
                width="100%",
            ),
            rx.cond(
                AgentDetailState.new_token != "",
                rx.callout(
                    rx.vstack(
                        rx.text("Copy it now — it is shown only once:", size="2"),
                        rx.code(AgentDetailState.new_token, size="1", word_break="break-all",
                                custom_attrs={"data-testid": "new-token"}),
                        rx.hstack(
                            rx.button("Copy", size="1", on_click=[rx.set_clipboard(AgentDetailState.new_token),
                                                                 rx.toast.info("Copied")]),
                            rx.button("Done", size="1", variant="soft", on_click=AgentDetailState.hide_token),
                        ),
                        spacing="2",
                    ),
                    icon="key-round",
                    color_scheme="amber",
                    width="100%",
                ),
            ),
            rx.cond(AgentDetailState.keys.length() > 0,  # type: ignore[attr-defined]
                    rx.foreach(AgentDetailState.keys, key_row),
                    rx.text("No active keys. An external agent needs one for the API, CLI or MCP.", size="2",
                            color_scheme="gray")),
            width="100%",
        ),
        width="100%",
    )


def detail_actions() -> rx.Component:
    a = AgentDetailState.agent
    return rx.hstack(
        rx.button(rx.icon("alarm-clock", size=16), "Wake now", on_click=AgentDetailState.wake_now,
                  variant="soft", min_height="36px", **work_only(disabled=a.paused)),
        rx.cond(
            AgentDetailState.is_admin,
            rx.fragment(
                rx.button(rx.icon("pencil", size=16), "Edit", variant="soft", min_height="36px",
                          on_click=AgentFormState.start_edit(a)),  # type: ignore[operator]
                rx.button(rx.cond(a.paused, rx.icon("play", size=16), rx.icon("pause", size=16)),
                          rx.cond(a.paused, "Resume", "Pause"), on_click=AgentDetailState.toggle_pause,
                          variant="soft", color_scheme="amber", min_height="36px"),
                confirm(rx.button(rx.icon("trash-2", size=16), "Remove", variant="soft", color_scheme="red",
                                  min_height="36px"),
                        ("Remove ", a.name, "?"),
                        "Its keys stop working and it is unassigned from its tasks. History stays.",
                        "Remove agent", AgentDetailState.delete),
            ),
        ),
        wrap="wrap",
        spacing="2",
    )


def agent_detail() -> rx.Component:
    a = AgentDetailState.agent
    return rx.vstack(
        rx.hstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("Agents"), spacing="1", align="center"),
                    href="/agents", size="2"),
            width="100%",
        ),
        rx.hstack(
            status_dot(a.status),
            rx.heading(a.name, size="6"),
            rx.badge(a.status, size="2", variant="soft"),
            rx.text(a.role, color_scheme="gray"),
            rx.spacer(),
            detail_actions(),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(a.blocked_reason != "", rx.callout(a.blocked_reason, icon="octagon-alert", color_scheme="red", width="100%")),
        rx.grid(
            rx.card(
                rx.vstack(
                    rx.heading("Settings", size="3"),
                    setting("Driver", a.driver_type),
                    setting("Heartbeat", rx.text("every ", a.heartbeat_interval_s // 60, " min", size="2")),  # type: ignore[operator]
                    setting("Last heartbeat", rx.text(when(a.last_heartbeat_at), size="2")),
                    setting("Next heartbeat", rx.text(when(a.next_heartbeat_at, "not scheduled"), size="2")),
                    setting("Circuit", a.circuit_state),
                    rx.foreach(a.driver_secrets, secret_setting),
                    rx.flex(rx.foreach(a.capabilities, lambda c: rx.badge(c, variant="outline")), wrap="wrap", spacing="1"),
                    rx.text(a.description, size="2", color_scheme="gray"),
                    spacing="2",
                ),
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Open tasks", size="3"),
                    rx.cond(AgentDetailState.tasks.length() > 0,  # type: ignore[attr-defined]
                            rx.foreach(AgentDetailState.tasks, task_item),
                            rx.text("Nothing assigned.", size="2", color_scheme="gray")),
                    spacing="2",
                ),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        rx.card(rx.vstack(rx.heading("Heartbeat runs", size="3"), runs_table(), width="100%"), width="100%"),
        rx.cond(AgentDetailState.is_admin, keys_card()),
        rx.card(
            rx.vstack(
                rx.heading("Activity", size="3"),
                rx.cond(AgentDetailState.activity.length() > 0,  # type: ignore[attr-defined]
                        rx.foreach(AgentDetailState.activity, activity_item),
                        rx.text("No activity yet.", size="2", color_scheme="gray")),
                width="100%",
            ),
            width="100%",
        ),
        agent_form_dialog(),
        spacing="4",
        width="100%",
    )


def agent_page() -> rx.Component:
    return page(
        rx.cond(
            ~AgentDetailState.loaded,
            rx.vstack(rx.skeleton(height="40px", width="40%"), rx.skeleton(height="200px"), width="100%"),
            rx.cond(
                AgentDetailState.found,
                agent_detail(),
                rx.center(rx.vstack(rx.heading("Agent not found", size="5"),
                                    rx.link("Back to agents", href="/agents"), align="center"), padding="64px"),
            ),
        ),
    )
