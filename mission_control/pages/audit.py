"""`/audit` (admins): who did what, when, from where — filter, verify the chain, export."""

from __future__ import annotations

import reflex as rx

from mission_control.components.layout import admin_page
from mission_control.state.audit import AuditRow, AuditState

S = AuditState


def audit_row(r: AuditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.id),
        rx.table.cell(rx.moment(r.at, format="YYYY-MM-DD HH:mm:ss"), white_space="nowrap"),
        rx.table.cell(r.actor_name, rx.text(" (", r.actor_type, " via ", r.origin, ")", size="1", color_scheme="gray", as_="span")),
        rx.table.cell(rx.code(r.action, size="1")),
        rx.table.cell(r.target),
        rx.table.cell(rx.text(r.change, size="1", color_scheme="gray", max_width="420px", truncate=True, title=r.change)),
        custom_attrs={"data-testid": "audit-row"},
    )


def filters() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="actor", placeholder="actor (e.g. Friday or admin)", default_value=S.actor, width=["100%", "200px"]),
            rx.input(name="action", placeholder="action prefix (task., agent.)", default_value=S.action, width=["100%", "200px"]),
            rx.input(name="target_type", placeholder="target (task, agent…)", default_value=S.target_type, width=["100%", "170px"]),
            rx.button("Filter", type="submit", variant="soft"),
            wrap="wrap",
            spacing="2",
        ),
        on_submit=S.apply_filters,
        reset_on_submit=False,
    )


def audit_page() -> rx.Component:
    return admin_page(
        S.loaded,
        S.allowed,
        rx.vstack(
            rx.hstack(
                rx.heading("Audit log", size="6"),
                rx.spacer(),
                rx.button(rx.icon("shield-check", size=16), "Verify chain", variant="soft", on_click=S.verify),
                rx.button(rx.icon("download", size=16), "CSV", variant="soft", on_click=S.export("csv")),  # type: ignore[operator]
                rx.button(rx.icon("download", size=16), "JSON", variant="soft", on_click=S.export("json")),  # type: ignore[operator]
                width="100%",
                align="center",
                wrap="wrap",
                spacing="2",
            ),
            rx.text("Every change, append-only; each row's hash covers the previous one, so an edited or "
                    "deleted row is detected.", size="2", color_scheme="gray"),
            rx.cond(S.verify_text != "", rx.callout(S.verify_text, icon=rx.cond(S.verify_ok, "check", "triangle-alert"),
                                                     color_scheme=rx.cond(S.verify_ok, "grass", "red"), width="100%")),
            filters(),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("#", "When", "Who", "Action", "Target", "Change")])),
                    rx.table.body(rx.foreach(S.rows, audit_row)),
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.cond(S.rows.length() == 0, rx.text("No audit rows match.", color_scheme="gray")),  # type: ignore[attr-defined]
            rx.cond(S.more, rx.button("Load older", variant="soft", on_click=S.load_more)),
            spacing="3",
            width="100%",
        ),
        "The audit log is for admins.",
    )
