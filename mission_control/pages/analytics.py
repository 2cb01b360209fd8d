"""`/analytics`: throughput, where time goes, review outcomes, heartbeats, and open-task estimates."""

from __future__ import annotations

import reflex as rx

from mission_control.components.layout import page
from mission_control.state.analytics import WINDOWS, AnalyticsState, EstimateRow

CHART_HEIGHT = 220
AXIS = {"tick": {"fontSize": 12, "fill": "var(--gray-11)"}, "stroke": "var(--gray-7)"}
GRID = {"stroke_dasharray": "3 3", "stroke": "var(--gray-5)", "vertical": False}
# The same units as state.analytics.hours(), for axis ticks drawn in the browser.
HOURS_JS = (
    "(v) => v >= 48 ? (v / 24).toFixed(1) + ' d' : v >= 1 ? (+v.toFixed(1)) + ' h'"
    " : v > 0 ? (+(v * 60).toFixed(v * 60 < 10 ? 1 : 0)) + ' min' : '0'"
)
# Charts redraw on every refresh; animating each redraw only delays the numbers.
BAR = {"is_animation_active": False, "max_bar_size": 56}
TOOLTIP = {
    "content_style": {"background": rx.color("gray", 1), "border": f"1px solid {rx.color('gray', 5)}",
                      "border_radius": "6px", "font_size": "12px"},
    "item_style": {"color": rx.color("gray", 12)},
    "label_style": {"color": rx.color("gray", 11)},
    "cursor": {"fill": rx.color("gray", 3)},
}


def card(title: str, subtitle: rx.Component | str, body: rx.Component, testid: str) -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading(title, size="3"),
            rx.text(subtitle, size="1", color_scheme="gray") if isinstance(subtitle, str) else subtitle,
            spacing="0",
        ),
        body,
        spacing="3",
        padding="16px",
        width="100%",
        min_width="0",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-testid": testid},
    )


def empty(text: str) -> rx.Component:
    return rx.center(rx.text(text, size="2", color_scheme="gray", text_align="center"), height=f"{CHART_HEIGHT}px", width="100%")


def done_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(**GRID),
        rx.recharts.x_axis(data_key="day", **AXIS),
        rx.recharts.y_axis(allow_decimals=False, width=32, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        rx.recharts.bar(data_key="done", name="tasks done", **BAR, fill=rx.color("accent", 9), radius=[4, 4, 0, 0]),
        data=AnalyticsState.done_per_day,
        height=CHART_HEIGHT,
    )


def columns_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(**GRID),
        rx.recharts.x_axis(data_key="column", **AXIS),
        rx.recharts.y_axis(width=64, tick_formatter=HOURS_JS, **AXIS),
        rx.recharts.graphing_tooltip(**TOOLTIP),
        rx.recharts.bar(data_key="avg_hours", name="average hours per stay", **BAR, fill=rx.color("indigo", 9), radius=[4, 4, 0, 0]),
        data=AnalyticsState.columns,
        height=CHART_HEIGHT,
    )


def approvals_chart() -> rx.Component:
    return rx.cond(
        AnalyticsState.approvals.length() > 0,  # type: ignore[attr-defined]
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(**GRID),
            rx.recharts.x_axis(data_key="agent", **AXIS),
            rx.recharts.y_axis(allow_decimals=False, width=32, **AXIS),
            rx.recharts.graphing_tooltip(**TOOLTIP),
            rx.recharts.legend(icon_size=10, wrapper_style={"fontSize": "12px"}),
            rx.recharts.bar(data_key="approved", name="approved", stack_id="r", **BAR, fill=rx.color("grass", 9)),
            rx.recharts.bar(data_key="rejected", name="sent back", stack_id="r", **BAR, fill=rx.color("tomato", 9),
                            radius=[4, 4, 0, 0]),
            data=AnalyticsState.approvals,
            height=CHART_HEIGHT,
        ),
        empty("No reviews yet: approvals appear once tasks leave review."),
    )


def heartbeat_chart() -> rx.Component:
    return rx.cond(
        AnalyticsState.heartbeats.length() > 0,  # type: ignore[attr-defined]
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(**{**GRID, "vertical": True, "horizontal": False}),
            rx.recharts.x_axis(type_="number", allow_decimals=False, **AXIS),
            rx.recharts.y_axis(data_key="outcome", type_="category", width=90, **AXIS),
            rx.recharts.graphing_tooltip(**TOOLTIP),
            rx.recharts.bar(data_key="runs", name="runs", **BAR, fill=rx.color("cyan", 9), radius=[0, 4, 4, 0]),
            data=AnalyticsState.heartbeats,
            layout="vertical",
            height=CHART_HEIGHT,
        ),
        empty("No heartbeats in this window."),
    )


def approval_rates() -> rx.Component:
    return rx.hstack(
        rx.foreach(
            AnalyticsState.approvals,
            lambda a: rx.badge(a["agent"], " ", a["rate"], "%", variant="soft", size="1",
                               custom_attrs={"data-testid": "approval-rate"}),
        ),
        wrap="wrap",
        spacing="1",
    )


def estimate_row(r: EstimateRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(f"#{r.id} ", r.title, href=f"/tasks/{r.id}", size="2")),
        rx.table.cell(rx.badge(r.status, variant="surface", size="1")),
        rx.table.cell(rx.text(rx.cond(r.assignees != "", r.assignees, "—"), size="2")),
        rx.table.cell(rx.text(r.estimate, weight="bold", size="2", custom_attrs={"data-testid": "estimate"})),
        rx.table.cell(rx.text(r.elapsed, size="2", color_scheme=rx.cond(r.over, "red", "gray"))),
        rx.table.cell(rx.text(r.basis, size="1", color_scheme="gray")),
        custom_attrs={"data-task-id": r.id},
    )


def estimate_item(r: EstimateRow) -> rx.Component:
    """The same facts as a table row, stacked for a phone."""
    return rx.vstack(
        rx.hstack(
            rx.link(f"#{r.id} ", r.title, href=f"/tasks/{r.id}", size="2", flex="1", min_width="0"),
            rx.badge(r.status, variant="surface", size="1"),
            width="100%",
            align="start",
        ),
        rx.hstack(
            rx.text("≈ ", r.estimate, weight="bold", size="2"),
            rx.text("so far ", r.elapsed, size="2", color_scheme=rx.cond(r.over, "red", "gray")),
            rx.text(rx.cond(r.assignees != "", r.assignees, ""), size="2", color_scheme="gray"),
            spacing="3",
            wrap="wrap",
        ),
        rx.text(r.basis, size="1", color_scheme="gray"),
        spacing="1",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def estimates_table() -> rx.Component:
    headers = ("Task", "Status", "Assignees", "Estimate", "So far", "Based on")
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(AnalyticsState.open_tasks, estimate_row)),
            size="1",
            width="100%",
        ),
        overflow_x="auto",
        width="100%",
        display=["none", "none", "block"],
    )


def estimates_card() -> rx.Component:
    return card(
        "Estimated duration of open tasks",
        rx.text(AnalyticsState.accuracy_text, size="1", color_scheme="gray", custom_attrs={"data-testid": "accuracy"}),
        rx.cond(
            AnalyticsState.open_tasks.length() > 0,  # type: ignore[attr-defined]
            rx.fragment(
                rx.vstack(
                    rx.foreach(AnalyticsState.open_tasks, estimate_item),
                    spacing="0",
                    width="100%",
                    display=["flex", "flex", "none"],
                ),
                estimates_table(),
            ),
            empty("No open tasks."),
        ),
        "estimates",
    )


def skeleton() -> rx.Component:
    return rx.vstack(
        rx.grid(*[rx.skeleton(height="290px", width="100%") for _ in range(4)],
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"),
        rx.skeleton(height="240px", width="100%"),
        spacing="4",
        width="100%",
    )


def analytics_page() -> rx.Component:
    charts = rx.vstack(
        rx.grid(
            card("Tasks done per day", rx.text(AnalyticsState.done_total, " in the last ", AnalyticsState.days,
                                               " days", size="1", color_scheme="gray"), done_chart(), "done-per-day"),
            card("Time spent per column", "Average hours a task stays in each column (open stays count so far)",
                 columns_chart(), "time-per-column"),
            card("Review outcomes per agent", approval_rates(), approvals_chart(), "approval-rate"),
            card("Heartbeat outcomes", rx.text(AnalyticsState.runs_total, " runs in the last ", AnalyticsState.days,
                                               " days", size="1", color_scheme="gray"), heartbeat_chart(), "heartbeats"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        estimates_card(),
        spacing="4",
        width="100%",
    )
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading("Analytics", size="5"),
                rx.spacer(),
                rx.text("Window", size="1", color_scheme="gray"),
                rx.select.root(
                    rx.select.trigger(aria_label="Window"),
                    rx.select.content(*[rx.select.item(f"{d} days", value=d) for d in WINDOWS]),
                    value=AnalyticsState.days,
                    on_change=AnalyticsState.set_days,
                    size="2",
                ),
                rx.icon_button(rx.icon("refresh-cw", size=14), variant="soft", on_click=AnalyticsState.reload,
                               aria_label="Refresh"),
                width="100%",
                align="center",
                spacing="2",
            ),
            rx.cond(AnalyticsState.loaded, charts, skeleton()),
            spacing="4",
            width="100%",
        ),
    )
