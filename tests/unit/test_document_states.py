"""The documents pages' handlers, run without a browser on the real test database."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from mission_control.services import browser_sessions, documents
from mission_control.state.analytics import AnalyticsState, hours
from mission_control.state.document import DocumentState
from mission_control.state.documents import DocumentsState
from unit.signed_in import signed_in


def said(spec) -> str:  # type: ignore[no-untyped-def]
    """The text of the toast (or other client event) a handler returned."""
    return str(spec)


@pytest.fixture
def token(session, workspace, operator, op_actor):
    """The operator's browser session, as the sign-in page would issue it."""
    secret = browser_sessions.open_session(session=session, user=operator)
    session.commit()
    return secret


@pytest.fixture
def doc(session, workspace, operator, make_task, op_actor):
    task = make_task("Launch")
    d = documents.create_document(
        session=session, workspace_id=workspace.id, title="Launch post", content="# Hello\n\nfirst",
        task_id=task.id, actor=op_actor,
    )
    session.commit()
    return d


@pytest.fixture
def editor(doc, token):
    s = signed_in(DocumentState, token)
    s.document_id = doc.id
    s.load()
    return s


def someone_else_saves(session, workspace, doc, op_actor, text):
    documents.update_document(session=session, workspace_id=workspace.id, document_id=doc.id, content=text, actor=op_actor)
    session.commit()


def test_editor_loads_the_document_and_saves_a_new_version(editor, doc):
    assert (editor.draft, editor.base_version, editor.task_title, editor.dirty) == ("# Hello\n\nfirst", 1, "Launch", False)
    DocumentState.set_draft.fn(editor, "# Hello\n\nsecond")
    assert editor.dirty
    result = asyncio.run(DocumentState.save.fn(editor))
    assert "Saved version 2" in said(result)
    assert (editor.base_version, editor.latest_version, editor.dirty) == (2, 2, False)
    assert [v.version for v in editor.versions] == [2, 1]


def test_a_stale_save_keeps_my_text_and_explains_the_conflict(editor, session, workspace, doc, op_actor):
    DocumentState.set_draft.fn(editor, "my edit")
    someone_else_saves(session, workspace, doc, op_actor, "their edit")

    result = asyncio.run(DocumentState.save.fn(editor))
    assert "version 2 was saved while you were editing version 1" in said(result)
    assert (editor.draft, editor.conflict, editor.base_version, editor.latest_version) == ("my edit", True, 1, 2)
    assert editor.newer_elsewhere

    asyncio.run(DocumentState.compare_draft.fn(editor))
    assert editor.diff_open and (editor.diff_left, editor.diff_right) == (2, 0)
    assert [(r.kind, r.left, r.right) for r in editor.diff_rows] == [("changed", "their edit", "my edit")]

    assert "Saved version 3" in said(asyncio.run(DocumentState.save_over_latest.fn(editor)))
    assert (editor.draft, editor.base_version, editor.conflict) == ("my edit", 3, False)


def test_a_live_update_replaces_the_text_only_when_i_have_not_typed(editor, session, workspace, doc, op_actor):
    someone_else_saves(session, workspace, doc, op_actor, "v2")
    editor.refresh()
    assert (editor.draft, editor.base_version) == ("v2", 2)

    DocumentState.set_draft.fn(editor, "typing…")
    someone_else_saves(session, workspace, doc, op_actor, "v3")
    editor.refresh()
    assert (editor.draft, editor.base_version, editor.latest_version) == ("typing…", 2, 3)


def test_diff_and_restore_with_confirmation(editor, session, workspace, doc, op_actor):
    someone_else_saves(session, workspace, doc, op_actor, "# Hello\n\nsecond")
    editor.refresh()
    asyncio.run(DocumentState.show_diff.fn(editor, 2))
    assert [(r.kind, r.left, r.right) for r in editor.diff_rows][-1] == ("changed", "first", "second")
    asyncio.run(DocumentState.set_diff_against.fn(editor, "current"))
    assert (editor.diff_left, editor.diff_right) == (2, 2)

    DocumentState.ask_restore.fn(editor, 1)
    assert editor.restore_candidate == 1  # the confirmation dialog is open; nothing restored yet
    assert editor.latest_version == 2
    DocumentState.set_restore_open.fn(editor, False)  # "Cancel"
    assert editor.restore_candidate == 0

    DocumentState.ask_restore.fn(editor, 1)
    assert "Restored version 1 as version 3" in said(asyncio.run(DocumentState.confirm_restore.fn(editor)))
    assert (editor.draft, editor.base_version, editor.restore_candidate) == ("# Hello\n\nfirst", 3, 0)


def test_an_unknown_document_shows_not_found(db, workspace, token):
    s = signed_in(DocumentState, token)
    s.document_id = 999
    s.load()
    assert (s.loaded, s.found) == (True, False)


def test_documents_list_filters_and_the_new_document_dialog_validates(doc, workspace, token):
    s = signed_in(DocumentsState, token)
    s.refresh()
    assert [d.title for d in s.items] == ["Launch post"]
    DocumentsState.set_filter_type.fn(s, "research")
    assert s.items == [] and s.filtering
    DocumentsState.clear_filters.fn(s)
    DocumentsState.set_search.fn(s, "hello")
    assert [d.title for d in s.items] == ["Launch post"]

    DocumentsState.open_new.fn(s)
    assert s.dialog_open and [c.label for c in s.task_choices] == ["No task", f"#{doc.task_id} Launch"]
    assert asyncio.run(DocumentsState.create.fn(s)) is None
    assert s.errors == {"title": "Give the document a title."} and s.dialog_open

    DocumentsState.set_new_title.fn(s, "Research notes")
    assert s.errors == {}
    DocumentsState.set_new_type.fn(s, "research")
    DocumentsState.set_new_task.fn(s, str(doc.task_id))
    result = asyncio.run(DocumentsState.create.fn(s))
    assert "/documents/" in said(result) and not s.dialog_open


def test_analytics_state_reads_every_chart(doc, workspace, make_agent, make_task, token):
    friday = make_agent("Friday")
    make_task("Open work", assignee_ids=[friday.id])
    s = signed_in(AnalyticsState, token)
    s.refresh()
    assert s.loaded and len(s.done_per_day) == 14 and s.done_total == 0
    assert [c["status"] for c in s.columns] == ["inbox", "assigned", "in_progress", "review"]
    assert [(r.title, r.basis, r.estimate) for r in s.open_tasks][0][1] == "no done tasks yet"
    assert s.accuracy_text.endswith("once 8 tasks are done (0 so far).")
    AnalyticsState.set_days.fn(s, "7")
    assert len(s.done_per_day) == 7
    assert (hours(0.001), hours(0.5), hours(3.25), hours(50), hours(-1)) == ("< 1 min", "30 min", "3.2 h", "2.1 d", "—")


def test_a_viewer_can_read_but_not_save_and_a_signed_out_tab_cannot_write(session, workspace, doc, make_user, op_actor):
    viewer = make_user("watcher", role="viewer")
    secret = browser_sessions.open_session(session=session, user=viewer)
    session.commit()
    s = signed_in(DocumentState, secret)
    s.document_id = doc.id
    s.load()
    assert s.found and s.draft == "# Hello\n\nfirst"
    DocumentState.set_draft.fn(s, "viewer edit")
    assert "@watcher (viewer) may not" in said(asyncio.run(DocumentState.save.fn(s)))
    assert s.draft == "viewer edit" and s.base_version == 1  # refused, and nothing typed is lost
    DocumentState.ask_restore.fn(s, 1)
    assert "may not" in said(asyncio.run(DocumentState.confirm_restore.fn(s)))
    assert documents.versions(session=session, workspace_id=workspace.id, document_id=doc.id)[-1].version == 1

    signed_out = DocumentsState()
    DocumentsState.set_new_title.fn(signed_out, "Sneaky")
    assert "signed out" in said(asyncio.run(DocumentsState.create.fn(signed_out)))


def test_comparing_runs_off_the_event_loop_and_explains_a_too_large_diff(editor, session, workspace, doc, op_actor):
    """The diff is CPU work on text anyone wrote: the page's socket keeps being served while it
    runs, and past the cap the dialog says why it shows nothing."""
    someone_else_saves(session, workspace, doc, op_actor, "\n".join(["a"] * 300))
    editor.refresh()
    DocumentState.set_draft.fn(editor, "\n".join(["a", "b"] * 150))  # ~0.3 s of the worst kind

    async def compare_while_probing() -> tuple[float, float]:
        worst, stop = 0.0, asyncio.Event()

        async def probe() -> None:
            nonlocal worst
            loop = asyncio.get_running_loop()
            while not stop.is_set():
                t0 = loop.time()
                await asyncio.sleep(0.005)
                worst = max(worst, loop.time() - t0 - 0.005)

        prober = asyncio.create_task(probe())
        await asyncio.sleep(0.02)
        started = time.monotonic()
        try:
            await DocumentState.compare_draft.fn(editor)
        finally:
            took = time.monotonic() - started
            stop.set()
            await prober
        return worst, took

    lag, took = asyncio.run(compare_while_probing())
    assert editor.diff_open and editor.diff_rows and editor.diff_note == ""
    # On the loop, the loop would stall for the whole comparison; beside it, for a thread switch.
    assert lag < took / 2, f"the event loop stalled {lag:.2f} s of the {took:.2f} s spent comparing"

    DocumentState.set_draft.fn(editor, "\n".join(f"line {i}" for i in range(1000)))
    asyncio.run(DocumentState.compare_draft.fn(editor))
    assert editor.diff_rows == [] and "too large to diff" in editor.diff_note


def test_the_history_lists_the_newest_versions_and_more_on_request(editor, session, workspace, doc, op_actor):
    for n in range(2, 56):
        someone_else_saves(session, workspace, doc, op_actor, f"text {n}")
    editor.refresh()
    assert [v.version for v in editor.versions][:2] == [55, 54] and len(editor.versions) == 50
    assert editor.more_versions
    assert editor.versions[0].chars == len("text 55")
    DocumentState.show_older_versions.fn(editor)
    assert [v.version for v in editor.versions][-1] == 1 and len(editor.versions) == 55
    assert not editor.more_versions


def test_a_save_waiting_for_another_writer_waits_beside_the_event_loop(editor, db):
    """Another writer holds the database for a second: the save waits for it in a worker
    thread, and the event loop (every other tab of this worker) keeps running meanwhile."""
    import threading

    from mission_control.db import session_scope

    holding, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with session_scope():
            holding.set()
            release.wait(10)

    async def save_while_probing() -> tuple[float, Any]:
        worst, loop = 0.0, asyncio.get_running_loop()
        saving = asyncio.ensure_future(DocumentState.save.fn(editor))
        loop.call_later(1.0, release.set)
        while not saving.done():
            t0 = loop.time()
            await asyncio.sleep(0.01)
            worst = max(worst, loop.time() - t0 - 0.01)
        return worst, saving.result()

    DocumentState.set_draft.fn(editor, "saved while someone else writes")
    other = threading.Thread(target=other_writer)
    other.start()
    try:
        assert holding.wait(5)
        lag, result = asyncio.run(save_while_probing())
    finally:
        release.set()
        other.join(10)
    assert "Saved version 2" in said(result)
    if db.dialect.name == "sqlite":  # PostgreSQL writers do not wait for each other here
        assert lag < 0.5, f"the event loop stalled {lag:.2f} s while the save waited"
