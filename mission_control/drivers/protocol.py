"""What every agent driver implements, and the errors a driver may raise.

A driver turns one wake (`WakeRequest`: who, why, what it should know, which actions exist)
into a reply (`DriverReply`: a list of raw action dicts, a summary, token usage). It never
touches the database or applies anything itself: the runner validates and applies actions.

    DriverError(Exception)             the call failed; counts towards the circuit breaker
     ├── TransientDriverError          worth retrying (timeout, connection refused, HTTP 5xx/429)
     ├── BadReply                      the agent answered, but not in the agreed format
     └── DriverConfigError             the agent is set up wrongly (no URL, no model, no secret)

Drivers are async and must not block the event loop (HTTP through `outbound.Client`, which also
applies the outbound policy to the agent's URL; database reads in a thread). A driver may raise
only these errors; anything else is treated as a driver bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from mission_control.models import Agent


class DriverError(Exception):
    transient = False


class TransientDriverError(DriverError):
    transient = True


class BadReply(DriverError):
    pass


class DriverConfigError(DriverError):
    pass


@dataclass(frozen=True)
class AgentInfo:
    id: int
    workspace_id: int
    name: str
    role: str
    capabilities: list[str]
    driver_type: str
    config: dict[str, Any]


@dataclass(frozen=True)
class WakeRequest:
    run_id: int
    trigger: str
    agent: AgentInfo
    context: dict[str, Any]
    prompt: str
    schema: dict[str, Any]
    timeout_s: float


@dataclass
class DriverReply:
    actions: list[Any] = field(default_factory=list)
    summary: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    raw: str = ""


@runtime_checkable
class Driver(Protocol):
    """One implementation per driver type; `wake` is the only call the runner makes."""

    @property
    def name(self) -> str: ...

    async def wake(self, request: WakeRequest) -> DriverReply: ...


class GatedDriver(Driver, Protocol):
    """A driver with its own reasons to wake (builtin roles): checked by the cheap gate."""

    def gate(self, session: Session, agent: Agent, now: datetime) -> str | None: ...
