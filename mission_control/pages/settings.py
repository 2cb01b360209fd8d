"""`/settings`: personal API tokens for everyone; operators for admins."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mission_control.components.confirm import confirm
from mission_control.components.layout import page
from mission_control.state.settings import ROLES, OperatorRow, SettingsState, TokenRow

S = SettingsState
OWNER_REASON = ("Only the platform owner creates workspaces: an admin of the first workspace, or "
                "`python -m mission_control.seed --create-workspace` on the server.")


def token_row(t: TokenRow) -> rx.Component:
    return rx.hstack(
        rx.code(t.prefix, "…", size="1"),
        rx.text(t.name, size="2"),
        rx.spacer(),
        rx.text(rx.cond(t.last_used_at != "", rx.moment(t.last_used_at, from_now=True), "never used"), size="1",
                color_scheme="gray"),
        confirm(rx.button("Revoke", size="1", variant="ghost", color_scheme="red"), "Revoke this token?",
                "Anything using it is refused from the next request.",
                "Revoke", S.revoke_token(t.id)),  # type: ignore[operator]
        width="100%",
        align="center",
    )


def operator_row(o: OperatorRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell("@", o.handle),
        rx.table.cell(rx.badge(o.role, variant="soft")),
        rx.table.cell(rx.cond(o.last_login_at != "", rx.moment(o.last_login_at, from_now=True), "never")),
        rx.table.cell(
            rx.cond(
                o.active,
                confirm(rx.button("Deactivate", size="1", variant="ghost", color_scheme="red"),
                        "Deactivate this operator?", "They are signed out and their tokens stop working.",
                        "Deactivate", S.set_active(o.id, False)),  # type: ignore[operator]
                rx.button("Reactivate", size="1", variant="ghost", on_click=S.set_active(o.id, True)),  # type: ignore[operator]
            )
        ),
    )


def secret_callout() -> rx.Component:
    return rx.cond(
        S.shown_secret != "",
        rx.callout(
            rx.vstack(
                rx.text(S.shown_label, size="2"),
                rx.code(S.shown_secret, size="2", word_break="break-all", custom_attrs={"data-testid": "shown-secret"}),
                rx.hstack(
                    rx.button("Copy", size="1", on_click=[rx.set_clipboard(S.shown_secret), rx.toast.info("Copied")]),
                    rx.button("Done", size="1", variant="soft", on_click=S.hide_secret),
                ),
                spacing="2",
            ),
            icon="key-round",
            color_scheme="amber",
            width="100%",
        ),
    )


def owner_only() -> dict[str, Any]:
    return {"disabled": ~S.platform_owner, "title": rx.cond(S.platform_owner, "", OWNER_REASON)}


def workspace_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Workspace", size="3"),
            rx.form(
                rx.hstack(rx.input(name="name", default_value=S.me_workspace, width="260px", aria_label="Workspace name"),
                          rx.button("Rename", type="submit", variant="soft"), wrap="wrap"),
                on_submit=S.rename_workspace, reset_on_submit=False,
            ),
            rx.text("A new workspace is a separate tenant: its own board, agents, keys and admin.", size="2",
                    color_scheme="gray"),
            rx.form(
                rx.hstack(rx.input(name="slug", placeholder="slug (e.g. research)", width="200px",
                                   aria_label="New workspace slug", **owner_only()),
                          rx.input(name="name", placeholder="name", width="200px", aria_label="New workspace name",
                                   **owner_only()),
                          rx.button("Create workspace", type="submit", variant="soft", **owner_only()), wrap="wrap"),
                on_submit=S.create_workspace,
            ),
            rx.cond(S.ws_error != "", rx.text(S.ws_error, color_scheme="red", size="1")),
            width="100%",
        ),
        width="100%",
    )


def settings_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Settings", size="6"),
            secret_callout(),
            rx.card(
                rx.vstack(
                    rx.heading("Your API tokens", size="3"),
                    rx.text("For the mc CLI (MC_API_KEY), the MCP server or scripts; they act as you, with your role.",
                            size="2", color_scheme="gray"),
                    rx.foreach(S.tokens, token_row),
                    rx.form(
                        rx.hstack(rx.input(name="name", placeholder="token name (e.g. laptop CLI)", width="260px"),
                                  rx.button("New token", type="submit", variant="soft"), wrap="wrap"),
                        on_submit=S.new_token,
                    ),
                    width="100%",
                ),
                width="100%",
            ),
            rx.cond(
                S.is_admin,
                rx.card(
                    rx.vstack(
                        rx.heading("Operators", size="3"),
                        rx.box(
                            rx.table.root(
                                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                               ("Handle", "Role", "Last sign-in", "")])),
                                rx.table.body(rx.foreach(S.operators, operator_row)),
                                size="1", width="100%",
                            ),
                            overflow_x="auto", width="100%",
                        ),
                        rx.hstack(
                            rx.input(placeholder="handle", value=S.new_handle, on_change=S.set_new_handle, width="200px",
                                     aria_label="New operator handle"),
                            rx.select(ROLES, value=S.new_role, on_change=S.set_new_role),
                            rx.button("Add operator", variant="soft", on_click=S.add_operator),
                            wrap="wrap",
                        ),
                        rx.cond(S.form_error != "", rx.text(S.form_error, color_scheme="red", size="1")),
                        rx.text("A generated password is shown once; there are no default passwords.", size="1",
                                color_scheme="gray"),
                        width="100%",
                    ),
                    width="100%",
                ),
            ),
            rx.cond(S.is_admin, workspace_card()),
            spacing="4",
            width="100%",
            max_width="900px",
        ),
    )
