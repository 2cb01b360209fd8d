"""Live update: from an API write until the new card reaches every connected client.

Serves the real app (`reflex run --env prod`) on a temp SQLite file, connects N lightweight
clients speaking the app's own socket protocol (1, 10, 50, 100; see socket_client.py), and
times `POST /api/v1/tasks` until every client has received the card; then one Chromium page
until the card is in its DOM. Baseline: a raw WebSocket echo round trip on the same machine
in the same run. Every wait has a deadline; loopback only.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import websockets

from mission_control.bench.core import Baseline, Result, latency, pct
from mission_control.bench.harness import make_squad
from mission_control.bench.socket_client import TabClient, card_titles
from mission_control.tools.appserver import CHROMIUM_ARGS, session_cookie, start_app

CLIENTS = (1, 10, 50, 100)
TARGETS = {50: 100.0, 100: 250.0}  # p95 ms
WAIT_S = 10.0


async def echo_baseline(samples: int = 200) -> Baseline:
    async def echo(ws: websockets.ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async with websockets.serve(echo, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with websockets.connect(f"ws://127.0.0.1:{port}") as ws:
            out = []
            for i in range(samples):
                t0 = time.perf_counter()
                await ws.send(f"ping {i}")
                await ws.recv()
                out.append(time.perf_counter() - t0)
    return Baseline("raw WebSocket echo", statistics.median(out) * 1000, pct(out, 0.95))


def _watch_for(title: str, k: int, seen: dict[int, float], n: int,
               done: asyncio.Event) -> Callable[[dict[str, Any]], None]:
    """Client k's delta callback: note when the card titled `title` first reaches it."""

    def on_delta(delta: dict[str, Any]) -> None:
        if k not in seen and title in card_titles(delta):
            seen[k] = time.perf_counter()
            if len(seen) == n:
                done.set()

    return on_delta


async def fan_out(url: str, token: str, n: int, samples: int) -> tuple[list[float], list[float], int]:
    """(time until every client had the card, per-client times, misses) over `samples` writes."""
    clients = [TabClient(url, session_token=token) for _ in range(n)]
    gate = asyncio.Semaphore(10)  # hydrate in small batches, as tabs opening over a moment

    async def join(c: TabClient) -> None:
        async with gate:
            await c.connect()

    await asyncio.gather(*(join(c) for c in clients))
    everyone: list[float] = []
    each: list[float] = []
    misses = 0
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=WAIT_S,
                                 headers={"Authorization": f"Bearer {token}"}) as api:
        try:
            for i in range(samples):
                title = f"Live {n}-{i} {time.time_ns()}"
                seen: dict[int, float] = {}
                done = asyncio.Event()
                for k, c in enumerate(clients):
                    c.on_delta = _watch_for(title, k, seen, n, done)
                t0 = time.perf_counter()
                r = await api.post("/tasks", json={"title": title})
                r.raise_for_status()
                try:
                    await asyncio.wait_for(done.wait(), WAIT_S)
                    everyone.append(max(seen.values()) - t0)
                except TimeoutError:
                    misses += n - len(seen)
                each.extend(t - t0 for t in seen.values())
                await asyncio.sleep(0.3)
        finally:
            await asyncio.gather(*(c.close() for c in clients))
    return everyone, each, misses


def chromium_page(url: str, token: str, samples: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw, httpx.Client(base_url=f"{url}/api/v1", timeout=WAIT_S,
                                                headers={"Authorization": f"Bearer {token}"}) as api:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                     args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([session_cookie(url, token)])  # type: ignore[list-item]
            page = context.new_page()
            page.goto(url)
            page.get_by_text("Seeded task 0").first.wait_for(timeout=60_000)
            for i in range(samples):
                title = f"Browser {i} {time.time_ns()}"
                t0 = time.perf_counter()
                api.post("/tasks", json={"title": title}).raise_for_status()
                page.get_by_text(title).first.wait_for(timeout=WAIT_S * 1000)
                out.append(time.perf_counter() - t0)
                time.sleep(0.3)
        finally:
            browser.close()
    return out


def run(quick: bool) -> list[Result]:
    samples = 5 if quick else 15
    levels = (1, 10) if quick else CLIENTS
    base = asyncio.run(echo_baseline())
    tmp = tempfile.mkdtemp(prefix="mc-bench-live-")
    try:
        url = f"sqlite:///{Path(tmp) / 'live.db'}"
        squad = make_squad(url, n_agents=1, n_tasks=3)
        server = start_app(url, tmp)
        results = []
        try:
            for n in levels:
                everyone, each, misses = asyncio.run(fan_out(server.url, squad.admin_token, n, samples))
                if not everyone:
                    results.append(Result(f"live_update[{n} socket clients]", notes={"missed": misses}))
                    continue
                r = latency(f"live_update[{n} socket clients]", everyone).compare(base)
                r.notes = {"per_client_p50_ms": round(statistics.median(each) * 1000, 1),
                           "per_client_p95_ms": round(pct(each, 0.95), 1), "missed": misses}
                if n in TARGETS:
                    r.target = f"p95 <= {TARGETS[n]:.0f} ms"
                    r.meets_target = (r.p95_ms or 0) <= TARGETS[n] and not misses
                results.append(r)
            page = chromium_page(server.url, squad.admin_token, samples)
            results.append(latency("live_update[1 Chromium page, card in DOM]", page).compare(base))
        finally:
            server.stop()
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
