"""Who is doing something, and through which door (ui, api, cli, heartbeat, seed)."""

from __future__ import annotations

from dataclasses import dataclass

from mission_control.models import ActorType


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: int | None
    name: str
    origin: str = "service"

    @property
    def agent_id(self) -> int | None:
        return self.id if self.type == ActorType.agent else None

    @property
    def user_id(self) -> int | None:
        return self.id if self.type == ActorType.user else None

    def via(self, origin: str) -> Actor:
        return Actor(self.type, self.id, self.name, origin)

    @classmethod
    def system(cls, origin: str = "system") -> Actor:
        return cls(ActorType.system, None, "system", origin)

    @classmethod
    def for_agent(cls, agent_id: int, name: str, origin: str = "service") -> Actor:
        return cls(ActorType.agent, agent_id, name, origin)

    @classmethod
    def for_user(cls, user_id: int, handle: str, origin: str = "service") -> Actor:
        return cls(ActorType.user, user_id, handle, origin)
