"""How long will an open task take? The median of similar done tasks, with the reason shown.

A task's duration is its cycle time: from the moment it first left the inbox (it was
assigned) to the last time it reached done. "Similar" is tried from narrow to broad and the
first group with enough done tasks wins:

  1. shares an assignee and has the same priority
  2. shares an assignee
  3. shares a word (title words and the assignees' capabilities)
  4. same priority
  5. any done task

`evaluate` measures this on held-out history: the newest quarter of done tasks is estimated
from the older ones only, as it would have been at the time.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from mission_control.models import Agent, Task, TaskAssignee, TaskStatus, utcnow
from mission_control.services.analytics import status_timelines

MIN_SAMPLES = 3
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the and for with from into onto that this what when your our new add fix make build "
    "draft write update set use via per all any task plan".split()
)


def words(title: str, capabilities: Sequence[str] = ()) -> frozenset[str]:
    found = {w for w in _WORD.findall(title.lower()) if len(w) >= 3 and w not in _STOP}
    return frozenset(found | {c.lower() for c in capabilities})


@dataclass(frozen=True)
class Features:
    assignees: frozenset[str]
    priority: str
    words: frozenset[str]


@dataclass(frozen=True)
class Sample:
    task_id: int
    features: Features
    hours: float
    done_at: datetime


@dataclass(frozen=True)
class Estimate:
    hours: float
    basis: str
    samples: int


def _who(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) or "nobody"


_TIERS: list[tuple[Callable[[Features, Features], bool], Callable[[Features], str]]] = [
    (
        lambda f, s: bool(f.assignees & s.assignees) and f.priority == s.priority,
        lambda f: f"by {_who(f.assignees)} at {f.priority} priority",
    ),
    (lambda f, s: bool(f.assignees & s.assignees), lambda f: f"by {_who(f.assignees)}"),
    (lambda f, s: bool(f.words & s.words), lambda f: "on similar work"),
    (lambda f, s: f.priority == s.priority, lambda f: f"at {f.priority} priority"),
]


def estimate(features: Features, history: Sequence[Sample], min_samples: int = MIN_SAMPLES) -> Estimate | None:
    """The median hours of the narrowest group of similar done tasks with enough members."""
    for matches, describe in _TIERS:
        group = [s.hours for s in history if matches(features, s.features)]
        if len(group) >= min_samples:
            return Estimate(statistics.median(group), f"median of {len(group)} done tasks {describe(features)}", len(group))
    if history:
        return Estimate(
            statistics.median(s.hours for s in history), f"median of all {len(history)} done tasks", len(history)
        )
    return None


def evaluate(samples: Sequence[Sample], holdout: float = 0.25) -> dict[str, Any]:
    """Estimate the newest `holdout` share of done tasks from the older ones; report the errors.

    within_2x: share of estimates between half and double the real duration. The baseline
    is the plain median of all older tasks, to show what the similarity adds.
    """
    ordered = sorted(samples, key=lambda s: s.done_at)
    cut = len(ordered) - max(1, round(len(ordered) * holdout)) if len(ordered) > 1 else len(ordered)
    train, test = ordered[:cut], ordered[cut:]
    result: dict[str, Any] = {"train": len(train), "test": len(test) if train else 0}
    if not train or not test:
        return {**result, "mae_hours": None, "within_2x": None, "baseline_mae_hours": None, "baseline_within_2x": None}
    base = statistics.median(s.hours for s in train)
    ours = [(estimate(s.features, train) or Estimate(base, "", 0)).hours for s in test]
    actual = [s.hours for s in test]

    def mae(guesses: list[float]) -> float:
        return round(statistics.fmean(abs(g - a) for g, a in zip(guesses, actual, strict=True)), 2)

    def within(guesses: list[float]) -> float:
        ok = sum(1 for g, a in zip(guesses, actual, strict=True) if a > 0 and 0.5 <= g / a <= 2)
        return round(ok / len(actual), 3)

    return {
        **result,
        "mae_hours": mae(ours),
        "median_ae_hours": round(statistics.median(abs(g - a) for g, a in zip(ours, actual, strict=True)), 2),
        "within_2x": within(ours),
        "baseline_mae_hours": mae([base] * len(test)),
        "baseline_within_2x": within([base] * len(test)),
    }


# --------------------------------------------------------------------------- from the database


def _task_features(session: Session, workspace_id: int) -> tuple[dict[int, Task], dict[int, Features]]:
    tasks = {t.id: t for t in session.exec(select(Task).where(Task.workspace_id == workspace_id)) if t.id}
    agents = {a.id: a for a in session.exec(select(Agent).where(Agent.workspace_id == workspace_id))}
    owners: dict[int, list[Agent]] = defaultdict(list)
    for task_id, agent_id in session.exec(
        select(TaskAssignee.task_id, TaskAssignee.agent_id)
        .where(TaskAssignee.workspace_id == workspace_id)
        .order_by(col(TaskAssignee.assigned_at))
    ):
        if agent_id in agents:
            owners[task_id].append(agents[agent_id])
    features = {
        tid: Features(
            assignees=frozenset(a.name for a in owners[tid]),
            priority=str(t.priority),
            words=words(t.title, [c for a in owners[tid] for c in a.capabilities]),
        )
        for tid, t in tasks.items()
    }
    return tasks, features


def _started(timeline: list[tuple[datetime, str]]) -> datetime | None:
    return next((at for at, status in timeline if status != TaskStatus.inbox), None)


def done_samples(*, session: Session, workspace_id: int) -> list[Sample]:
    tasks, features = _task_features(session, workspace_id)
    out = []
    for task_id, timeline in status_timelines(session=session, workspace_id=workspace_id).items():
        if tasks[task_id].status != TaskStatus.done:
            continue
        start = _started(timeline)
        done_at = next((at for at, status in reversed(timeline) if status == TaskStatus.done), None)
        if start is None or done_at is None:
            continue
        hours = (done_at - start).total_seconds() / 3600
        out.append(Sample(task_id, features[task_id], hours, done_at))
    return out


def open_task_estimates(
    *, session: Session, workspace_id: int, now: datetime | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Each open task with its estimate, the reason, and how long it has been going."""
    now = now or utcnow()
    tasks, features = _task_features(session, workspace_id)
    timelines = status_timelines(session=session, workspace_id=workspace_id)
    history = done_samples(session=session, workspace_id=workspace_id)
    open_tasks = sorted(
        (t for t in tasks.values() if t.status != TaskStatus.done),
        key=lambda t: (-list(TaskStatus).index(TaskStatus(t.status)), t.id or 0),
    )[:limit]
    rows = []
    for t in open_tasks:
        assert t.id is not None
        est = estimate(features[t.id], history)
        start = _started(timelines.get(t.id, []))
        rows.append(
            {
                "id": t.id,
                "title": t.title,
                "status": str(t.status),
                "assignees": ", ".join(sorted(features[t.id].assignees)),
                "estimate_hours": round(est.hours, 3) if est else -1.0,
                "basis": est.basis if est else "no done tasks yet",
                # -1: still in the inbox, the clock has not started.
                "elapsed_hours": round((now - start).total_seconds() / 3600, 3) if start else -1.0,
            }
        )
    return rows


def evaluate_workspace(*, session: Session, workspace_id: int, holdout: float = 0.25) -> dict[str, Any]:
    return evaluate(done_samples(session=session, workspace_id=workspace_id), holdout)
