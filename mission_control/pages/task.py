"""`/tasks/[task_id]`: one task with its thread, people, subtasks, dependencies and history."""

from __future__ import annotations

import reflex as rx

from mission_control.components.guard import work_only, work_only_attrs
from mission_control.components.kanban import priority_badge
from mission_control.components.layout import page
from mission_control.components.markdown import markdown
from mission_control.state.board import COLUMN_TITLES
from mission_control.state.task import Person, Ref, Reply, TaskState, ThreadItem


def section(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="1", weight="bold", color_scheme="gray", text_transform="uppercase"),
        *children,
        spacing="2",
        width="100%",
        align="start",
    )


def status_badge(status: rx.Var[str] | str) -> rx.Component:
    return rx.badge(status, variant="surface", size="1")


def ref_row(ref: Ref, removable: bool = False) -> rx.Component:
    return rx.hstack(
        rx.link(f"#{ref.id} ", ref.title, href=f"/tasks/{ref.id}", size="2"),
        status_badge(ref.status),
        rx.cond(
            removable,
            rx.icon_button(
                rx.icon("x", size=12),
                size="1",
                variant="ghost",
                color_scheme="gray",
                aria_label="Remove dependency",
                on_click=TaskState.remove_dependency(ref.id),  # type: ignore[operator]
                **work_only(),
            ),
        ),
        align="center",
        spacing="2",
    )


def reply(r: Reply) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(r.author, weight="bold", size="1"), rx.text(rx.moment(r.created_at, from_now=True), size="1", color_scheme="gray")),
        markdown(r.body, component_map={"p": lambda text: rx.text(text, size="2")}),
        padding_left="12px",
        border_left=f"2px solid {rx.color('gray', 5)}",
        margin_left="12px",
        custom_attrs={"data-testid": "reply"},
    )


def thread_item(m: ThreadItem) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.avatar(fallback=m.author[:2], size="1", radius="full"),
            rx.text(m.author, weight="bold", size="2"),
            rx.cond(m.type != "comment", rx.badge(m.type, size="1", variant="soft")),
            rx.text(rx.moment(m.created_at, from_now=True), size="1", color_scheme="gray"),
            rx.spacer(),
            rx.button("Reply", size="1", variant="ghost", on_click=TaskState.start_reply(m.id),  # type: ignore[operator]
                      **work_only()),
            align="center",
            width="100%",
        ),
        markdown(m.body, component_map={"p": lambda text: rx.text(text, size="2")}),
        rx.foreach(m.replies, reply),
        spacing="1",
        width="100%",
        padding="10px",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 2),
        custom_attrs={"data-testid": "message", "data-message-id": m.id},
    )


def composer() -> rx.Component:
    return rx.vstack(
        rx.cond(
            TaskState.reply_to > 0,
            rx.hstack(
                rx.text(f"Replying to message #{TaskState.reply_to}", size="1", color_scheme="gray"),
                rx.button("cancel", size="1", variant="ghost", on_click=TaskState.cancel_reply),
            ),
        ),
        rx.text_area(
            placeholder="Write a message… type @ to mention an agent or operator",
            value=TaskState.draft,
            on_change=TaskState.set_draft,
            width="100%",
            rows="3",
            aria_label="Message",
            custom_attrs={"data-testid": "composer"},
            **work_only(),
        ),
        rx.cond(
            TaskState.mention_suggestions.length() > 0,  # type: ignore[attr-defined]
            rx.hstack(
                rx.text("Mention:", size="1", color_scheme="gray"),
                rx.foreach(
                    TaskState.mention_suggestions,
                    lambda name: rx.button(
                        f"@{name}",
                        size="1",
                        variant="soft",
                        on_click=TaskState.pick_mention(name),  # type: ignore[operator]
                        custom_attrs={"data-testid": "mention-option"},
                    ),
                ),
                wrap="wrap",
                spacing="1",
            ),
        ),
        rx.hstack(
            rx.spacer(),
            rx.button(rx.icon("send", size=14), "Send", on_click=TaskState.send,
                      **work_only(disabled=TaskState.draft.strip() == "")),  # type: ignore[attr-defined]
            width="100%",
        ),
        width="100%",
        spacing="2",
    )


def description() -> rx.Component:
    return rx.cond(
        TaskState.editing,
        rx.vstack(
            rx.text_area(value=TaskState.description_draft, on_change=TaskState.set_description_draft, rows="8", width="100%"),
            rx.hstack(
                rx.button("Save", size="2", on_click=TaskState.save_description),
                rx.button("Cancel", size="2", variant="soft", color_scheme="gray", on_click=TaskState.cancel_edit),
            ),
            width="100%",
        ),
        rx.box(
            rx.cond(TaskState.description != "", markdown(TaskState.description), rx.text("No description yet.", color_scheme="gray", size="2")),
            rx.button(rx.icon("pencil", size=12), "Edit", size="1", variant="ghost", on_click=TaskState.start_edit,
                      **work_only()),
            width="100%",
        ),
    )


def assignee_picker() -> rx.Component:
    def row(agent: Person) -> rx.Component:
        return rx.checkbox(
            agent.name,
            checked=TaskState.assignee_names.contains(agent.name),  # type: ignore[attr-defined]
            on_change=lambda on: TaskState.toggle_assignee(agent.id, on),  # type: ignore[operator]
            size="2",
            **work_only_attrs(),
        )

    return rx.vstack(rx.foreach(TaskState.agents, row), spacing="1", max_height="220px", overflow_y="auto", width="100%")


def sidebar() -> rx.Component:
    return rx.vstack(
        section(
            "Status",
            rx.select.root(
                rx.select.trigger(aria_label="Status", custom_attrs={"title": work_only()["title"]}),
                rx.select.content(*[rx.select.item(t, value=k) for k, t in COLUMN_TITLES.items()]),
                value=TaskState.status,
                on_change=TaskState.move_to,
                disabled=work_only()["disabled"],
            ),
        ),
        section(
            "Priority",
            rx.select(["urgent", "high", "medium", "low"], value=TaskState.priority, on_change=TaskState.set_priority, aria_label="Priority",
                      **work_only_attrs()),
        ),
        section("Assignees", assignee_picker()),
        section(
            "Due",
            rx.hstack(
                rx.input(type="date", value=TaskState.due_at[:10], on_change=TaskState.set_due,  # type: ignore[index]
                         aria_label="Due date", custom_attrs={"data-testid": "due-date"}, **work_only()),
                rx.cond(TaskState.due_at != "", rx.button("clear", size="1", variant="ghost",
                                                         on_click=TaskState.set_due(""), **work_only())),  # type: ignore[operator]
                align="center",
            ),
            rx.cond(TaskState.due_error != "", rx.text(TaskState.due_error, color_scheme="red", size="1",
                                                       custom_attrs={"data-testid": "due-error"})),
        ),
        section(
            "Similar tasks",
            rx.cond(
                TaskState.similar.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
                    rx.foreach(TaskState.similar, lambda t: rx.hstack(
                        rx.badge(t.status, size="1", variant="soft"),
                        rx.link("#", t.id, " ", t.title, href="/tasks/" + t.id.to_string(), size="1"),  # type: ignore[attr-defined]
                        spacing="1", align="center")),
                    spacing="1",
                ),
                rx.text("None close in meaning yet.", size="1", color_scheme="gray"),
            ),
        ),
        section(
            "History",
            rx.vstack(
                rx.foreach(
                    TaskState.history,
                    lambda h: rx.text(h.text, " · ", rx.moment(h.created_at, from_now=True), size="1", color_scheme="gray"),
                ),
                spacing="1",
                max_height="300px",
                overflow_y="auto",
            ),
        ),
        spacing="5",
        width=["100%", "100%", "300px"],
        flex_shrink="0",
    )


def main_column() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("Board"), spacing="1", align="center"), href="/", size="2"),
            rx.cond(TaskState.parent_task_id > 0, rx.link(f"parent #{TaskState.parent_task_id}", href=f"/tasks/{TaskState.parent_task_id}", size="2")),
            spacing="3",
        ),
        rx.hstack(
            rx.heading(f"#{TaskState.task_id} ", TaskState.title, size="6"),
            align="center",
        ),
        rx.hstack(
            status_badge(TaskState.status),
            priority_badge(TaskState.priority),
            rx.cond(TaskState.blocked, rx.badge(rx.icon("lock", size=11), "blocked by dependencies", color_scheme="red")),
            spacing="2",
        ),
        description(),
        section(
            "Subtasks",
            rx.foreach(TaskState.subtasks, ref_row),
            rx.hstack(
                rx.input(placeholder="New subtask title", value=TaskState.new_subtask, on_change=TaskState.set_new_subtask, size="2",
                         **work_only()),
                rx.button("Add", size="2", variant="soft", on_click=TaskState.add_subtask, **work_only()),
            ),
        ),
        section(
            "Waits for",
            rx.foreach(TaskState.dependencies, lambda r: ref_row(r, removable=True)),
            rx.hstack(
                rx.input(placeholder="Task number, e.g. 12", value=TaskState.new_dependency, on_change=TaskState.set_new_dependency, size="2",
                         **work_only()),
                rx.button("Add dependency", size="2", variant="soft", on_click=TaskState.add_dependency, **work_only()),
            ),
        ),
        section(
            "Conversation",
            rx.cond(
                TaskState.thread.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(rx.foreach(TaskState.thread, thread_item), width="100%", spacing="2"),
                rx.text("No messages yet. Start the conversation below.", size="2", color_scheme="gray"),
            ),
            composer(),
        ),
        spacing="4",
        width="100%",
        min_width="0",
        align="start",
    )


def task_page() -> rx.Component:
    return page(
        rx.cond(
            ~TaskState.loaded,
            rx.vstack(rx.skeleton(height="40px", width="60%"), rx.skeleton(height="300px", width="100%"), width="100%"),
            rx.cond(
                TaskState.found,
                rx.flex(
                    main_column(),
                    sidebar(),
                    direction=rx.breakpoints(initial="column", md="row"),
                    gap="24px",
                    width="100%",
                ),
                rx.center(
                    rx.vstack(
                        rx.heading("Task not found", size="5"),
                        rx.text("It may have been deleted, or the link is wrong."),
                        rx.link("Back to the board", href="/"),
                        align="center",
                    ),
                    padding="48px",
                ),
            ),
        ),
    )
