"""Memory fixtures: the real model (loaded once per run), a fresh embedded store per test, and
`index()` to run the background indexer's work synchronously."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from mission_control.config import get_settings
from mission_control.memory.edge_store import EdgeStore
from mission_control.memory.embedder import Embedder, get_embedder
from mission_control.memory.indexer import IndexReport, index_pending
from mission_control.memory.store import set_store

from ..heartbeat.conftest import beat  # noqa: F401  (the heartbeat runner fixture)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    model = get_embedder()  # the same instance the search and retrieval code use by default
    model.model()
    return model


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EdgeStore]:
    edge = EdgeStore(tmp_path / "edge")
    previous = set_store(edge)
    try:
        yield edge
    finally:
        set_store(previous)
        edge.close()


@pytest.fixture
def index(session: Session, store: EdgeStore, embedder: Embedder) -> Callable[[], IndexReport]:
    def run() -> IndexReport:
        session.commit()
        report = index_pending(session, store, embedder)
        session.expire_all()
        return report

    return run


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """`settings(memory_agent_cap=3, ...)`: change settings for this test only."""

    def change(**values: object) -> None:
        for key, value in values.items():
            monkeypatch.setattr(get_settings(), key, value)

    return change
