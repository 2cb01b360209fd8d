"""Moving cards between columns, ordering them, and dependencies (services/task_flow.py)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from mission_control.errors import Invalid, NotFound
from mission_control.models import Activity, AuditEvent, Task, TaskDependency
from mission_control.services import board, task_flow

FORWARD = ["assigned", "in_progress", "review", "done"]


@pytest.fixture
def move(session, workspace, op_actor):
    def do(task_id, to, index=None):
        task = task_flow.move_task(
            session=session,
            workspace_id=workspace.id,
            task_id=task_id,
            to=to,
            actor=op_actor,
            index=index,
        )
        session.commit()
        return task

    return do


@pytest.fixture
def friday(make_agent):
    return make_agent("Friday")


def _status(session, task_id):
    session.expire_all()
    return session.get(Task, task_id).status


def _column(session, workspace_id, status):
    session.expire_all()
    return session.exec(
        select(Task.id, Task.position)
        .where(Task.workspace_id == workspace_id, Task.status == status)
        .order_by(col(Task.position))
    ).all()


# --------------------------------------------------------------------------- transitions


def test_a_task_walks_forward_one_column_at_a_time(session, make_task, friday, move, events):
    task = make_task("Ship", assignee_ids=[friday.id])
    for to in FORWARD[1:]:
        move(task.id, to)
        assert _status(session, task.id) == to
    moved = session.exec(
        select(Activity.text).where(Activity.event_type == "task.moved").order_by(Activity.id)
    ).all()
    assert moved[-1] == f"ops moved #{task.id} “Ship” from review to done"
    assert events[-1].type == "task.moved"
    assert events[-1].payload["from"] == "review" and events[-1].payload["to"] == "done"


@pytest.mark.parametrize(
    ("start", "target", "next_"),
    [
        ("inbox", "in_progress", "assigned"),
        ("assigned", "review", "in progress"),
        ("assigned", "done", "in progress"),
    ],
)
def test_skipping_a_column_is_refused_and_names_the_next_one(
    session, workspace, op_actor, make_task, friday, move, refused, start, target, next_
):
    task = make_task("Ship", assignee_ids=[friday.id] if start != "inbox" else [])
    err = refused(
        Invalid,
        task_flow.move_task,
        workspace_id=workspace.id,
        task_id=task.id,
        to=target,
        actor=op_actor,
    )
    assert err.message == (
        f"task {task.id} is in {start.replace('_', ' ')}: it can move forward one column at a time "
        f"(next is {next_}), not straight to {target.replace('_', ' ')}"
    )
    assert _status(session, task.id) == start


@pytest.mark.parametrize("back_to", ["inbox", "assigned", "in_progress", "review"])
def test_a_task_can_go_back_to_any_earlier_column(session, make_task, friday, move, back_to):
    task = make_task("Ship", assignee_ids=[friday.id])
    for to in FORWARD[1:]:
        move(task.id, to)
    move(task.id, back_to)
    assert _status(session, task.id) == back_to


def test_moving_without_an_assignee_is_refused(session, workspace, op_actor, make_task, refused):
    task = make_task("Orphan")
    err = refused(
        Invalid,
        task_flow.move_task,
        workspace_id=workspace.id,
        task_id=task.id,
        to="assigned",
        actor=op_actor,
    )
    assert (
        err.message
        == f"task {task.id} has no assignee: assign an agent before moving it to assigned"
    )
    assert _status(session, task.id) == "inbox"


def test_a_task_with_an_unfinished_dependency_cannot_start(
    session, workspace, op_actor, make_task, friday, move, refused
):
    design = make_task("Design", assignee_ids=[friday.id])
    build = make_task("Build", assignee_ids=[friday.id], depends_on_ids=[design.id])
    err = refused(
        Invalid,
        task_flow.move_task,
        workspace_id=workspace.id,
        task_id=build.id,
        to="in_progress",
        actor=op_actor,
    )
    assert err.message == f"task {build.id} depends on {design.id} (assigned), which is not done"
    assert err.details == {"blocked_by": [design.id]}
    assert _status(session, build.id) == "assigned"

    for to in FORWARD[1:]:
        move(design.id, to)
    move(build.id, "in_progress")
    assert _status(session, build.id) == "in_progress"


def test_done_needs_every_subtask_done(
    session, workspace, op_actor, make_task, friday, move, refused
):
    parent = make_task("Launch", assignee_ids=[friday.id])
    sub = make_task("Announce", parent_task_id=parent.id, assignee_ids=[friday.id])
    for to in FORWARD[1:-1]:
        move(parent.id, to)
    err = refused(
        Invalid,
        task_flow.move_task,
        workspace_id=workspace.id,
        task_id=parent.id,
        to="done",
        actor=op_actor,
    )
    assert err.message == f"task {parent.id} has unfinished subtasks (#{sub.id}): finish them first"
    assert _status(session, parent.id) == "review"

    for to in FORWARD[1:]:
        move(sub.id, to)
    move(parent.id, "done")
    assert _status(session, parent.id) == "done"


def test_an_unknown_column_is_refused(session, workspace, op_actor, make_task, refused):
    task = make_task("Ship")
    err = refused(
        Invalid,
        task_flow.move_task,
        workspace_id=workspace.id,
        task_id=task.id,
        to="later",
        actor=op_actor,
    )
    assert (
        err.message
        == "'later' is not a column; use one of: inbox, assigned, in_progress, review, done"
    )


def test_moving_a_task_of_another_workspace_is_not_found(
    session, workspace, make_workspace, op_actor, make_task, refused
):
    other = make_workspace("other")
    foreign = make_task("Theirs", workspace_id=other.id)
    refused(
        NotFound,
        task_flow.move_task,
        workspace_id=workspace.id,
        task_id=foreign.id,
        to="inbox",
        actor=op_actor,
    )


# --------------------------------------------------------------------------- order within a column


def test_reorder_within_a_column_persists_positions(session, workspace, make_task, move, events):
    a, b, c, d = (make_task(t).id for t in "abcd")
    events.clear()
    move(d, "inbox", index=0)
    assert _column(session, workspace.id, "inbox") == [(d, 0), (a, 1), (b, 2), (c, 3)]
    move(a, "inbox", index=3)
    assert _column(session, workspace.id, "inbox") == [(d, 0), (b, 1), (c, 2), (a, 3)]
    move(c, "inbox", index=99)  # past the end: last
    assert _column(session, workspace.id, "inbox") == [(d, 0), (b, 1), (a, 2), (c, 3)]
    # A reorder is audited but is not news for the feed.
    assert [e.type for e in events] == ["task.reordered"] * 3
    assert session.exec(select(Activity).where(Activity.event_type == "task.reordered")).all() == []
    assert (
        len(session.exec(select(AuditEvent).where(AuditEvent.action == "task.reordered")).all())
        == 3
    )


def test_moving_to_a_column_at_an_index_places_it_there(
    session, workspace, make_task, friday, move
):
    x, y, z, w = (make_task(t, assignee_ids=[friday.id]).id for t in "xyzw")
    assert _column(session, workspace.id, "assigned") == [(x, 0), (y, 1), (z, 2), (w, 3)]
    move(y, "in_progress")
    move(w, "in_progress", index=0)
    assert _column(session, workspace.id, "in_progress") == [(w, 0), (y, 1)]
    move(y, "assigned", index=1)  # back, into the middle of the column
    assert _column(session, workspace.id, "assigned") == [(x, 0), (y, 1), (z, 2)]
    move(w, "assigned")  # no index: the end of the column
    assert _column(session, workspace.id, "assigned") == [(x, 0), (y, 1), (z, 2), (w, 3)]


def test_done_shows_the_newest_work_first_and_drops_land_where_shown(
    session, workspace, make_task, friday, move
):
    def done_column():
        session.expire_all()
        snap = board.board_snapshot(session=session, workspace_id=workspace.id)
        return [card["id"] for card in snap["columns"]["done"]]

    a, b, c, d = (make_task(t, assignee_ids=[friday.id]).id for t in "abcd")
    for task_id in (a, b, c, d):
        for to in FORWARD[1:]:
            if task_id == d and to == "done":
                break
            move(task_id, to)
    assert done_column() == [c, b, a]  # just finished on top
    move(d, "done", index=1)  # dropped second from the top, as the board shows it
    assert done_column() == [c, d, b, a]
    move(a, "done", index=0)  # dragged to the top
    assert done_column() == [a, c, d, b]


# --------------------------------------------------------------------------- dependencies


@pytest.fixture
def depend(session, workspace, op_actor):
    def do(task_id, on):
        link = task_flow.add_dependency(
            session=session,
            workspace_id=workspace.id,
            task_id=task_id,
            depends_on_id=on,
            actor=op_actor,
        )
        session.commit()
        return link

    return do


def test_add_dependency_is_recorded(session, make_task, depend, events):
    a, b = make_task("a"), make_task("b")
    events.clear()
    depend(b.id, a.id)
    assert session.exec(select(TaskDependency.task_id, TaskDependency.depends_on_id)).all() == [
        (b.id, a.id)
    ]
    assert [e.type for e in events] == ["task.dependency_added"]
    feed = session.exec(select(Activity.text).order_by(Activity.id.desc())).first()
    assert feed == f"ops made #{b.id} “b” wait for #{a.id}"


def test_a_task_cannot_depend_on_itself(session, workspace, op_actor, make_task, refused):
    a = make_task("a")
    err = refused(
        Invalid,
        task_flow.add_dependency,
        workspace_id=workspace.id,
        task_id=a.id,
        depends_on_id=a.id,
        actor=op_actor,
    )
    assert err.message == f"task {a.id} cannot depend on itself"


def test_a_dependency_cycle_is_refused_and_named(
    session, workspace, op_actor, make_task, depend, refused
):
    t1, t2, t3 = (make_task(f"t{i}").id for i in (1, 2, 3))
    depend(t2, t3)  # 2 waits for 3
    depend(t3, t1)  # 3 waits for 1
    err = refused(
        Invalid,
        task_flow.add_dependency,
        workspace_id=workspace.id,
        task_id=t1,
        depends_on_id=t2,
        actor=op_actor,
    )
    assert (
        err.message
        == f"task {t1} cannot depend on {t2}: that would make a cycle {t1} → {t2} → {t3} → {t1}"
    )
    assert err.details == {"cycle": [t1, t2, t3, t1]}


def test_a_two_task_cycle_is_refused(session, workspace, op_actor, make_task, depend, refused):
    a, b = make_task("a").id, make_task("b").id
    depend(a, b)
    err = refused(
        Invalid,
        task_flow.add_dependency,
        workspace_id=workspace.id,
        task_id=b,
        depends_on_id=a,
        actor=op_actor,
    )
    assert f"cycle {b} → {a} → {b}" in err.message


def test_a_dependency_on_another_workspace_task_is_refused(
    session, workspace, make_workspace, op_actor, make_task, refused
):
    other = make_workspace("other")
    foreign = make_task("Theirs", workspace_id=other.id)
    mine = make_task("Mine")
    err = refused(
        NotFound,
        task_flow.add_dependency,
        workspace_id=workspace.id,
        task_id=mine.id,
        depends_on_id=foreign.id,
        actor=op_actor,
    )
    assert err.message == f"task {foreign.id} does not exist"


def test_remove_dependency_unblocks_the_task(
    session, workspace, op_actor, make_task, friday, depend, move, refused
):
    a = make_task("a")
    b = make_task("b", assignee_ids=[friday.id])
    depend(b.id, a.id)
    task_flow.remove_dependency(
        session=session, workspace_id=workspace.id, task_id=b.id, depends_on_id=a.id, actor=op_actor
    )
    session.commit()
    move(b.id, "in_progress")
    assert _status(session, b.id) == "in_progress"
    err = refused(
        Invalid,
        task_flow.remove_dependency,
        workspace_id=workspace.id,
        task_id=b.id,
        depends_on_id=a.id,
        actor=op_actor,
    )
    assert err.message == f"task {b.id} does not depend on {a.id}"
