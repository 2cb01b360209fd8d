"""Board first load: `/` with 1,000 tasks in Chromium, from navigation until the cards show.

Serves the real app (`reflex run --env prod`) on a temp SQLite file holding 1,000 tasks and
opens the board signed in, in a fresh browser context each time (no cache, no stored state),
timing until the inbox shows its first and its last rendered card (a column renders
CARD_CAP cards; the rest wait behind "Show more"). Baseline: loading the `/ping` page
in the same browser (the floor of any navigation here).

Timing starts once the app has embedded the 1,000 seeded tasks into its memory index: that
backlog (model load plus ~1,000 embeddings, a whole core for ~15 s here) is the seeding's cost,
not the board's, and would otherwise land on whichever loads run first.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from mission_control.bench.core import Baseline, Result, latency, pct
from mission_control.bench.harness import make_squad, wait_until_indexed
from mission_control.state.board import CARD_CAP
from mission_control.tools.appserver import CHROMIUM_ARGS, session_cookie, start_app

TASKS = 1000
TARGET_MS = 1500.0


def run(quick: bool) -> list[Result]:
    from playwright.sync_api import sync_playwright

    n_tasks = 200 if quick else TASKS
    samples = 3 if quick else 7
    tmp = tempfile.mkdtemp(prefix="mc-bench-board-")
    try:
        url = f"sqlite:///{Path(tmp) / 'board.db'}"
        squad = make_squad(url, n_agents=10, n_tasks=n_tasks)
        expected = min(n_tasks, CARD_CAP)  # all seeded tasks sit in the inbox; it renders CARD_CAP
        server = start_app(url, tmp)
        loads, floor, shown = [], [], 0
        try:
            indexing_s = wait_until_indexed(squad.workspace_id)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                    args=CHROMIUM_ARGS,
                )
                try:
                    for i in range(samples + 1):  # the first load warms the server up; dropped
                        context = browser.new_context()
                        context.add_cookies([session_cookie(server.url, squad.browser_session)])  # type: ignore[list-item]
                        page = context.new_page()
                        t0 = time.perf_counter()
                        page.goto(f"{server.url}/ping")
                        ping = time.perf_counter() - t0
                        t0 = time.perf_counter()
                        page.goto(server.url)
                        page.get_by_text("Seeded task 0", exact=True).first.wait_for(timeout=60_000)
                        page.locator('[data-testid="task-card"]').nth(expected - 1).wait_for(timeout=60_000)
                        elapsed = time.perf_counter() - t0
                        if i:
                            loads.append(elapsed)
                            floor.append(ping)
                        shown = page.locator("text=/^Seeded task \\d+$/").count()
                        context.close()
                finally:
                    browser.close()
        finally:
            server.stop()
        base = Baseline("Chromium loads /ping", sum(floor) / len(floor) * 1000, pct(floor, 0.95))
        r = latency(f"board.first_load[{n_tasks} tasks]", loads, target=f"p95 <= {TARGET_MS:.0f} ms")
        r.compare(base)
        r.meets_target = (r.p95_ms or 0) <= TARGET_MS
        r.notes = {"cards_in_dom": shown, "tasks": n_tasks, "column_cap": CARD_CAP,
                   "waited_for_memory_index_s": round(indexing_s, 1)}
        return [r]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
