"""The search box: tasks, messages and documents ranked by meaning, each with its best passage,
its score and where to open it; only the caller's workspace; nothing forgotten; similar tasks."""

from __future__ import annotations

import pytest

from mission_control.errors import Invalid, NotFound
from mission_control.memory.search import search, similar_tasks
from mission_control.services import documents, messages, task_flow, tasks
from mission_control.services.actor import Actor

SYSTEM = Actor.system("test")



def test_results_are_ranked_by_meaning_with_passage_score_and_link(session, workspace, make_task, op_actor, index):
    export = make_task("Stream the invoice CSV export", description="Big exports time out.")
    other = make_task("Dark mode for the dashboard")
    msg = messages.post_message(session=session, workspace_id=workspace.id, task_id=other.id,
                                body="Chart colours are unreadable on the dark background", actor=op_actor).message
    body = ("Intro.\n\n" + "Filler about unrelated topics. " * 30 + "\n\n"
            "To restore a backup, copy the dump to the scratch server and run pg_restore with four jobs.")
    doc = documents.create_document(session=session, workspace_id=workspace.id, title="Ops handbook", content=body,
                                    actor=op_actor)
    index()
    [top, *_] = search(session, workspace.id, "downloading large invoice files fails", k=3)
    assert (top.kind, top.source_id, top.link) == ("task", export.id, f"/tasks/{export.id}")
    [hit] = search(session, workspace.id, "graphs hard to read in night theme", k=1)
    assert (hit.kind, hit.link) == ("message", f"/tasks/{other.id}#message-{msg.id}")
    assert hit.passage == msg.body and 0 < hit.score <= 1
    [hit] = search(session, workspace.id, "how do I bring back a database dump?", k=1, kinds=["document"])
    assert hit.link == f"/documents/{doc.id}" and hit.passage.startswith("To restore a backup")
    results = search(session, workspace.id, "invoice export", k=10)
    assert len({(h.kind, h.source_id) for h in results}) == len(results)  # one passage per source
    assert [h.score for h in results] == sorted((h.score for h in results), reverse=True)


def test_other_workspaces_and_forgotten_sources_never_show(session, workspace, make_workspace, make_task, op_actor,
                                                          index):
    elsewhere = make_workspace("other")
    tasks.create_task(session=session, workspace_id=elsewhere.id, data={"title": "Kubernetes cluster upgrade"},
                      actor=SYSTEM)
    mine = make_task("Upgrade the Kubernetes cluster to 1.30")
    index()
    assert [h.source_id for h in search(session, workspace.id, "k8s upgrade", k=5)] == [mine.id]
    tasks.delete_task(session=session, workspace_id=workspace.id, task_id=mine.id, actor=op_actor)
    session.commit()  # the indexer has not run yet: the vector is still in the store
    assert search(session, workspace.id, "k8s upgrade", k=5) == []


def test_a_search_needs_words_and_known_kinds(session, workspace, store, embedder):
    with pytest.raises(Invalid):
        search(session, workspace.id, "   ")
    with pytest.raises(Invalid, match="unknown kind"):
        search(session, workspace.id, "x", kinds=["tweet"])


def test_similar_tasks_with_status_assignees_and_duration(session, workspace, make_task, make_agent, op_actor,
                                                          actor_for, index):
    friday = make_agent("Friday")
    old = make_task("Add Google single sign-on", description="Log in with Google Workspace", assignee_ids=[friday.id])
    for to in ("in_progress", "review", "done"):
        task_flow.move_task(session=session, workspace_id=workspace.id, task_id=old.id, to=to, actor=op_actor)
    make_task("Redesign the pricing page")
    new = make_task("Support Microsoft Entra ID login", description="SSO for Microsoft accounts")
    index()
    found = similar_tasks(session, new.id, k=2)
    assert [f.task_id for f in found][0] == old.id and new.id not in [f.task_id for f in found]
    assert found[0].status == "done" and found[0].assignee_ids == [friday.id] and found[0].took_s is not None
    assert found[0].score > found[1].score
    with pytest.raises(NotFound):
        similar_tasks(session, new.id, workspace_id=workspace.id + 1)


def test_a_vector_that_outlived_its_row_never_shows_another_row(session, workspace, make_task, store, embedder,
                                                               index):
    from mission_control.memory.store import Point, payload_of

    task = make_task("Quarterly board report")
    index()
    [item_id] = [h.memory_id for h in search(session, workspace.id, "board report", k=1)]
    # a vector left over from a deleted workspace, under the same id, about something else
    stale = payload_of(workspace_id=workspace.id, agent_id=None, kind="message", task_id=None,
                       source_type="message", source_id=999)
    store.upsert([Point(item_id, embedder.encode_one("kubernetes cluster upgrade"), stale)])
    assert search(session, workspace.id, "kubernetes cluster upgrade", k=3) == []
    assert task.id is not None
