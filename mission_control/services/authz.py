"""Who is calling, and what their role lets them do. Shared by the API, the CLI/MCP (through
the API) and the UI handlers, so a role means the same thing behind every door.

    viewer    read
    operator  read + work (tasks, messages, documents, approvals, own notifications)
    agent     read + work, always as itself (its key never acts for another agent)
    admin     read + work + admin (agents, keys, users, workspace settings, audit log)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mission_control.errors import Forbidden
from mission_control.models import ActorType, UserRole
from mission_control.services.actor import Actor


class Permission(StrEnum):
    read = "read"
    work = "work"
    admin = "admin"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    UserRole.viewer: frozenset({Permission.read}),
    UserRole.operator: frozenset({Permission.read, Permission.work}),
    UserRole.admin: frozenset({Permission.read, Permission.work, Permission.admin}),
    "agent": frozenset({Permission.read, Permission.work}),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an agent (by its key) or an operator (token or sign-in)."""

    workspace_id: int
    type: ActorType  # agent or user
    id: int
    name: str
    role: str  # a UserRole for operators, "agent" for agents
    key_id: int | None = None

    @property
    def agent_id(self) -> int | None:
        return self.id if self.type == ActorType.agent else None

    @property
    def user_id(self) -> int | None:
        return self.id if self.type == ActorType.user else None

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def actor(self, origin: str = "api") -> Actor:
        if self.type == ActorType.agent:
            return Actor.for_agent(self.id, self.name, origin)
        return Actor.for_user(self.id, self.name, origin)


_WHAT = {
    Permission.read: "read this workspace",
    Permission.work: "change tasks, messages or documents",
    Permission.admin: "manage agents, keys, operators or the audit log",
}


def require(principal: Principal, permission: Permission) -> Principal:
    """Raise Forbidden unless `principal`'s role grants `permission`."""
    if not principal.can(permission):
        who = (
            f"agent {principal.name}"
            if principal.type == ActorType.agent
            else (f"@{principal.name} ({principal.role})")
        )
        raise Forbidden(
            f"{who} may not {_WHAT[permission]}; ask an admin for a role that allows it",
            details={"required": str(permission), "role": principal.role},
        )
    return principal


def require_self_agent(principal: Principal, agent_id: int) -> Principal:
    """Only the agent itself (by its own key) may act for `agent_id`."""
    if principal.agent_id != agent_id:
        raise Forbidden(
            f"only agent {agent_id} itself, with its own key, may do this",
            details={"agent_id": agent_id},
        )
    return principal


def require_operator(principal: Principal, permission: Permission = Permission.work) -> Principal:
    """Operators (and admins) only: a person must stand behind this, not an agent's key."""
    require(principal, permission)
    if principal.type != ActorType.user:
        raise Forbidden(
            f"agent {principal.name} may not do this: it needs an operator",
            details={"required": "operator", "role": principal.role},
        )
    return principal
