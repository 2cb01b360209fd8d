"""The create/edit agent dialog: inline errors under each field, capabilities as tags."""

from __future__ import annotations

import reflex as rx

from mission_control.state.agents import BUILTIN_ROLES, DRIVERS, AgentFormState

S = AgentFormState


def error_for(key: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(key),  # type: ignore[attr-defined]
        rx.text(S.errors[key], color_scheme="red", size="1", custom_attrs={"data-testid": f"error-{key}"}),
    )


def labelled(label: str, key: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", size="2", weight="medium", html_for=f"agent-{key}"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")) if hint else rx.fragment(),
        error_for(key),
        spacing="1",
        width="100%",
    )


def _input(key: str, **props: object) -> rx.Component:
    return rx.input(
        id=f"agent-{key}",
        on_change=lambda v: S.set_field(key, v),  # type: ignore[operator]
        width="100%",
        size="2",
        color_scheme=rx.cond(S.errors.contains(key), "red", "gray"),  # type: ignore[attr-defined]
        custom_attrs={"aria-invalid": S.errors.contains(key)},  # type: ignore[attr-defined]
        **props,
    )


def text_field(label: str, key: str, placeholder: str = "", hint: str = "") -> rx.Component:
    return labelled(label, key, _input(key, value=getattr(S, key), placeholder=placeholder, type="text"), hint)


def secret_field(label: str, key: str, placeholder: str, hint: str = "") -> rx.Component:
    """A write-only input: never filled from state (the stored secret is not there), it only
    sends what is typed. Left blank, the stored secret is kept."""
    is_set = S.secrets_set.get(key, False)  # type: ignore[attr-defined]
    return labelled(
        label,
        key,
        _input(key, placeholder=rx.cond(is_set, "set: leave blank to keep it, or type a new one", placeholder),
               type="password", auto_complete="new-password"),
        hint,
    )


def capabilities_field() -> rx.Component:
    return labelled(
        "Capabilities",
        "capabilities",
        rx.flex(
            rx.foreach(
                S.capabilities,
                lambda cap: rx.badge(
                    cap,
                    rx.icon("x", size=12, cursor="pointer", on_click=S.remove_cap(cap),  # type: ignore[operator]
                            aria_label="remove " + cap),
                    variant="soft",
                    size="2",
                    custom_attrs={"data-testid": "capability"},
                ),
            ),
            rx.input(
                id="agent-capabilities",
                value=S.cap_draft,
                on_change=lambda v: S.set_field("cap_draft", v),  # type: ignore[operator]
                on_key_down=S.cap_key,
                placeholder="python, research… (Enter adds)",
                variant="soft",
                flex="1",
                min_width="160px",
            ),
            wrap="wrap",
            spacing="2",
            align="center",
            width="100%",
        ),
        "Used by the orchestrator to pick who gets a task.",
    )


def driver_settings() -> rx.Component:
    return rx.match(
        S.driver_type,
        (
            "openai",
            rx.vstack(
                text_field("Model", "model", "llama3.1:8b"),
                text_field("Base URL", "base_url", "http://127.0.0.1:11434/v1", "Empty: MC_OPENAI_BASE_URL"),
                secret_field("API key", "api_key", "not set (optional)"),
                rx.cond(
                    S.secrets_set.get("api_key", False),  # type: ignore[attr-defined]
                    rx.checkbox("Remove the stored API key", checked=S.clear_api_key,
                                on_change=S.set_clear_api_key, size="1"),
                ),
                width="100%",
            ),
        ),
        (
            "webhook",
            rx.vstack(
                text_field("Webhook URL", "url", "https://agent.example/wake"),
                secret_field("Shared secret", "secret", "at least 16 characters", "Signs each wake (HMAC-SHA256)."),
                width="100%",
            ),
        ),
        (
            "builtin",
            labelled(
                "Builtin role",
                "builtin_role",
                rx.select(BUILTIN_ROLES, value=S.builtin_role,
                          on_change=lambda v: S.set_field("builtin_role", v), width="100%"),  # type: ignore[operator]
            ),
        ),
        rx.text("External agents join through the API, CLI or MCP with their own key; nothing is called.",
                size="1", color_scheme="gray"),
    )


def agent_form_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(S.editing_id > 0, "Edit agent", "New agent")),
            rx.dialog.description("Agents wake on their heartbeat, read their tasks and act.", size="2",
                                  color_scheme="gray", margin_bottom="12px"),
            rx.vstack(
                rx.cond(
                    S.editing_id > 0,
                    rx.text("Name: ", rx.text.strong(S.name), size="2"),
                    text_field("Name", "name", "Friday", "Used in @mentions: letters, digits, - or _."),
                ),
                text_field("Role", "role", "developer"),
                labelled("Description", "description", rx.text_area(
                    id="agent-description", value=S.description,
                    on_change=lambda v: S.set_field("description", v), rows="2", width="100%")),  # type: ignore[operator]
                capabilities_field(),
                labelled(
                    "Heartbeat every (minutes)", "interval",
                    rx.input(id="agent-interval", value=S.interval_min, type="number", step="any",
                             on_change=lambda v: S.set_field("interval_min", v), width="100%"),  # type: ignore[operator]
                    "Staggered across the squad; an assignment or @mention wakes it early.",
                ),
                labelled("Driver", "driver_type", rx.select(
                    DRIVERS, value=S.driver_type, on_change=lambda v: S.set_field("driver_type", v),  # type: ignore[operator]
                    width="100%")),
                driver_settings(),
                rx.checkbox("May delete tasks and documents", checked=S.can_delete, on_change=S.set_can_delete,
                            size="2", custom_attrs={"data-testid": "agent-can-delete"}),
                error_for("form"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", min_height="40px")),
                    rx.button(rx.cond(S.editing_id > 0, "Save", "Create agent"), on_click=S.save,
                              min_height="40px", custom_attrs={"data-testid": "agent-save"}),
                    justify="end",
                    width="100%",
                    spacing="3",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="520px",
        ),
        open=S.open,
        on_open_change=S.set_open,
    )
