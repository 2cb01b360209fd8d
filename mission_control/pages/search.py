"""`/search`: semantic search with the matching passage shown."""

from __future__ import annotations

import reflex as rx

from mission_control.components.layout import page
from mission_control.state.search import Hit, SearchState

S = SearchState
KINDS = ["all", "task", "message", "document", "task_outcome", "note"]


def hit_card(h: Hit) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(h.kind, variant="soft", size="1"),
                rx.cond(h.link != "", rx.link(h.title, href=h.link, weight="medium", size="2"),
                        rx.text(h.title, weight="medium", size="2")),
                rx.spacer(),
                rx.text(rx.moment(h.at, from_now=True), size="1", color_scheme="gray"),
                rx.badge(h.score.to_string(), variant="outline", size="1", title="similarity"),  # type: ignore[attr-defined]
                width="100%",
                align="center",
            ),
            rx.text(h.passage, size="2", color_scheme="gray", white_space="pre-wrap"),
            spacing="1",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "search-hit"},
    )


def loose_matches() -> rx.Component:
    """Weak matches stay folded away: in a small workspace they outnumber the real answers."""
    count = S.loose.length()  # type: ignore[attr-defined]
    return rx.cond(
        count > 0,
        rx.vstack(
            rx.button(
                rx.icon(rx.cond(S.show_loose, "chevron-up", "chevron-down"), size=14),
                rx.cond(S.show_loose, "Hide ", "Show "), count,
                rx.cond(count == 1, " loose match", " loose matches"),
                variant="ghost", size="1", on_click=S.toggle_loose,
            ),
            rx.cond(S.show_loose, rx.vstack(rx.foreach(S.loose, hit_card), width="100%", spacing="2")),
            width="100%",
            spacing="2",
        ),
    )


def search_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Search by meaning", size="6"),
            rx.text("Tasks, messages, documents and review outcomes, ranked by what they mean, not by the exact words.",
                    size="2", color_scheme="gray"),
            rx.form(
                rx.hstack(
                    rx.input(name="q", default_value=S.query, placeholder="e.g. why is the export slow?", size="3",
                             flex="1", auto_focus=True, aria_label="Search"),
                    rx.select(KINDS, value=S.kind, on_change=S.set_kind, size="3"),
                    rx.button(rx.icon("search", size=16), "Search", type="submit", size="3", loading=S.searching),
                    width="100%",
                    wrap="wrap",
                ),
                on_submit=S.submit,
                reset_on_submit=False,
                width="100%",
            ),
            rx.cond(S.error != "", rx.callout(S.error, icon="info", color_scheme="amber", width="100%")),
            rx.cond(S.pending > 0, rx.text(S.pending, " new items are still being indexed and may not show yet.",
                                           size="1", color_scheme="gray")),
            rx.cond(
                S.searching,
                rx.vstack(*[rx.skeleton(height="70px", width="100%") for _ in range(3)], width="100%"),
                rx.vstack(
                    rx.cond(
                        S.hits.length() > 0,  # type: ignore[attr-defined]
                        rx.vstack(rx.foreach(S.hits, hit_card), width="100%", spacing="2"),
                        rx.cond(S.searched & (S.error == ""),
                                rx.text("Nothing close enough. Try other words.", color_scheme="gray")),
                    ),
                    loose_matches(),
                    width="100%",
                    spacing="2",
                ),
            ),
            spacing="3",
            width="100%",
            max_width="900px",
        ),
    )
