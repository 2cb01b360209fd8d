"""A coloured unified diff (additions green, removals red)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx


@dataclass
class DiffLine:
    kind: str = "same"
    text: str = ""


def diff_line(line: DiffLine) -> rx.Component:
    return rx.text(
        line.text,
        as_="div",
        size="1",
        font_family="var(--code-font-family)",
        white_space="pre-wrap",
        word_break="break-word",
        padding_x="6px",
        background=rx.match(line.kind, ("add", rx.color("grass", 3)), ("del", rx.color("red", 3)), "transparent"),
        color=rx.match(line.kind, ("hunk", rx.color("gray", 10)), rx.color("gray", 12)),
    )


def diff_view(lines: Any, testid: str = "diff") -> rx.Component:
    return rx.box(
        rx.foreach(lines, diff_line),
        width="100%",
        max_height="260px",
        overflow_y="auto",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-2)",
        custom_attrs={"data-testid": testid},
    )
