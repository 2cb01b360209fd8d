"""`/webhooks` (admins): where Mission Control calls out, and how each delivery went."""

from __future__ import annotations

import reflex as rx

from mission_control.components.confirm import confirm
from mission_control.components.layout import admin_page
from mission_control.services.webhooks import WEBHOOK_EVENTS
from mission_control.state.webhooks import DeliveryRow, HookRow, WebhooksState

S = WebhooksState


def hook_row(h: HookRow) -> rx.Component:
    return rx.hstack(
        rx.switch(checked=h.active, on_change=lambda on: S.set_active(h.id, on)),  # type: ignore[operator]
        rx.vstack(
            rx.text(h.url, size="2", weight="medium", word_break="break-all"),
            rx.hstack(rx.foreach(h.events, lambda e: rx.badge(e, size="1", variant="soft")),
                      rx.cond(h.slack_format, rx.badge("slack", size="1", color_scheme="purple")),
                      rx.badge(rx.cond(h.secret_set, "secret set", "secret not set"), size="1", variant="outline"),
                      wrap="wrap"),
            spacing="1",
            flex="1",
        ),
        confirm(rx.button("Replace secret", size="1", variant="ghost"), "Replace this webhook's secret?",
                "The old one stops signing at once; the new one is shown once.", "Replace",
                S.replace_secret(h.id)),  # type: ignore[operator]
        confirm(rx.button("Remove", size="1", variant="ghost", color_scheme="red"), "Remove this webhook?",
                "Its delivery log goes with it.", "Remove", S.delete(h.id)),  # type: ignore[operator]
        width="100%",
        align="center",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def delivery_row(d: DeliveryRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.moment(d.created_at, format="MMM D HH:mm:ss"), white_space="nowrap"),
        rx.table.cell(d.event),
        rx.table.cell(rx.badge(d.status, variant="soft", color_scheme=rx.match(
            d.status, ("delivered", "grass"), ("failed", "red"), ("pending", "amber"), "gray"))),
        rx.table.cell(d.attempts, text_align="right"),
        rx.table.cell(rx.cond(d.response_code > 0, d.response_code.to_string(), "—")),  # type: ignore[attr-defined]
        rx.table.cell(rx.text(d.error, size="1", color_scheme="gray", max_width="300px", truncate=True, title=d.error)),
        rx.table.cell(rx.cond(d.status != "pending",
                              rx.button("Redeliver", size="1", variant="ghost", on_click=S.redeliver(d.id)))),  # type: ignore[operator]
    )


def add_form() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.input(placeholder="https://hooks.example.com/mission-control", value=S.new_url,
                     on_change=S.set_new_url, flex="1", min_width="260px", aria_label="Webhook URL"),
            rx.button("Add webhook", on_click=S.create),
            width="100%",
            wrap="wrap",
        ),
        rx.hstack(
            *[rx.checkbox(label, checked=S.new_events.contains(key),  # type: ignore[attr-defined]
                          on_change=lambda on, key=key: S.toggle_event(key, on))  # type: ignore[misc,operator]
              for key, label in ((event.value, label) for event, label in WEBHOOK_EVENTS.items())],
            rx.checkbox("Slack-compatible payload", checked=S.new_slack, on_change=S.set_new_slack),
            wrap="wrap",
            spacing="4",
        ),
        rx.cond(S.form_error != "", rx.text(S.form_error, color_scheme="red", size="1")),
        rx.cond(S.new_secret != "", rx.callout(
            rx.vstack(
                rx.text("Signing secret (shown once). Verify X-MC-Signature = sha256 HMAC of "
                        "\"<X-MC-Timestamp>.<body>\" with it:", size="2"),
                rx.code(S.new_secret, word_break="break-all"),
                rx.button("Done", size="1", variant="soft", on_click=S.hide_secret),
                spacing="2",
            ),
            icon="key-round", color_scheme="amber", width="100%",
        )),
        width="100%",
        spacing="2",
    )


def webhooks_page() -> rx.Component:
    return admin_page(
        S.loaded,
        S.allowed,
        rx.vstack(
            rx.heading("Webhooks", size="6"),
            rx.text("Mission Control calls these URLs when something needs a person: signed, retried with "
                    "backoff, logged below.", size="2", color_scheme="gray"),
            rx.card(rx.vstack(
                rx.cond(S.hooks.length() > 0, rx.foreach(S.hooks, hook_row),  # type: ignore[attr-defined]
                        rx.text("No webhooks yet.", size="2", color_scheme="gray")),
                add_form(),
                width="100%",
            ), width="100%"),
            rx.card(rx.vstack(
                rx.hstack(rx.heading("Delivery log", size="3"), rx.spacer(),
                          rx.button(rx.icon("refresh-cw", size=14), "Refresh", size="1", variant="soft",
                                    on_click=S.refresh_now), width="100%"),
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("When", "Event", "Status", "Attempts", "HTTP", "Error", "")])),
                    rx.table.body(rx.foreach(S.deliveries, delivery_row)),
                    size="1", width="100%",
                ), overflow_x="auto", width="100%"),
                rx.cond(S.deliveries.length() == 0, rx.text("Nothing sent yet.", size="2", color_scheme="gray")),  # type: ignore[attr-defined]
                width="100%",
            ), width="100%"),
            spacing="4",
            width="100%",
            max_width="1000px",
        ),
        "Webhooks are managed by admins.",
    )
