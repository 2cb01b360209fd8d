"""Agent drivers: how the engine reaches an agent. One Protocol (drivers/protocol.py);
the registry picks the implementation from the agent's `driver_type` (and, for builtin
agents, `driver_config.role`). `external` agents are never called: they use the API."""

from __future__ import annotations

from typing import Any

from mission_control import outbound
from mission_control.config import get_settings
from mission_control.drivers.builtin import ROLES, BuiltinRole
from mission_control.drivers.openai import OpenAIDriver
from mission_control.drivers.protocol import Driver, DriverConfigError
from mission_control.drivers.webhook import WebhookDriver
from mission_control.models import DriverType


class DriverRegistry:
    """Owns the shared HTTP client (the outbound policy's: agents' URLs are checked when
    connecting). `overrides` (tests, plug-ins) map a key to a driver: `agent:<id>`,
    `builtin:<role>` or a driver type such as `openai`."""

    def __init__(self, *, client: outbound.Client | None = None, overrides: dict[str, Any] | None = None) -> None:
        settings = get_settings()
        self._own_client = client is None
        self.client = client or outbound.Client(user_agent="mission-control-heartbeat")
        self.overrides: dict[str, Any] = dict(overrides or {})
        self._drivers: dict[str, Driver] = {
            DriverType.openai.value: OpenAIDriver(
                self.client, base_url=settings.openai_base_url, api_key=settings.openai_api_key
            ),
            DriverType.webhook.value: WebhookDriver(self.client),
        }
        self._roles: dict[str, BuiltinRole] = {name: cls() for name, cls in ROLES.items()}

    def for_agent(self, agent_id: int, driver_type: str, config: dict[str, Any]) -> Driver | None:
        """The driver for an agent, None for external agents; DriverConfigError if unknown."""
        if f"agent:{agent_id}" in self.overrides:
            return self.overrides[f"agent:{agent_id}"]  # type: ignore[no-any-return]
        if driver_type == DriverType.external:
            return None
        if driver_type == DriverType.builtin:
            role = str(config.get("role") or "")
            if f"builtin:{role}" in self.overrides:
                return self.overrides[f"builtin:{role}"]  # type: ignore[no-any-return]
            if role not in self._roles:
                known = ", ".join(sorted(self._roles))
                raise DriverConfigError(f"'{role}' is not a builtin role; use one of: {known}")
            return self._roles[role]
        if driver_type in self.overrides:
            return self.overrides[driver_type]  # type: ignore[no-any-return]
        if driver_type in self._drivers:
            return self._drivers[driver_type]
        raise DriverConfigError(f"no driver for type '{driver_type}'")

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()


__all__ = ["DriverRegistry"]
