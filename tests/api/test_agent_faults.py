"""An agent whose endpoint hangs, then answers garbage: that agent ends blocked (its runs say
why), the rest of the squad keeps its heartbeats meanwhile, and once the endpoint is healthy
again the agent is back within a minute, with the product's default timeouts and cool-down.

The endpoints are real HTTP on 127.0.0.1: an OpenAI-compatible chat-completions fake whose
behaviour is switched (healthy / hang / garbage), and a healthy one serving the other agents
(an `openai` agent and a `webhook` agent). The engine is the app's own lifespan task."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from sqlmodel import col, select
from unit.drivers.llm_server import Answer, ScriptedServer, chat, context_of
from unit.heartbeat.conftest import commit

from mission_control.config import get_settings
from mission_control.db import read_session
from mission_control.heartbeat.lifespan import run_heartbeat_engine
from mission_control.heartbeat.runner import RunOutcome
from mission_control.heartbeat.scheduler import HeartbeatEngine
from mission_control.models import Activity, Agent, AgentStatus, HeartbeatRun
from mission_control.services import messages

GOOD_INTERVAL_S = 30  # the shortest interval an agent may have
# Three kinds of garbage, one per failed heartbeat: not JSON at all, a chat completion whose
# content is not an action list, JSON that is no chat completion.
GARBAGE = [
    Answer(body="<html><body>502 Bad Gateway</body></html>", headers={"Content-Type": "text/html"}),
    chat({"actions": "whatever you like", "summary": "done"}),
    Answer(body={"detail": "model is loading"}),
]


class Switch:
    """The faulty endpoint's behaviour. `hang` holds each request open without an answer until
    the mode changes; then the held connection is dropped, as a restarted server drops it."""

    def __init__(self) -> None:
        self.mode = "healthy"
        self.changed = threading.Condition()
        self.garbage = 0
        self.held = 0

    def set(self, mode: str) -> None:
        with self.changed:
            self.mode = mode
            self.changed.notify_all()

    def __call__(self, path: str, headers: dict[str, str], body: Any) -> Answer:
        with self.changed:
            if self.mode == "hang":
                self.held += 1
                self.changed.wait_for(lambda: self.mode != "hang")
                self.held -= 1
                return Answer(drop=True)
            if self.mode == "garbage":
                self.garbage += 1
                return GARBAGE[(self.garbage - 1) % len(GARBAGE)]
        return chat({"actions": [], "summary": "back, reading what I missed"})


def _healthy(path: str, headers: dict[str, str], body: Any) -> Answer:
    if path == "/hook":  # the webhook agent
        return Answer(body={"actions": [], "summary": "nothing to do"})
    return chat({"actions": [], "summary": "nothing to do"})


def _agent(agent_id: int) -> Agent:
    with read_session() as s:
        agent = s.get(Agent, agent_id)
        assert agent is not None
        return agent


def _runs(agent_id: int) -> list[HeartbeatRun]:
    with read_session() as s:
        return list(s.exec(select(HeartbeatRun).where(HeartbeatRun.agent_id == agent_id)
                           .order_by(col(HeartbeatRun.id))))


async def _until(what: str, pred: Any, timeout: float) -> float:
    """Wait for `pred()` (run in a thread: it reads the database); returns the seconds waited."""
    t0 = time.monotonic()
    while not await asyncio.to_thread(pred):
        assert time.monotonic() - t0 < timeout, f"timed out after {timeout:g} s waiting for: {what}"
        await asyncio.sleep(0.1)
    return time.monotonic() - t0


def test_a_faulty_endpoint_blocks_only_its_agent_and_it_recovers_within_a_minute(
        workspace, make_agent, make_task, op_actor, capsys):
    settings = get_settings()
    assert (settings.heartbeat_timeout_s, settings.heartbeat_breaker_cooldown_s) == (60.0, 30.0)  # the defaults
    switch = Switch()
    with ScriptedServer(switch) as faulty, ScriptedServer(_healthy) as healthy:
        bad = make_agent("Loki", driver_type="openai",
                         driver_config={"model": "scripted", "base_url": f"{faulty.url}/v1"})
        good = [
            make_agent("Friday", driver_type="openai", heartbeat_interval_s=GOOD_INTERVAL_S,
                       driver_config={"model": "scripted", "base_url": f"{healthy.url}/v1"}),
            make_agent("Shuri", driver_type="webhook", heartbeat_interval_s=GOOD_INTERVAL_S,
                       driver_config={"url": f"{healthy.url}/hook", "secret": "s" * 16}),
        ]
        task = make_task("Ship the release")
        outcomes: list[tuple[float, RunOutcome]] = []

        def mention(name: str, text: str) -> None:
            commit(messages.post_message, workspace_id=workspace.id, task_id=task.id,
                   body=f"@{name} {text}", actor=op_actor)

        def latest(agent_id: int) -> HeartbeatRun | None:
            runs = [r for r in _runs(agent_id) if r.outcome != "skipped"]
            return runs[-1] if runs else None

        def failures(n: int) -> bool:
            return sum(r.outcome == "failed" for r in _runs(bad.id)) >= n

        async def main() -> dict[str, float]:
            started = asyncio.Event()
            engine_task = asyncio.create_task(run_heartbeat_engine(
                engine_factory=lambda lease: HeartbeatEngine(
                    fence=lease.fence, on_run=lambda out: outcomes.append((time.monotonic(), out))),
                on_change=lambda what, lease: started.set() if what == "started" else None))
            try:
                await asyncio.wait_for(started.wait(), 30)
                t_start = time.monotonic()
                # Healthy: a mention is answered.
                await asyncio.to_thread(mention, "Loki", "please check the release notes")
                await _until("Loki answers", lambda: (r := latest(bad.id)) is not None and r.outcome == "no_change", 20)

                # Hang: Loki's call is held open; the others are woken and answer meanwhile.
                switch.set("hang")
                await asyncio.to_thread(mention, "Loki", "are you there?")
                await _until("Loki's call is held", lambda: switch.held == 1, 20)
                for agent in good:
                    await asyncio.to_thread(mention, agent.name, "quick question")
                for agent in good:
                    await _until(f"{agent.name} answers while Loki hangs",
                                 lambda a=agent: (r := latest(a.id)) is not None and r.trigger == "mention"
                                 and r.outcome == "no_change", 20)
                hanging = latest(bad.id)
                assert hanging is not None and hanging.outcome == "running" and switch.held == 1
                assert _agent(bad.id).status == AgentStatus.active

                # Garbage: the held call is dropped and retried, and gets garbage; two more
                # mentions get two more kinds of garbage, and the circuit opens.
                switch.set("garbage")
                await _until("the first garbage reply fails the run", lambda: failures(1), 20)
                for n in (2, 3):
                    await asyncio.to_thread(mention, "Loki", f"ping {n}")
                    await _until(f"failure {n}", lambda n=n: failures(n), 20)
                await _until("Loki is blocked", lambda: _agent(bad.id).status == AgentStatus.blocked, 10)
                blocked_for = time.monotonic()

                # Healed: the engine probes after the cool-down and Loki is back.
                switch.set("healthy")
                t_heal = time.monotonic()
                recovered = await _until("Loki is back", lambda: (a := _agent(bad.id)).status == AgentStatus.idle
                                         and a.circuit_state == "closed", 60)
                return {"recovered_s": recovered, "blocked_at_s": blocked_for - t_start,
                        "heal_at_s": t_heal - t_start, "t_start": t_start, "t_end": time.monotonic()}
            finally:
                engine_task.cancel()
                await asyncio.gather(engine_task, return_exceptions=True)
                switch.set("healthy")  # let go of any held request before the servers stop

        times = asyncio.run(main())
        last_request = faulty.requests[-1].body

    with capsys.disabled():
        print(f"\n[faults] Loki blocked {times['blocked_at_s']:.1f} s into the test; "
              f"back {times['recovered_s']:.1f} s after its endpoint healed (cool-down 30 s)")
    # The evidence: the failed runs say what was wrong; the circuit opened, then closed.
    failed = [r for r in _runs(bad.id) if r.outcome == "failed"]
    assert len(failed) == 3
    assert "not JSON" in (failed[0].error or "") and failed[0].attempts == 2  # the dropped call, then garbage
    assert "'actions' must be a list" in (failed[1].error or "")
    assert "without choices[0].message" in (failed[2].error or "")
    back = [r for r in _runs(bad.id) if r.outcome == "no_change"][-1]
    assert back.trigger == "retry" and back.gate_reason.startswith("probe: ") and back.summary.startswith("back")
    agent = _agent(bad.id)
    assert (agent.circuit_state, agent.consecutive_failures, agent.status) == ("closed", 0, AgentStatus.idle)
    with read_session() as s:
        events = list(s.exec(select(Activity.event_type).where(col(Activity.event_type).like("agent.circuit%"))
                             .order_by(col(Activity.id))))
    assert events == ["agent.circuit_opened", "agent.circuit_closed"]
    # What it missed while broken reaches it on the first good call.
    missed = [n["text"] for n in context_of(last_request)["notifications"]]
    assert any("are you there?" in t for t in missed) and any("ping 3" in t for t in missed)
    # The others never failed, and kept their rhythm: a heartbeat at least every interval.
    for agent in good:
        beats = [at for at, out in outcomes if out.agent_id == agent.id]
        assert not [out.outcome for _, out in outcomes if out.agent_id == agent.id
                    and out.outcome in ("failed", "circuit_open")]
        gaps = [b - a for a, b in zip([times["t_start"], *beats], [*beats, times["t_end"]], strict=True)]
        assert len(beats) >= 2 and max(gaps) < GOOD_INTERVAL_S + 5, (agent.name, gaps)
