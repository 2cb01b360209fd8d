"""`mc simulate`: a squad of external agents working through the public API, exactly as real
ones would, so a demo board comes alive and benchmarks have a realistic load.

With an admin's token (MC_API_KEY) it enrolls agents `Sim0..SimN-1` (reusing them on later
runs), issues each a key for this run (revoked at the end), files the tasks, then every
agent loops: check in, take an inbox task, start it, comment (sometimes @mentioning a
teammate), deliver a document, send it to review; a teammate reviews it and the operator
(the admin's key) approves it to done.
Everything is bounded by --duration and the task count.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from mission_control.cli.client import PREFIX, ApiError, _error_from

ROLES = ["researcher", "writer", "developer", "qa", "designer", "analyst", "ops"]


@dataclass
class Report:
    actions: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    done_ids: set[int] = field(default_factory=set)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        per = {}
        for name, values in sorted(self.latencies.items()):
            ordered = sorted(values)
            per[name] = {
                "count": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1),
            }
        total = sum(self.actions.values())
        return {
            "actions": total,
            "errors": dict(self.errors),
            "tasks_done": len(self.done_ids),
            "seconds": round(self.seconds, 1),
            "actions_per_s": round(total / self.seconds, 1) if self.seconds else 0.0,
            "per_action": per,
        }


class Api:
    """One caller (the admin or an agent) with its own key and connection pool."""

    def __init__(self, url: str, key: str, report: Report, timeout: float) -> None:
        self.report = report
        self.http = httpx.AsyncClient(
            base_url=url.rstrip("/") + PREFIX,
            headers={"Authorization": f"Bearer {key}", "User-Agent": "mc-simulate"},
            timeout=timeout,
        )

    async def call(self, action: str, method: str, path: str, body: Any = None, **params: Any) -> Any:
        t0 = time.perf_counter()
        try:
            given = {k: v for k, v in params.items() if v is not None}
            r = await self.http.request(method, path, json=body, params=given or None)
        except httpx.TransportError as exc:
            self.report.errors["unreachable"] += 1
            raise ApiError(f"cannot reach the server: {exc!r}", code="unreachable") from exc
        self.report.latencies[action].append(time.perf_counter() - t0)
        if r.is_success:
            self.report.actions[action] += 1
            return r.json() if r.status_code != 204 else None
        error = _error_from(r)
        self.report.errors[f"{action}:{error.code}"] += 1
        raise error

    async def aclose(self) -> None:
        await self.http.aclose()


async def _enroll(admin: Api, n: int) -> list[tuple[int, str, int, str]]:
    """(agent id, name, key id, key) for Sim0..Sim{n-1}, creating missing agents."""
    existing = {a["name"]: a for a in await admin.call("list_agents", "GET", "/agents")}
    out = []
    for i in range(n):
        name = f"Sim{i}"
        agent = existing.get(name) or await admin.call(
            "create_agent", "POST", "/agents",
            {"name": name, "role": ROLES[i % len(ROLES)], "driver_type": "external",
             "description": "Simulated by `mc simulate`."},
        )
        key = await admin.call("issue_key", "POST", f"/agents/{agent['id']}/keys", {"name": "simulate"})
        out.append((agent["id"], name, key["id"], key["token"]))
    return out


async def _agent(me: Api, my_id: int, names: list[str], rng: random.Random, stop_at: float,
                 pace_s: float, review_queue: asyncio.Queue[int], report: Report,
                 filed: set[int], approver: Api) -> None:
    async def pause() -> None:
        if pace_s:
            await asyncio.sleep(pace_s * (0.5 + rng.random()))

    while time.monotonic() < stop_at and not (filed and report.done_ids >= filed):
        try:
            await me.call("check_in", "POST", f"/agents/{my_id}/heartbeat", {"status": "active"})
            # Review a teammate's work first, if any is waiting.
            try:
                task_id = review_queue.get_nowait()
            except asyncio.QueueEmpty:
                task_id = 0
            if task_id:
                await pause()
                await me.call("comment", "POST", f"/tasks/{task_id}/messages",
                              {"body": "Reviewed: looks good to me; over to the operator."})
                # Only an operator closes a review (agents get 403): the admin's key approves.
                await approver.call("approve", "POST", f"/tasks/{task_id}/approve", {})
                report.done_ids.add(task_id)
                continue
            # Only the simulator's own tasks: it never grabs real work off someone's board. The
            # list starts at its first task (ids ascend), so older inbox work, however much,
            # never pushes the simulator's tasks off the page.
            page = await me.call("list_inbox", "GET", "/tasks", status="inbox", limit=200,
                                 cursor=min(filed) - 1 if filed else None)
            inbox = [t for t in page["items"] if t["id"] in filed]
            if not inbox:
                if review_queue.empty():
                    await asyncio.sleep(min(1.0, max(0.0, stop_at - time.monotonic())))
                continue
            task = rng.choice(inbox)
            try:
                taken = await me.call("take", "POST", f"/tasks/{task['id']}/assignees", {"agent_id": my_id})
            except ApiError:
                continue
            if taken["assignee_ids"] != [my_id]:  # a teammate took it at the same moment
                await me.call("drop", "DELETE", f"/tasks/{task['id']}/assignees/{my_id}")
                continue
            await pause()
            await me.call("move", "POST", f"/tasks/{task['id']}/move", {"status": "in_progress"})
            mention = names and rng.random() < 0.3  # a squad of one has nobody to ask
            body = (f"Started on this. @{rng.choice(names)} can you sanity-check the approach?"
                    if mention else "Started on this; first draft soon.")
            await me.call("comment", "POST", f"/tasks/{task['id']}/messages", {"body": body})
            await pause()
            await me.call("deliver", "POST", "/documents", {
                "title": f"Deliverable for #{task['id']}", "type": "deliverable",
                "task_id": task["id"],
                "content": f"# {task['title']}\n\nDone by the simulator.\n",
            })
            await me.call("move", "POST", f"/tasks/{task['id']}/move", {"status": "review"})
            await review_queue.put(task["id"])
            await pause()
        except ApiError:
            await asyncio.sleep(0.2)  # counted in the report; keep playing


async def simulate(url: str, admin_key: str, *, agents: int, tasks: int, duration_s: float,
                   pace_s: float, seed: int = 7, timeout: float = 30.0) -> Report:
    report = Report()
    admin = Api(url, admin_key, report, timeout)
    rng = random.Random(seed)
    started = time.monotonic()
    squad: list[tuple[int, str, int, str]] = []
    callers: list[Api] = []
    try:
        squad = await _enroll(admin, agents)
        filed: set[int] = set()
        for i in range(tasks):
            created = await admin.call("file_task", "POST", "/tasks", {
                "title": f"Simulated task {i + 1}: {rng.choice(['research', 'draft', 'build', 'test', 'review'])}"
                         f" {rng.choice(['pricing', 'onboarding', 'export', 'alerts', 'reports'])}",
                "priority": rng.choice(["low", "medium", "high", "urgent"]),
            })
            filed.add(created["id"])
        stop_at = time.monotonic() + duration_s
        names = [name for _, name, _, _ in squad]
        review: asyncio.Queue[int] = asyncio.Queue()
        callers = [Api(url, token, report, timeout) for *_, token in squad]
        await asyncio.gather(*(
            _agent(api, agent_id, [n for n in names if n != name], random.Random(rng.random()),
                   stop_at, pace_s, review, report, filed, admin)
            for api, (agent_id, name, _, _) in zip(callers, squad, strict=True)
        ))
    finally:
        report.seconds = time.monotonic() - started
        for api in callers:
            await api.aclose()
        for _, _, key_id, _ in squad:  # this run's keys are not left lying around
            try:
                await admin.call("revoke_key", "POST", f"/keys/{key_id}/revoke")
            except ApiError:
                pass
        await admin.aclose()
    return report
