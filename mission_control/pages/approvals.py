"""`/approvals`: built for a phone first — one card per task in review, big touch targets."""

from __future__ import annotations

import reflex as rx

from mission_control.components.diff import diff_view
from mission_control.components.guard import work_only
from mission_control.components.layout import page
from mission_control.components.markdown import markdown
from mission_control.state.approvals import ApprovalsState, ReviewItem

S = ApprovalsState


def deliverable(item: ReviewItem) -> rx.Component:
    return rx.cond(
        item.doc_id > 0,
        rx.vstack(
            rx.hstack(
                rx.icon("file-text", size=14),
                rx.link(item.doc_title, " · v", item.doc_version, href="/documents/" + item.doc_id.to_string(),  # type: ignore[attr-defined]
                        size="2", weight="medium"),
                spacing="1",
                align="center",
            ),
            rx.text(item.diff_note, size="1", color_scheme="gray"),
            rx.cond(
                item.diff.length() > 0,  # type: ignore[attr-defined]
                diff_view(item.diff, "review-diff"),
                rx.box(markdown(item.preview), width="100%", max_height="260px", overflow_y="auto",
                       padding_x="10px", border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-2)",
                       font_size="14px"),
            ),
            spacing="2",
            width="100%",
        ),
        rx.text(item.diff_note, size="2", color_scheme="gray"),
    )


def review_card(item: ReviewItem) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link("#", item.id, " ", item.title, href="/tasks/" + item.id.to_string(),  # type: ignore[attr-defined]
                        size="3", weight="bold"),
                width="100%",
            ),
            rx.hstack(
                rx.badge(item.priority, variant="soft", size="1"),
                rx.foreach(item.assignees, lambda n: rx.badge("@", n, variant="outline", size="1")),
                rx.text("in review ", rx.moment(item.in_review_since, from_now=True), size="1", color_scheme="gray"),
                rx.cond(item.review_round > 1, rx.badge("round ", item.review_round, color_scheme="amber", size="1")),
                wrap="wrap",
                spacing="2",
                align="center",
            ),
            deliverable(item),
            rx.grid(
                rx.button(rx.icon("x", size=18), "Reject", size="3", variant="soft", color_scheme="red",
                          min_height="48px", width="100%", on_click=S.open_reject(item.id),  # type: ignore[operator]
                          custom_attrs={"data-testid": "reject"}, **work_only()),
                rx.button(rx.icon("check", size=18), "Approve", size="3", color_scheme="grass",
                          min_height="48px", width="100%", on_click=S.approve(item.id),  # type: ignore[operator]
                          custom_attrs={"data-testid": "approve"}, **work_only()),
                columns="2",
                spacing="2",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "review-card"},
    )


def reject_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Request changes on #", S.rejecting),
            rx.dialog.description("The task goes back to In progress; your reason is posted in its thread and "
                                  "the assignees are notified.", size="2", color_scheme="gray"),
            rx.text_area(value=S.reason, on_change=S.set_reason, placeholder="What needs to change?", rows="4",
                         width="100%", margin_top="12px", auto_focus=True, aria_label="Reason",
                         custom_attrs={"data-testid": "reject-reason"}),
            rx.cond(S.reason_error != "", rx.text(S.reason_error, color_scheme="red", size="1")),
            rx.grid(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", size="3", min_height="48px",
                                          width="100%")),
                rx.button("Send back", color_scheme="red", size="3", min_height="48px", width="100%",
                          on_click=S.confirm_reject, custom_attrs={"data-testid": "confirm-reject"}),
                columns="2",
                spacing="2",
                margin_top="12px",
            ),
            max_width="460px",
        ),
        open=S.rejecting > 0,
        on_open_change=S.set_reject_open,
    )


def approvals_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading("Approvals", size="6"),
                rx.badge(S.items.length(), " waiting", size="2", color_scheme="amber"),  # type: ignore[attr-defined]
                align="center",
                spacing="3",
            ),
            rx.cond(
                ~S.loaded,
                rx.vstack(rx.skeleton(height="180px", width="100%"), rx.skeleton(height="180px", width="100%"), width="100%"),
                rx.cond(
                    S.items.length() > 0,  # type: ignore[attr-defined]
                    rx.vstack(rx.foreach(S.items, review_card), spacing="3", width="100%"),
                    rx.center(
                        rx.vstack(rx.icon("circle-check-big", size=36, color=rx.color("grass", 9)),
                                  rx.text("Nothing waiting for review.", color_scheme="gray"), align="center"),
                        padding="48px",
                        width="100%",
                    ),
                ),
            ),
            reject_dialog(),
            spacing="4",
            width="100%",
            max_width="720px",
            margin_x="auto",
        ),
    )
