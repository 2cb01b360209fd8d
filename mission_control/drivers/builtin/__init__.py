"""Builtin roles that need no model: they read the board and answer with ordinary actions,
which the runner validates and applies like any other agent's."""

from __future__ import annotations

from mission_control.drivers.builtin.base import BuiltinRole
from mission_control.drivers.builtin.orchestrator import Orchestrator
from mission_control.drivers.builtin.standup import Standup
from mission_control.drivers.builtin.watchdog import Watchdog

ROLES: dict[str, type[BuiltinRole]] = {
    "orchestrator": Orchestrator,
    "standup": Standup,
    "watchdog": Watchdog,
}

__all__ = ["ROLES", "BuiltinRole", "Orchestrator", "Standup", "Watchdog"]
