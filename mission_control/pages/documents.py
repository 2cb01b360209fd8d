"""`/documents`: every document, filtered by type and text, and a dialog to start a new one."""

from __future__ import annotations

import reflex as rx

from mission_control.components.guard import work_only
from mission_control.components.layout import page
from mission_control.state.documents import ALL, TYPES, DocRow, DocumentsState

TYPE_ICONS = {"deliverable": "file-check", "research": "microscope", "protocol": "list-checks"}


def type_icon(doc_type: rx.Var[str] | str) -> rx.Component:
    return rx.match(
        doc_type,
        *[(t, rx.icon(icon, size=18, color=rx.color("accent", 10))) for t, icon in TYPE_ICONS.items()],
        rx.icon("file-text", size=18),
    )


def doc_card(d: DocRow) -> rx.Component:
    return rx.link(
        rx.vstack(
            rx.hstack(
                type_icon(d.type),
                rx.text(d.title, weight="bold", size="3", flex="1", min_width="0",
                        overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
                rx.badge(f"v{d.version}", variant="soft", color_scheme="gray", size="1"),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.text(
                rx.cond(d.excerpt != "", d.excerpt, "Empty document"),
                size="2",
                color_scheme="gray",
                style={"display": "-webkit-box", "-webkit-line-clamp": "2", "-webkit-box-orient": "vertical"},
                overflow="hidden",
                min_height="2.6em",
            ),
            rx.hstack(
                rx.badge(d.type, size="1", variant="surface"),
                rx.cond(
                    d.task_id > 0,
                    rx.hstack(rx.icon("link", size=12), rx.text(f"#{d.task_id} ", d.task_title, size="1",
                              overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
                              spacing="1", align="center", min_width="0", color=rx.color("gray", 11)),
                ),
                rx.spacer(),
                rx.text(rx.moment(d.updated_at, from_now=True), size="1", color_scheme="gray", white_space="nowrap"),
                align="center",
                spacing="2",
                width="100%",
            ),
            spacing="2",
            padding="14px",
            height="100%",
            border_radius="var(--radius-3)",
            border=f"1px solid {rx.color('gray', 4)}",
            background=rx.color("gray", 1),
            _hover={"border_color": rx.color("accent", 8)},
        ),
        href=f"/documents/{d.id}",
        underline="none",
        color="inherit",
        custom_attrs={"data-testid": "document-card", "data-document-id": d.id},
    )


def filters() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search titles and text",
            value=DocumentsState.search,
            on_change=DocumentsState.set_search.debounce(250),  # type: ignore[attr-defined]
            size="2",
            width=["100%", "280px"],
            aria_label="Search documents",
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Filter by type"),
            rx.select.content(
                rx.select.item("All types", value=ALL),
                *[rx.select.item(t.capitalize(), value=t) for t in TYPES],
            ),
            value=DocumentsState.filter_type,
            on_change=DocumentsState.set_filter_type,
            size="2",
        ),
        rx.cond(
            DocumentsState.filtering,
            rx.button("Clear", variant="ghost", size="2", on_click=DocumentsState.clear_filters),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
        width=["100%", "auto"],
    )


def field_error(key: str) -> rx.Component:
    return rx.cond(
        DocumentsState.errors.contains(key),  # type: ignore[attr-defined]
        rx.text(DocumentsState.errors[key], color_scheme="red", size="1", custom_attrs={"data-testid": f"error-{key}"}),
    )


def labelled(label: str, control: rx.Component, key: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, field_error(key), spacing="1", width="100%")


def new_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New document"),
            rx.dialog.description("Start with a title; write the content in the editor.", size="2", color_scheme="gray"),
            rx.vstack(
                labelled(
                    "Title",
                    rx.input(
                        value=DocumentsState.new_title,
                        on_change=DocumentsState.set_new_title,
                        placeholder="e.g. Launch blog post",
                        max_length=200,
                        auto_focus=True,
                        color_scheme=rx.cond(DocumentsState.errors.contains("title"), "red", "gray"),  # type: ignore[attr-defined]
                        aria_label="Title",
                        width="100%",
                    ),
                    "title",
                ),
                labelled(
                    "Type",
                    rx.select(TYPES, value=DocumentsState.new_type, on_change=DocumentsState.set_new_type, aria_label="Type"),
                    "type",
                ),
                labelled(
                    "Task",
                    rx.select.root(
                        rx.select.trigger(aria_label="Task", width="100%"),
                        rx.select.content(
                            rx.foreach(DocumentsState.task_choices, lambda c: rx.select.item(c.label, value=c.value)),
                        ),
                        value=DocumentsState.new_task,
                        on_change=DocumentsState.set_new_task,
                    ),
                    "task",
                ),
                field_error("form"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                    rx.button("Create", on_click=DocumentsState.create, custom_attrs={"data-testid": "create-document"}),
                    justify="end",
                    width="100%",
                    spacing="2",
                ),
                spacing="4",
                margin_top="12px",
            ),
            max_width="480px",
        ),
        open=DocumentsState.dialog_open,
        on_open_change=DocumentsState.set_dialog_open,
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("files", size=40, color=rx.color("gray", 8)),
            rx.cond(
                DocumentsState.filtering,
                rx.vstack(
                    rx.text("No documents match these filters.", size="3", weight="medium"),
                    rx.button("Clear filters", variant="soft", on_click=DocumentsState.clear_filters),
                    align="center",
                ),
                rx.vstack(
                    rx.text("No documents yet.", size="3", weight="medium"),
                    rx.text("Deliverables, research notes and protocols your squad writes appear here.",
                            size="2", color_scheme="gray", text_align="center"),
                    rx.button(rx.icon("plus", size=14), "New document", on_click=DocumentsState.open_new,
                              **work_only()),
                    align="center",
                ),
            ),
            align="center",
            spacing="3",
        ),
        padding="56px 16px",
        width="100%",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="var(--radius-4)",
        custom_attrs={"data-testid": "documents-empty"},
    )


def grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="3", width="100%")


def documents_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading("Documents", size="5"),
                rx.cond(DocumentsState.loaded, rx.badge(DocumentsState.items.length(), size="2", variant="soft")),  # type: ignore[attr-defined]
                rx.spacer(),
                rx.button(rx.icon("plus", size=14), "New document", on_click=DocumentsState.open_new,
                          custom_attrs={"data-testid": "new-document"}, **work_only()),
                width="100%",
                align="center",
            ),
            filters(),
            rx.cond(
                ~DocumentsState.loaded,
                grid(*[rx.skeleton(height="112px", width="100%") for _ in range(6)]),
                rx.cond(
                    DocumentsState.items.length() > 0,  # type: ignore[attr-defined]
                    grid(rx.foreach(DocumentsState.items, doc_card)),
                    empty_state(),
                ),
            ),
            new_dialog(),
            spacing="4",
            width="100%",
        ),
    )

