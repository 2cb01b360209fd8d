"""Shared plumbing of the builtin roles: decide in a worker thread on a read-only session."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from mission_control.db import read_session
from mission_control.drivers.protocol import AgentInfo, DriverReply, WakeRequest
from mission_control.models import Agent, User, UserRole, utcnow


class BuiltinRole(ABC):
    role = "builtin"

    @property
    def name(self) -> str:
        return f"builtin:{self.role}"

    def gate(self, session: Session, agent: Agent, now: datetime) -> str | None:
        """A reason to wake that the generic gate does not see (None: no extra reason)."""
        return None

    @abstractmethod
    def decide(self, session: Session, agent: AgentInfo, now: datetime) -> tuple[list[dict[str, Any]], str]:
        """The actions this role takes now, and a one-line summary."""

    def _decide_now(self, agent: AgentInfo) -> tuple[list[dict[str, Any]], str]:
        with read_session() as session:
            return self.decide(session, agent, utcnow())

    async def wake(self, request: WakeRequest) -> DriverReply:
        actions, summary = await asyncio.to_thread(self._decide_now, request.agent)
        return DriverReply(actions=actions, summary=summary)


def config_number(config: dict[str, Any], key: str, default: float) -> float:
    try:
        value = float(config.get(key, default))
    except (TypeError, ValueError):
        return default
    return value if value > 0 else default


def operator_handles(session: Session, workspace_id: int) -> list[str]:
    return list(
        session.exec(
            select(User.handle)
            .where(User.workspace_id == workspace_id, col(User.is_active),
                   col(User.role).in_([UserRole.admin, UserRole.operator]))
            .order_by(col(User.id))
        )
    )
