"""Memory over HTTP: a write returns before its embedding (the lag shows it), search finds by
meaning with passage, score and link, agents see only shared and their own notes, similar
tasks, and an admin's reindex queues everything again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from mission_control.config import get_settings
from mission_control.memory.edge_store import EdgeStore
from mission_control.memory.embedder import get_embedder
from mission_control.memory.indexer import index_pending
from mission_control.memory.store import set_store
from mission_control.services import agent_signals
from mission_control.services.actor import Actor

from .helpers import error_of

API = "/api/v1"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EdgeStore]:
    edge = EdgeStore(tmp_path / "edge")
    previous = set_store(edge)
    yield edge
    set_store(previous)
    edge.close()


@pytest.fixture
def index(session: Session, store: EdgeStore):
    def run() -> None:
        session.commit()
        index_pending(session, store, get_embedder())

    return run


def test_search_status_similar_and_reindex(client, squad, session, store, index):
    a = squad.a
    created = client.post(f"{API}/tasks", headers=a.auth("operator"), json={
        "title": "Stream the invoice CSV export", "description": "Exports of 100k rows time out"}).json()
    client.post(f"{API}/tasks", headers=a.auth("operator"), json={"title": "Large invoice downloads fail"})
    status = client.get(f"{API}/memory/status", headers=a.auth("viewer")).json()
    assert status["enabled"] and status["pending"] > 0 and status["lag_s"] >= 0  # not embedded yet
    index()
    assert client.get(f"{API}/memory/status", headers=a.auth("viewer")).json()["pending"] == 0
    r = client.get(f"{API}/memory/search", params={"q": "huge invoice exports are too slow", "k": 3},
                   headers=a.auth("viewer"))
    assert r.status_code == 200
    top = r.json()[0]
    assert top["kind"] == "task" and top["source_id"] in (created["id"], created["id"] + 1)
    assert top["link"] == f"/tasks/{top['source_id']}" and 0 < top["score"] <= 1 and top["passage"]
    similar = client.get(f"{API}/tasks/{created['id']}/similar", params={"k": 1}, headers=a.auth("agent")).json()
    assert [s["title"] for s in similar] == ["Large invoice downloads fail"]
    assert client.get(f"{API}/tasks/{created['id']}/similar", headers=squad.b.auth("admin")).status_code == 404
    r = client.post(f"{API}/memory/reindex", headers=a.auth("admin"))
    assert r.status_code == 202 and r.json()["queued"] >= 2
    assert client.get(f"{API}/memory/status", headers=a.auth("viewer")).json()["pending"] >= 2
    assert client.post(f"{API}/memory/reindex", headers=a.auth("operator")).status_code == 403
    index()
    again = client.get(f"{API}/memory/search", params={"q": "huge invoice exports are too slow", "k": 1},
                       headers=a.auth("viewer")).json()
    assert again[0]["source_id"] == top["source_id"]


def test_agents_see_shared_notes_and_their_own_only(client, squad, session, store, index):
    a = squad.a
    seed = Actor.system("test")
    agent_signals.remember(session=session, workspace_id=a.workspace_id, agent_id=a.agent_id,
                           text="The staging database is wiped every night", actor=seed)
    agent_signals.remember(session=session, workspace_id=a.workspace_id, agent_id=a.agent2_id,
                           text="Staging data resets nightly at 2am", actor=seed)
    agent_signals.remember(session=session, workspace_id=a.workspace_id, agent_id=a.agent2_id,
                           text="Staging gets reseeded from fixtures", shared=True, actor=seed)
    index()

    def notes(who: str) -> set[str]:
        r = client.get(f"{API}/memory/search", params={"q": "staging database reset", "kind": "note"},
                       headers=a.auth(who))
        assert r.status_code == 200, r.text
        return {h["passage"] for h in r.json()}

    assert notes("agent") == {"The staging database is wiped every night", "Staging gets reseeded from fixtures"}
    assert len(notes("operator")) == 3
    r = client.get(f"{API}/memory/search", params={"q": "x", "kind": "tweet"}, headers=a.auth("operator"))
    assert r.status_code == 422 and "unknown kind" in error_of(r)["message"]


def test_switched_off_memory_says_so(client, squad, monkeypatch):
    monkeypatch.setattr(get_settings(), "memory_enabled", False)
    r = client.get(f"{API}/memory/search", params={"q": "anything"}, headers=squad.a.auth("operator"))
    assert r.status_code == 422 and "MC_MEMORY_ENABLED" in error_of(r)["message"]
