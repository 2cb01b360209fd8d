"""The heartbeat engine: an APScheduler AsyncIOScheduler with one interval job per agent.

- Each agent wakes every `heartbeat_interval_s`; first wakes are staggered (golden-ratio
  offsets of the interval by agent id) so a squad never wakes at once, and the next wake time
  is kept on the agent row so a new scheduler holder resumes the rhythm.
- Early wakes pull an agent's next run forward: "wake now" (services.agent_signals.wake_agent),
  a new @mention or assignment (debounced: a burst of them is one wake), a new inbox task for
  an orchestrator. In this process they arrive on the event bus at once; from other processes
  (another worker's API request) on the cross-worker fan-out (`fanout.py`), handled the same
  way. A cheap poll of new notification ids and wake requests is the fallback for notices lost
  while the fan-out was away (or when there is none: SQLite, one worker), within `poll_s`.
- Each heartbeat runs as its own asyncio task (a slow or hanging agent delays nobody); a
  wake that arrives while its agent is running is kept and runs right after. Nothing a driver
  does can stop the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlmodel import Session

from mission_control import fanout
from mission_control.config import get_settings
from mission_control.db import read_session, session_scope
from mission_control.drivers import DriverRegistry
from mission_control.events import Event, EventType, bus
from mission_control.heartbeat.runner import RETRY, HeartbeatConfig, Runner, RunOutcome
from mission_control.models import Agent, DriverType, utcnow
from mission_control.observe import metrics
from mission_control.services import heartbeat_upkeep

log = logging.getLogger(__name__)
PHI = 0.6180339887498949
_AGENT_EVENTS = frozenset({EventType.agent_created, EventType.agent_updated, EventType.agent_paused,
                           EventType.agent_resumed, EventType.agent_deleted})


def stagger(agent_id: int, interval_s: float) -> float:
    """Where in its interval an agent first wakes: evenly spread for any set of ids."""
    return interval_s * ((agent_id * PHI) % 1.0)


class HeartbeatEngine:
    def __init__(
        self,
        config: HeartbeatConfig | None = None,
        *,
        drivers: DriverRegistry | None = None,
        fence: Callable[[Session], None] | None = None,
        poll_s: float | None = None,
        debounce_s: float | None = None,
        reconcile_s: float = 15.0,
        sweep_s: float = 60.0,
        catchup_s: float = 120.0,
        on_run: Callable[[RunOutcome], None] | None = None,
        relay: fanout.Fanout | None | Literal["settings"] = "settings",
    ) -> None:
        settings = get_settings()
        self.relay = fanout.from_settings(settings) if relay == "settings" else relay
        self.config = config or HeartbeatConfig.from_settings(settings)
        self.poll_s = poll_s if poll_s is not None else settings.heartbeat_poll_s
        self.debounce_s = debounce_s if debounce_s is not None else settings.heartbeat_wake_debounce_s
        self.reconcile_s, self.sweep_s, self.catchup_s = reconcile_s, sweep_s, catchup_s
        self.on_run = on_run
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="mc-heartbeat")
        self._own_drivers = drivers is None
        self.drivers = drivers or DriverRegistry()
        self.runner = Runner(self.config, self.drivers, executor=self.executor, fence=fence)
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults={
            "coalesce": True, "misfire_grace_time": None, "max_instances": 1})
        self.stats: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._again: dict[int, str] = {}
        self._early: dict[int, datetime] = {}
        self._trigger: dict[int, str] = {}
        self._intervals: dict[int, int] = {}
        self._orchestrators: dict[int, list[int]] = {}
        self._seen_notes: deque[int] = deque(maxlen=5000)
        self._last_note_id = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._listener: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._last_note_id = await self._db(self._note_floor)
        await self._reconcile()
        self.scheduler.add_job(self._poll, IntervalTrigger(seconds=self.poll_s, timezone=UTC), id="mc:poll")
        self.scheduler.add_job(self._reconcile, IntervalTrigger(seconds=self.reconcile_s, timezone=UTC), id="mc:agents")
        self.scheduler.add_job(self._sweep, IntervalTrigger(seconds=self.sweep_s, timezone=UTC), id="mc:sweep",
                               next_run_time=datetime.now(UTC) + timedelta(seconds=1))
        self._unsubscribe = bus.subscribe(self._on_event)
        if self.relay is not None:
            self._listener = asyncio.create_task(fanout.listen_forever(self.relay, self._on_notice))
        metrics.queue_depth("heartbeat_pending_wakes", self.pending_wakes)
        metrics.queue_depth("heartbeat_running", self.running)
        self.scheduler.start()
        log.info("heartbeat engine started: %d agents scheduled", len(self._intervals))

    async def stop(self) -> None:
        metrics.queue_depth("heartbeat_pending_wakes", None)
        metrics.queue_depth("heartbeat_running", None)
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if self._listener is not None:
            self._listener.cancel()
            self._listener = None
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        in_flight = list(self.runner.active_runs.values())
        if in_flight:
            try:
                await self._db(self._abort_runs, in_flight)
            except Exception:
                log.exception("could not mark interrupted runs as aborted")
        if self._own_drivers:
            await self.drivers.aclose()
        self.executor.shutdown(wait=False)

    def pending_wakes(self) -> int:
        return len(self._early)

    def running(self) -> int:
        return sum(not t.done() for t in list(self._tasks.values()))

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    # ------------------------------------------------------------------ waking

    def wake(self, agent_id: int, trigger: str = "manual", delay: float = 0.0) -> None:
        """Run agent's heartbeat within `delay` s (call on the engine's loop). Debounced: a wake
        already due sooner absorbs this one."""
        at = datetime.now(UTC) + timedelta(seconds=max(0.0, delay))
        pending = self._early.get(agent_id)
        if pending is not None and pending <= at:
            self.stats["debounced"] += 1
            return
        self._early[agent_id] = at
        self._trigger[agent_id] = trigger
        job = self.scheduler.get_job(f"hb:{agent_id}")
        if job is not None and self.scheduler.running:
            if job.next_run_time is None or job.next_run_time > at:
                job.modify(next_run_time=at)
        else:
            assert self._loop is not None
            self._loop.call_later(max(0.0, delay), lambda: asyncio.ensure_future(self._fire(agent_id)))

    def wake_threadsafe(self, agent_id: int, trigger: str = "manual", delay: float = 0.0) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.wake, agent_id, trigger, delay)

    async def _fire(self, agent_id: int) -> None:
        trigger = self._trigger.pop(agent_id, "interval")
        self._early.pop(agent_id, None)
        self._start(agent_id, trigger)

    def _start(self, agent_id: int, trigger: str) -> None:
        running = self._tasks.get(agent_id)
        if running is not None and not running.done():
            self._again.setdefault(agent_id, trigger)  # keep the wake; run it right after
            return
        job = self.scheduler.get_job(f"hb:{agent_id}") if self.scheduler.running else None
        next_at = job.next_run_time if job is not None else None
        self._tasks[agent_id] = asyncio.ensure_future(self._run(agent_id, trigger, next_at))

    async def _run(self, agent_id: int, trigger: str, next_at: datetime | None) -> None:
        try:
            outcome = await self.runner.heartbeat(agent_id, trigger, next_at)
            self.stats[outcome.outcome] += 1
            metrics.heartbeat_runs.labels(outcome.outcome).inc()
            self.stats["called"] += outcome.called
            if outcome.retry_in_s is not None:  # failed or refused: try again when the breaker allows
                self.wake(agent_id, RETRY, outcome.retry_in_s)
            if self.on_run is not None:
                self.on_run(outcome)
        except asyncio.CancelledError:
            raise
        except Exception:  # the scheduler survives anything a heartbeat does
            self.stats["crashed"] += 1
            log.exception("heartbeat of agent %s crashed", agent_id)
        finally:
            again = self._again.pop(agent_id, None)
            if again is not None and self._loop is not None and not self._loop.is_closed():
                self._loop.call_soon(self._start, agent_id, again)

    def _on_event(self, event: Event) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._handle, event)

    def _on_notice(self, notice: fanout.Notice) -> None:
        if notice.get("origin") != fanout.origin():  # this process's events came on the bus
            event = fanout.event_of(notice)
            if event is not None:
                self._handle(event)

    def _handle(self, event: Event) -> None:
        p = event.payload
        if event.type == EventType.notification_created and p.get("agent_id"):
            self._seen_notes.append(int(p.get("notification_id") or 0))
            self.wake(int(p["agent_id"]), str(p.get("kind") or "mention"), self.debounce_s)
        elif event.type == EventType.agent_wake_requested and p.get("agent_id"):
            self.wake(int(p["agent_id"]), "forced" if p.get("force") else "manual", 0.0)
        elif event.type == EventType.task_created:
            for orchestrator in self._orchestrators.get(event.workspace_id, []):
                self.wake(orchestrator, "inbox", self.debounce_s)
        elif event.type in _AGENT_EVENTS:
            asyncio.ensure_future(self._reconcile())

    # ------------------------------------------------------------------ periodic jobs

    def _note_floor(self) -> int:
        with read_session() as s:
            return heartbeat_upkeep.notification_floor(s, before=utcnow() - timedelta(seconds=self.catchup_s))

    def _poll_db(self, after: int) -> tuple[list[tuple[int, bool]], list[tuple[int, int, str]]]:
        with read_session() as s:
            return heartbeat_upkeep.wake_requests(s), heartbeat_upkeep.agent_notifications_after(s, after)

    async def _poll(self) -> None:
        """Wake requests and notifications written by other processes."""
        try:
            wakes, notes = await self._db(self._poll_db, self._last_note_id)
        except Exception:
            log.exception("heartbeat poll failed")
            return
        for agent_id, force in wakes:
            busy = agent_id in self._early or (agent_id in self._tasks and not self._tasks[agent_id].done())
            if not busy:
                self.wake(agent_id, "forced" if force else "manual", 0.0)
        seen = set(self._seen_notes)
        for note_id, agent_id, kind in notes:
            self._last_note_id = max(self._last_note_id, note_id)
            if note_id not in seen:
                self._seen_notes.append(note_id)
                self.wake(agent_id, kind, self.debounce_s)

    def _agents_db(self) -> list[Agent]:
        with read_session() as s:
            return heartbeat_upkeep.scheduled_agents(s)

    async def _reconcile(self) -> None:
        """Make the jobs match the agents: add new ones, drop paused or deleted, follow interval changes."""
        try:
            agents = await self._db(self._agents_db)
        except Exception:
            log.exception("heartbeat reconcile failed")
            return
        now = datetime.now(UTC)
        wanted = {a.id: a for a in agents if a.id is not None}
        for agent_id in [i for i in self._intervals if i not in wanted]:
            self._intervals.pop(agent_id, None)
            if self.scheduler.get_job(f"hb:{agent_id}"):
                self.scheduler.remove_job(f"hb:{agent_id}")
        self._orchestrators = {}
        for agent_id, agent in wanted.items():
            if agent.driver_type == DriverType.builtin and agent.driver_config.get("role") == "orchestrator":
                self._orchestrators.setdefault(agent.workspace_id, []).append(agent_id)
            interval = agent.heartbeat_interval_s
            if self._intervals.get(agent_id) == interval:
                continue
            saved = agent.next_heartbeat_at
            if saved is not None and now < saved <= now + timedelta(seconds=interval):
                first = saved
            elif saved is not None and saved <= now:  # missed while nobody held the lease: catch up, spread
                first = now + timedelta(seconds=stagger(agent_id, min(interval, 60)))
            else:
                first = now + timedelta(seconds=stagger(agent_id, interval))
            trigger = IntervalTrigger(seconds=interval, start_date=first, timezone=UTC)
            self.scheduler.add_job(self._fire, trigger, args=[agent_id], id=f"hb:{agent_id}", replace_existing=True)
            self._intervals[agent_id] = interval

    def _abort_runs(self, run_ids: list[int]) -> None:
        with session_scope() as s:
            heartbeat_upkeep.abort_runs(s, run_ids=run_ids, offline_after=self.config.offline_after)

    def _sweep_db(self) -> dict[str, int]:
        with session_scope() as s:
            return heartbeat_upkeep.sweep(s, now=utcnow(), offline_after=self.config.offline_after,
                                    stale_run_s=self.config.stale_run_s,
                                    keep_skipped_days=self.config.keep_skipped_days)

    async def _sweep(self) -> None:
        try:
            counts = await self._db(self._sweep_db)
            if any(counts.values()):
                log.info("heartbeat sweep: %s", counts)
        except Exception:
            log.exception("heartbeat sweep failed")
