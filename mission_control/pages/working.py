"""`/working`: WORKING.md as the agents read it, its notes, and every version."""

from __future__ import annotations

import reflex as rx

from mission_control.components.confirm import confirm
from mission_control.components.diff import diff_view
from mission_control.components.guard import work_only
from mission_control.components.layout import page
from mission_control.components.markdown import markdown
from mission_control.state.working import VersionRow, WorkingState

S = WorkingState


def version_row(v: VersionRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.badge("v", v.version, variant=rx.cond(v.version == S.version, "solid", "soft")),
            rx.text(v.author, size="2", weight="medium"),
            rx.spacer(),
            rx.text(rx.moment(v.created_at, from_now=True), size="1", color_scheme="gray"),
            width="100%",
            align="center",
        ),
        rx.hstack(
            rx.button("Diff", size="1", variant="ghost", on_click=S.show_diff(v.version)),  # type: ignore[operator]
            rx.cond(
                v.version != S.version,
                confirm(rx.button("Restore", size="1", variant="ghost", color_scheme="amber", **work_only()),
                        ("Restore version ", v.version, "?"),
                        "Its notes become a new version; nothing in the history is lost.", "Restore",
                        S.restore(v.version), color=None),  # type: ignore[operator]
            ),
            spacing="2",
        ),
        rx.cond(S.diff_version == v.version,
                diff_view(S.diff)),
        spacing="1",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def notes_editor() -> rx.Component:
    return rx.cond(
        S.editing,
        rx.vstack(
            rx.text_area(value=S.draft, on_change=S.set_draft, rows="12", width="100%",
                         font_family="var(--code-font-family)", aria_label="Squad notes"),
            rx.hstack(
                rx.text("Saving checks nobody else saved since version ", S.draft_base, ".", size="1",
                        color_scheme="gray"),
                rx.spacer(),
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel_edit),
                rx.button("Save notes", on_click=S.save),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            width="100%",
        ),
        rx.button(rx.icon("pencil", size=14), "Edit notes", variant="soft", on_click=S.start_edit, **work_only()),
    )


def working_page() -> rx.Component:
    return page(
        rx.cond(
            ~S.loaded,
            rx.skeleton(height="400px", width="100%"),
            rx.grid(
                rx.card(
                    rx.vstack(
                        rx.hstack(
                            rx.heading("WORKING.md", size="5"),
                            rx.badge("v", S.version, size="2"),
                            rx.cond(S.author != "", rx.text("by ", S.author, " ",
                                                            rx.moment(S.updated_at, from_now=True),
                                                            size="1", color_scheme="gray")),
                            rx.spacer(),
                            notes_editor(),
                            width="100%",
                            align="center",
                            wrap="wrap",
                        ),
                        rx.text("Rendered from the board plus the squad's notes; every agent reads this on "
                                "each heartbeat.", size="1", color_scheme="gray"),
                        rx.box(markdown(S.content), width="100%", overflow_x="auto"),
                        width="100%",
                    ),
                ),
                rx.card(
                    rx.vstack(
                        rx.heading("History", size="3"),
                        rx.cond(S.versions.length() > 0,  # type: ignore[attr-defined]
                                rx.foreach(S.versions, version_row),
                                rx.text("No notes written yet.", size="2", color_scheme="gray")),
                        width="100%",
                    ),
                ),
                columns=rx.breakpoints(initial="1", lg="3fr 1fr"),
                spacing="3",
                width="100%",
            ),
        ),
    )
