"""API write throughput and latency: task and message creation at concurrency 1, 8 and 32.

The agent API runs under uvicorn in its own process on a temp SQLite file; an asyncio httpx
client posts as an agent. The baseline is raw SQLAlchemy inserts of the same rows, one
transaction each, on the same kind of database. Every load stops at its count or its deadline.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert

from mission_control import db as mc_db
from mission_control.bench.core import Baseline, Result, latency
from mission_control.bench.harness import api_server, make_squad
from mission_control.models import Message, Task, utcnow

LEVELS = (1, 8, 32)
DEADLINE_S = 30.0


async def _load(
    base: str, token: str, path: str, body: Callable[[int], dict[str, Any]], *,
    concurrency: int, count: int,
) -> tuple[list[float], float, int]:
    """POST `count` bodies with `concurrency` in flight; (latencies, seconds, errors)."""
    numbers = itertools.count()
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + DEADLINE_S
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"},
        limits=limits, timeout=30,
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while (i := next(numbers)) < count and time.monotonic() < deadline:
                t0 = time.perf_counter()
                r = await client.post(path, json=body(i))
                latencies.append(time.perf_counter() - t0)
                errors += r.status_code != 201

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - started, errors


def _raw_inserts(engine: Engine, make_row: Callable[[int], dict[str, Any]], model: Any,
                 count: int) -> list[float]:
    out = []
    for i in range(count):
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(model).values(**make_row(i)))
        out.append(time.perf_counter() - t0)
    return out


def run(quick: bool) -> list[Result]:
    count = 100 if quick else 600
    with tempfile.TemporaryDirectory(prefix="mc-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'api.db'}"
        squad = make_squad(url, n_agents=1, n_tasks=1)
        kinds: dict[str, tuple[str, Callable[[int], dict[str, Any]]]] = {
            "task": ("/tasks", lambda i: {"title": f"Load task {i}", "priority": "high"}),
            "message": (f"/tasks/{squad.task_id}/messages",
                        lambda i: {"body": f"progress note {i}: all green"}),
        }
        results = []
        with api_server(url, tmp) as base:
            for kind, (path, body) in kinds.items():
                for c in LEVELS:
                    lat, secs, errors = asyncio.run(
                        _load(base, squad.agent_tokens[0], path, body, concurrency=c, count=count))
                    r = latency(f"api_writes.{kind}[c={c}]", lat, throughput_per_s=len(lat) / secs)
                    if errors:
                        r.notes["errors"] = errors
                    if c == 8:
                        r.target = "p95 <= 50 ms and >= 500/s"
                        r.meets_target = (r.p95_ms or 0) <= 50 and len(lat) / secs >= 500 and not errors
                    results.append(r)
        # The floor: the same rows inserted straight through SQLAlchemy, one transaction each
        # (into a fresh SQLite file, or the same server database).
        raw_url = f"sqlite:///{Path(tmp) / 'raw.db'}" if url.startswith("sqlite") else url
        floor_squad = make_squad(raw_url, slug="raw") if raw_url != url else squad
        engine = mc_db.engine()
        ws, agent_id, task_id = floor_squad.workspace_id, floor_squad.agent_ids[0], floor_squad.task_id
        rows: dict[str, tuple[Any, Callable[[int], dict[str, Any]]]] = {
            "task": (Task, lambda i: {"workspace_id": ws, "title": f"Raw task {i}", "priority": "high",
                                      "created_by_agent_id": agent_id, "created_at": utcnow(),
                                      "updated_at": utcnow(), "status_changed_at": utcnow()}),
            "message": (Message, lambda i: {"workspace_id": ws, "task_id": task_id,
                                            "author_agent_id": agent_id, "body": f"raw note {i}",
                                            "attachments": [], "created_at": utcnow()}),
        }
        for kind, (model, make_row) in rows.items():
            raw = _raw_inserts(engine, make_row, model, count)
            floor = latency("raw", raw, throughput_per_s=len(raw) / sum(raw))
            base_line = Baseline("raw SQLAlchemy insert", floor.p50_ms, floor.p95_ms, floor.throughput_per_s)
            for r in results:
                if r.name.startswith(f"api_writes.{kind}["):
                    r.compare(base_line, by="throughput")
        engine.dispose()
        return results
