"""Per-agent circuit breaker, as pure functions over the state kept on the Agent row.

    closed --N consecutive failures--> open --cooldown elapsed--> half_open (one probe)
    half_open --success--> closed          half_open --failure--> open (cooldown restarts)

Kept in the database, so it survives restarts and a change of scheduler holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass(frozen=True)
class BreakerPolicy:
    threshold: int = 3
    cooldown_s: float = 30.0


@dataclass(frozen=True)
class BreakerState:
    state: str = CLOSED
    failures: int = 0
    opened_at: datetime | None = None


def decide(current: BreakerState, now: datetime, policy: BreakerPolicy) -> Literal["call", "probe", "refuse"]:
    """May the driver be called now? `probe` is the single half-open trial call."""
    if current.state == CLOSED:
        return "call"
    opened = current.opened_at or now
    if now - opened >= timedelta(seconds=policy.cooldown_s):
        return "probe"
    return "refuse"


def on_success(current: BreakerState) -> BreakerState:
    return BreakerState(CLOSED, 0, None)


def on_failure(current: BreakerState, now: datetime, policy: BreakerPolicy) -> BreakerState:
    failures = current.failures + 1
    if current.state in (OPEN, HALF_OPEN):  # a failed probe: open again, restart the cooldown
        return BreakerState(OPEN, failures, now)
    if failures >= policy.threshold:
        return BreakerState(OPEN, failures, now)
    return BreakerState(CLOSED, failures, None)
