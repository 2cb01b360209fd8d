"""`/documents/[doc_id]`: markdown editor with live preview, version history, diff and restore."""

from __future__ import annotations

import reflex as rx

from mission_control.components.guard import work_only
from mission_control.components.layout import page
from mission_control.components.markdown import markdown
from mission_control.state.document import DiffRow, DocumentState, VersionRow

PANE_HEIGHT = ["55vh", "55vh", "64vh"]


def pane(child: rx.Component, shown_on_phone: rx.Var[bool] | bool, testid: str) -> rx.Component:
    # One editor and one preview in the page: phones show one at a time, wider screens both.
    return rx.box(
        child,
        display=rx.breakpoints(initial=rx.cond(shown_on_phone, "block", "none"), md="block"),
        flex="1",
        min_width="0",
        height=PANE_HEIGHT,
        custom_attrs={"data-testid": testid},
    )


def editor() -> rx.Component:
    text = rx.text_area(
        value=DocumentState.draft,
        on_change=DocumentState.set_draft.debounce(300),  # type: ignore[attr-defined]
        placeholder="Write markdown here…",
        aria_label="Document text",
        height="100%",
        width="100%",
        resize="none",
        font_family="var(--code-font-family)",
        size="2",
        custom_attrs={"data-testid": "editor"},
        **work_only(),
    )
    preview = rx.box(
        rx.cond(
            DocumentState.draft.strip() != "",  # type: ignore[attr-defined]
            markdown(DocumentState.draft),
            rx.text("Nothing to preview yet.", color_scheme="gray", size="2"),
        ),
        height="100%",
        overflow_y="auto",
        padding="12px 16px",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 1),
        custom_attrs={"data-testid": "preview"},
    )
    return rx.vstack(
        rx.box(
            rx.segmented_control.root(
                rx.segmented_control.item("Edit", value="edit"),
                rx.segmented_control.item("Preview", value="preview"),
                value=DocumentState.view,
                on_change=DocumentState.set_view,
                size="2",
                width="100%",
            ),
            display=["block", "block", "none"],
            width="100%",
        ),
        rx.flex(
            pane(text, DocumentState.view == "edit", "editor-pane"),
            pane(preview, DocumentState.view == "preview", "preview-pane"),
            gap="12px",
            width="100%",
        ),
        spacing="2",
        width="100%",
        flex="1",
        min_width="0",
    )


def stale_callout() -> rx.Component:
    return rx.cond(
        DocumentState.newer_elsewhere & DocumentState.dirty,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.vstack(
                rx.callout.text(
                    f"Version {DocumentState.latest_version} was saved while you were editing version "
                    f"{DocumentState.base_version}. Your text is kept here until you decide.",
                ),
                rx.hstack(
                    rx.button("Compare mine with the latest", size="1", variant="soft", on_click=DocumentState.compare_draft),
                    rx.button(
                        f"Save mine as version {DocumentState.latest_version + 1}",
                        size="1",
                        on_click=DocumentState.save_over_latest,
                        custom_attrs={"data-testid": "save-over-latest"},
                    ),
                    rx.button("Drop mine, load the latest", size="1", variant="soft", color_scheme="gray",
                              on_click=DocumentState.discard_and_load_latest),
                    wrap="wrap",
                    spacing="2",
                ),
                spacing="2",
            ),
            color_scheme="amber",
            width="100%",
            custom_attrs={"data-testid": "conflict"},
        ),
    )


def version_row(v: VersionRow) -> rx.Component:
    latest = v.version == DocumentState.latest_version
    return rx.hstack(
        rx.vstack(
            rx.hstack(
                rx.text(f"v{v.version}", weight="bold", size="2"),
                rx.cond(latest, rx.badge("latest", size="1", color_scheme="green", variant="soft")),
                rx.cond(v.version == DocumentState.base_version,
                        rx.cond(~latest, rx.badge("editing", size="1", color_scheme="amber", variant="soft"))),
                spacing="2",
                align="center",
            ),
            rx.text(v.author, " · ", rx.moment(v.created_at, from_now=True), size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.button("Diff", size="1", variant="soft", on_click=DocumentState.show_diff(v.version, "previous"),  # type: ignore[operator]
                  aria_label=f"Diff version {v.version}", custom_attrs={"data-testid": "diff-version"}),
        rx.cond(
            ~latest,
            rx.button("Restore", size="1", variant="soft", color_scheme="orange",
                      on_click=DocumentState.ask_restore(v.version),  # type: ignore[operator]
                      custom_attrs={"data-testid": "restore-version"}, **work_only()),
        ),
        align="center",
        spacing="2",
        width="100%",
        padding_y="8px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        custom_attrs={"data-testid": "version", "data-version": v.version},
    )


def history() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("history", size=16), rx.heading("History", size="3"), spacing="2", align="center"),
        rx.vstack(rx.foreach(DocumentState.versions, version_row),
                  rx.cond(DocumentState.more_versions,
                          rx.button("Show older versions", on_click=DocumentState.show_older_versions,
                                    variant="ghost", size="1", margin_top="6px")),
                  spacing="0", width="100%", max_height=["none", "none", "64vh"], overflow_y="auto"),
        width=["100%", "100%", "300px"],
        flex_shrink="0",
        spacing="2",
        padding="12px",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 4)}",
    )


_LEFT_BG = {"removed": ("red", 3), "changed": ("red", 3)}
_RIGHT_BG = {"added": ("green", 3), "changed": ("green", 3)}


def _cell_bg(kind: rx.Var[str] | str, colours: dict[str, tuple[str, int]]) -> rx.Var:
    return rx.match(kind, *[(k, rx.color(c, n)) for k, (c, n) in colours.items()], "transparent")


def diff_row(r: DiffRow) -> rx.Component:
    num = {"size": "1", "color_scheme": "gray", "text_align": "right", "padding_x": "6px", "user_select": "none"}
    line = {"size": "1", "white_space": "pre-wrap", "word_break": "break-word", "padding_x": "6px",
            "font_family": "var(--code-font-family)"}
    return rx.cond(
        r.kind == "skip",
        rx.text(r.left, size="1", color_scheme="gray", text_align="center", padding_y="2px", grid_column="1 / -1",
                background=rx.color("gray", 3)),
        rx.fragment(
            rx.text(r.left_no, background=_cell_bg(r.kind, _LEFT_BG), **num),
            rx.text(r.left, background=_cell_bg(r.kind, _LEFT_BG), **line),
            rx.text(r.right_no, background=_cell_bg(r.kind, _RIGHT_BG), **num),
            rx.text(r.right, background=_cell_bg(r.kind, _RIGHT_BG), custom_attrs={"data-kind": r.kind}, **line),
        ),
    )


def side_label(version: rx.Var[int] | int, empty: str) -> rx.Component:
    shown = rx.cond(version > 0, f"v{version}", empty)  # type: ignore[operator]
    return rx.text(shown, size="1", weight="bold", grid_column="span 2", padding="4px 6px", background=rx.color("gray", 3))


def diff_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(
                    rx.cond(DocumentState.diff_against == "draft", "Your text vs the latest",
                            f"Version {DocumentState.diff_version}"),
                    margin="0",
                ),
                rx.badge(f"+{DocumentState.diff_added}", color_scheme="green", variant="soft"),
                rx.badge(f"−{DocumentState.diff_removed}", color_scheme="red", variant="soft"),
                rx.spacer(),
                rx.cond(
                    DocumentState.diff_against != "draft",
                    rx.select.root(
                        rx.select.trigger(aria_label="Compare with"),
                        rx.select.content(
                            rx.select.item("vs previous version", value="previous"),
                            rx.select.item("vs latest version", value="current"),
                        ),
                        value=DocumentState.diff_against,
                        on_change=DocumentState.set_diff_against,
                        size="1",
                    ),
                ),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", color_scheme="gray", aria_label="Close")),
                align="center",
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            rx.box(
                rx.grid(
                    side_label(DocumentState.diff_left, "(nothing)"),
                    side_label(DocumentState.diff_right, "your text"),
                    rx.foreach(DocumentState.diff_rows, diff_row),
                    grid_template_columns="2.5em minmax(0, 1fr) 2.5em minmax(0, 1fr)",
                    width="100%",
                    row_gap="0",
                ),
                max_height="65vh",
                overflow_y="auto",
                margin_top="12px",
                border=f"1px solid {rx.color('gray', 5)}",
                border_radius="var(--radius-2)",
                custom_attrs={"data-testid": "diff"},
            ),
            rx.cond(
                DocumentState.diff_note != "",
                rx.text(DocumentState.diff_note, size="2", color_scheme="amber", margin_top="8px",
                        custom_attrs={"data-testid": "diff-note"}),
                rx.cond(
                    DocumentState.diff_rows.length() == 0,  # type: ignore[attr-defined]
                    rx.text("No differences.", size="2", color_scheme="gray", margin_top="8px"),
                ),
            ),
            max_width="1100px",
            width="96vw",
        ),
        open=DocumentState.diff_open,
        on_open_change=DocumentState.set_diff_open,
    )


def restore_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(f"Restore version {DocumentState.restore_candidate}?"),
            rx.alert_dialog.description(
                f"Its text becomes a new version {DocumentState.latest_version + 1}; no version is deleted.",
                rx.cond(DocumentState.dirty, " Your unsaved changes in the editor will be lost.", ""),
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Restore", color_scheme="orange", on_click=DocumentState.confirm_restore,
                              custom_attrs={"data-testid": "confirm-restore"}),
                ),
                justify="end",
                spacing="2",
                margin_top="16px",
            ),
            max_width="440px",
        ),
        open=DocumentState.restore_candidate > 0,
        on_open_change=DocumentState.set_restore_open,
    )


def toolbar() -> rx.Component:
    return rx.hstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Documents"), spacing="1", align="center"),
                href="/documents", size="2"),
        rx.badge(DocumentState.doc_type, variant="surface"),
        rx.badge(f"version {DocumentState.base_version}", variant="soft", color_scheme="gray",
                 custom_attrs={"data-testid": "editing-version"}),
        rx.cond(
            DocumentState.task_id > 0,
            rx.link(rx.hstack(rx.icon("link", size=12), rx.text(f"Task #{DocumentState.task_id} ", DocumentState.task_title,
                    overflow="hidden", text_overflow="ellipsis", white_space="nowrap", max_width="260px"),
                    spacing="1", align="center"),
                    href=f"/tasks/{DocumentState.task_id}", size="2", custom_attrs={"data-testid": "task-link"}),
        ),
        rx.spacer(),
        rx.cond(DocumentState.dirty, rx.text("Unsaved changes", size="1", color_scheme="amber")),
        rx.button(rx.icon("save", size=14), "Save", on_click=DocumentState.save,
                  custom_attrs={"data-testid": "save"}, **work_only(disabled=~DocumentState.dirty)),
        align="center",
        spacing="3",
        width="100%",
        wrap="wrap",
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("Document not found", size="5"),
            rx.text("It may have been deleted, or the link is wrong."),
            rx.link("Back to documents", href="/documents"),
            align="center",
        ),
        padding="48px",
    )


def document_page() -> rx.Component:
    body = rx.vstack(
        toolbar(),
        rx.input(
            value=DocumentState.title_draft,
            on_change=DocumentState.set_title_draft.debounce(300),  # type: ignore[attr-defined]
            size="3",
            max_length=200,
            aria_label="Title",
            width="100%",
            font_weight="bold",
            **work_only(),
        ),
        stale_callout(),
        rx.flex(
            editor(),
            history(),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="16px",
            width="100%",
            align="start",
        ),
        diff_dialog(),
        restore_dialog(),
        spacing="3",
        width="100%",
    )
    return page(
        rx.cond(
            ~DocumentState.loaded,
            rx.vstack(rx.skeleton(height="36px", width="50%"), rx.skeleton(height="60vh", width="100%"), width="100%"),
            rx.cond(DocumentState.found, body, not_found()),
        ),
    )
