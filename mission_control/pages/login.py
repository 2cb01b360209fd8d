"""`/login`: operator sign-in (password checked with lockout; a session cookie on success)."""

from __future__ import annotations

import reflex as rx

from mission_control.state.session import SessionState


def login_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.hstack(
                        rx.icon("radar", size=26, color=rx.color("accent", 10)),
                        rx.heading("Mission Control", size="6"),
                        align="center",
                        spacing="2",
                    ),
                    rx.text("Sign in to the control room.", color_scheme="gray", size="2"),
                    rx.text("Workspace", as_="label", size="2", weight="medium", html_for="workspace"),
                    rx.input(
                        id="workspace", name="workspace", default_value=SessionState.login_workspace,
                        size="3", width="100%", auto_complete="organization",
                    ),
                    rx.text("Handle", as_="label", size="2", weight="medium", html_for="handle"),
                    rx.input(
                        id="handle", name="handle", placeholder="admin", size="3", width="100%",
                        auto_focus=True, auto_complete="username",
                    ),
                    rx.text("Password", as_="label", size="2", weight="medium", html_for="password"),
                    rx.input(
                        id="password", name="password", type="password", size="3", width="100%",
                        auto_complete="current-password",
                    ),
                    rx.cond(
                        SessionState.login_error != "",
                        rx.callout(
                            SessionState.login_error, icon="triangle-alert", color_scheme="red",
                            size="1", width="100%", role="alert",
                            custom_attrs={"data-testid": "login-error"},
                        ),
                    ),
                    rx.button(
                        "Sign in", type="submit", size="3", width="100%", min_height="44px",
                        loading=SessionState.login_busy,
                    ),
                    rx.text(
                        "First start prints the admin's password once in the server log; "
                        "`mc` and agents use API keys instead.",
                        size="1", color_scheme="gray",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=SessionState.submit_login,
                reset_on_submit=False,
            ),
            width="100%",
            max_width="400px",
            size="4",
        ),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )
