"""The board's read model: what each card carries, and that reading it costs the same few
queries whatever the board's size (no query per card)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from mission_control.services import board, task_flow


def test_cards_carry_what_they_show_and_agents_what_they_work_on(session, workspace, make_agent, make_task, op_actor):
    friday = make_agent("Friday")
    make_agent("Vision")
    due = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)
    launch = make_task("Launch", assignee_ids=[friday.id], priority="high")
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=launch.id, to="in_progress",
                        actor=op_actor)
    blog = make_task("Blog post", due_at=due, depends_on_ids=[launch.id])
    session.commit()

    snap = board.board_snapshot(session=session, workspace_id=workspace.id)

    assert snap["columns"]["in_progress"] == [
        {"id": launch.id, "title": "Launch", "priority": "high", "status": "in_progress",
         "assignees": ["Friday"], "due_at": "", "blocked_by": 0},
    ]
    assert snap["columns"]["inbox"] == [
        {"id": blog.id, "title": "Blog post", "priority": "medium", "status": "inbox",
         "assignees": [], "due_at": due.isoformat(), "blocked_by": 1},
    ]
    working = {a["name"]: a["current_task"] for a in snap["agents"]}
    assert working == {"Friday": "Launch", "Vision": ""}


def _queries_to_read_board(session, workspace_id: int) -> int:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        board.board_snapshot(session=session, workspace_id=workspace_id)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_reading_the_board_takes_the_same_queries_for_2_or_60_tasks(session, workspace, make_agent, make_task):
    agents = [make_agent(f"Bot{i}") for i in range(3)]

    def add_tasks(n: int) -> None:
        for i in range(n):
            first = make_task(f"Task {i}", assignee_ids=[agents[i % 3].id])
            make_task(f"Follow-up {i}", depends_on_ids=[first.id])

    add_tasks(1)
    small = _queries_to_read_board(session, workspace.id)
    add_tasks(29)
    assert _queries_to_read_board(session, workspace.id) == small <= 5
