"""WORKING.md: rendered from the board plus notes; every write a version with its author;
stale writes refused (no lost update); history, diff and restore."""

from __future__ import annotations

import pytest

from mission_control.errors import Conflict, Invalid, NotFound
from mission_control.models import TaskStatus
from mission_control.services import task_flow, working_state

from .conftest import as_agent


def test_it_renders_the_board_and_the_notes(session, workspace, make_agent, make_task, op_actor):
    friday = make_agent("Friday")
    doing = make_task("Build export", assignee_ids=[friday.id])
    task_flow.move_task(session=session, workspace_id=workspace.id, task_id=doing.id, to=TaskStatus.in_progress, actor=op_actor)
    make_task("Triage requests")
    session.commit()
    empty = working_state.read(session=session, workspace_id=workspace.id)
    assert (empty.version, empty.notes, empty.author) == (0, "", "")
    assert f"- **Friday** (developer) — idle · working on #{doing.id}" in empty.content
    inbox = empty.content.split("### Inbox")[1].split("###")[0]
    progress = empty.content.split("### In Progress")[1].split("###")[0]
    assert "“Triage requests”" in inbox and "@Friday" in progress and "“Build export”" in progress
    assert f"moved #{doing.id}" in empty.content.split("## Recent activity")[1]
    working_state.write(session=session, workspace_id=workspace.id, notes="Launch Friday.", base_version=0,
                        actor=op_actor)
    session.commit()
    state = working_state.read(session=session, workspace_id=workspace.id)
    assert (state.version, state.author) == (1, "@ops")
    assert state.content.rstrip().endswith("## Notes\n\nLaunch Friday.")


def test_a_stale_write_is_refused_and_nothing_is_lost(session, workspace, make_agent, op_actor, refused):
    agent = make_agent("Friday")
    working_state.write(session=session, workspace_id=workspace.id, notes="a", base_version=0, actor=op_actor)
    working_state.write(session=session, workspace_id=workspace.id, notes="b", base_version=1, actor=as_agent(agent))
    session.commit()
    err = refused(Conflict, working_state.write, workspace_id=workspace.id, notes="c", base_version=1, actor=op_actor)
    assert "you read version 1, it is now version 2, written by Friday" in str(err)
    assert err.details == {"current_version": 2}
    refused(Invalid, working_state.write, workspace_id=workspace.id, notes="c", actor=op_actor)  # replace needs a base
    assert working_state.read(session=session, workspace_id=workspace.id).notes == "b"


def test_append_needs_no_base_and_an_unchanged_write_adds_no_version(session, workspace, op_actor):
    working_state.write(session=session, workspace_id=workspace.id, notes="one", mode="append", actor=op_actor)
    working_state.write(session=session, workspace_id=workspace.id, notes="two", mode="append", actor=op_actor)
    same = working_state.write(session=session, workspace_id=workspace.id, notes="one\n\ntwo", base_version=2, actor=op_actor)
    session.commit()
    assert same.version == 2
    assert working_state.read(session=session, workspace_id=workspace.id).notes == "one\n\ntwo"


def test_history_diff_and_restore(session, workspace, make_agent, op_actor, events):
    agent = make_agent("Friday")
    for i, (notes, who) in enumerate([("plan A\nstep 1", op_actor), ("plan B\nstep 1", as_agent(agent)),
                                      ("plan B\nstep 2", op_actor)]):
        working_state.write(session=session, workspace_id=workspace.id, notes=notes, base_version=i, actor=who)
    session.commit()
    history = working_state.history(session=session, workspace_id=workspace.id)
    assert [(h.version, h.author) for h in history] == [(3, "@ops"), (2, "Friday"), (1, "@ops")]
    diff = working_state.diff(session=session, workspace_id=workspace.id, from_version=1, to_version=3)
    assert "-plan A" in diff and "+plan B" in diff and "-step 1" in diff and "+step 2" in diff
    whole = working_state.diff(session=session, workspace_id=workspace.id, from_version=1, to_version=3, part="content")
    assert "+plan B" in whole and "WORKING.md@3" in whole
    events.clear()
    restored = working_state.restore(session=session, workspace_id=workspace.id, version=1, actor=op_actor)
    session.commit()
    assert (restored.version, restored.notes) == (4, "plan A\nstep 1")
    assert [e.type for e in events] == ["working_state.updated"]
    assert [h.version for h in working_state.history(session=session, workspace_id=workspace.id)] == [4, 3, 2, 1]
    with pytest.raises(NotFound, match="no version 9"):
        working_state.diff(session=session, workspace_id=workspace.id, from_version=1, to_version=9)
    with pytest.raises(Conflict):
        working_state.restore(session=session, workspace_id=workspace.id, version=2, base_version=3, actor=op_actor)


def test_a_rewrite_too_large_to_compare_is_refused_with_a_reason(session, workspace, op_actor):
    """Notes are written by agents: comparing two rewrites of hundreds of lines is refused
    (the /working page shows the reason) instead of running for minutes."""
    from mission_control.services.textdiff import MAX_CHANGED_LINES, TooLargeToDiff

    for i, word in enumerate(("old", "new")):
        notes = "\n".join(f"{word} line {n}" for n in range(MAX_CHANGED_LINES + 1))
        working_state.write(session=session, workspace_id=workspace.id, notes=notes, base_version=i, actor=op_actor)
    session.commit()
    with pytest.raises(TooLargeToDiff, match="too large to diff"):
        working_state.diff(session=session, workspace_id=workspace.id, from_version=1, to_version=2)
