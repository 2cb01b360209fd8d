"""Quality with the real model: a labelled squad corpus, 40+ questions asked in other words,
and recall@5 of the search people use (and heartbeats recall through) at least 0.8."""

from __future__ import annotations

from mission_control.memory.search import search
from mission_control.services import agent_signals, documents, memory, messages, tasks
from mission_control.services.actor import Actor

from .squad_corpus import DOCUMENTS, MESSAGES, NOTES, QUERIES, TASKS

SYSTEM = Actor.system("test")


def build(session, workspace_id, make_agent) -> dict[tuple[str, int], str]:
    """Write the corpus through the services; returns (kind, id) -> corpus key."""
    keys: dict[tuple[str, int], str] = {}
    task_ids: dict[str, int] = {}
    for key, (title, description) in TASKS.items():
        task = tasks.create_task(session=session, workspace_id=workspace_id,
                                 data={"title": title, "description": description}, actor=SYSTEM)
        task_ids[key] = task.id
        keys[("task", task.id)] = key
    for key, (task_key, body) in MESSAGES.items():
        posted = messages.post_message(session=session, workspace_id=workspace_id, task_id=task_ids[task_key],
                                       body=body, actor=SYSTEM)
        keys[("message", posted.message.id)] = key
    for key, (title, content) in DOCUMENTS.items():
        doc = documents.create_document(session=session, workspace_id=workspace_id, title=title, content=content,
                                        actor=SYSTEM)
        keys[("document", doc.id)] = key
    agents = {name: make_agent(name) for name in {a for a, _ in NOTES.values()}}
    for key, (agent, text) in NOTES.items():
        kept = agent_signals.remember(session=session, workspace_id=workspace_id, agent_id=agents[agent].id,
                                      text=text, shared=True, actor=SYSTEM)
        keys[("note", kept["memory_id"])] = key
    session.commit()
    return keys


def test_recall_at_5_on_the_labelled_squad_set(session, workspace, make_agent, index):
    assert len(QUERIES) >= 40
    keys = build(session, workspace.id, make_agent)
    index()
    per_query: list[float] = []
    first: list[bool] = []
    misses: list[str] = []
    for query, relevant in QUERIES:
        found = search(session, workspace.id, query, k=5, kinds=memory.KINDS)
        top = [keys.get((h.kind, h.memory_id if h.kind == "note" else h.source_id)) for h in found]
        got = len(set(relevant) & set(top)) / min(len(relevant), 5)
        per_query.append(got)
        first.append(bool(top) and top[0] in relevant)
        if got < 1:
            misses.append(f"{query!r}: wanted {relevant}, got {top}")
    recall = sum(per_query) / len(per_query)
    print(f"\n[memory] recall@5 = {recall:.3f}, top-1 right {sum(first) / len(first):.3f}, over {len(QUERIES)} "
          "queries; misses:\n  " + "\n  ".join(misses))
    assert recall >= 0.8, misses
