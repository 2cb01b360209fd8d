"""Agents pages: the roster, the create/edit form and one agent's page (runs, activity)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx

from mission_control.db import read_session, session_scope
from mission_control.errors import MissionControlError
from mission_control.services import agent_signals, agent_views, agents, api_keys
from mission_control.services.authz import Permission
from mission_control.services.common import parse_id
from mission_control.state import live, toast
from mission_control.state.feed import FeedItem
from mission_control.state.service_calls import off_loop
from mission_control.state.session import SessionState

DRIVERS = ["external", "openai", "webhook", "builtin"]
BUILTIN_ROLES = list(agents.BUILTIN_ROLES)
# Service field names -> the form input that shows the message.
FIELD_OF = {
    "heartbeat_interval_s": "interval",
    "driver_config.model": "model",
    "driver_config.base_url": "base_url",
    "driver_config.url": "url",
    "driver_config.secret": "secret",
    "driver_config.role": "builtin_role",
}
FRIENDLY = {
    "String should have at least 1 character": "required",
    "already taken": "already used by another agent or operator in this workspace",
}


@dataclass
class AgentRow:
    id: int = 0
    name: str = ""
    role: str = ""
    description: str = ""
    status: str = "idle"
    paused: bool = False
    can_delete: bool = False
    capabilities: list[str] = field(default_factory=list)
    driver_type: str = ""
    driver_config: dict[str, str] = field(default_factory=dict)
    driver_secrets: dict[str, bool] = field(default_factory=dict)  # name -> set; never the value
    heartbeat_interval_s: int = 900
    last_heartbeat_at: str = ""
    next_heartbeat_at: str = ""
    circuit_state: str = "closed"
    blocked_reason: str = ""
    open_tasks: int = 0


@dataclass
class RunRow:
    id: int = 0
    started_at: str = ""
    trigger: str = ""
    outcome: str = ""
    duration_ms: int = 0
    actions: str = ""
    changes: int = 0
    tokens: int = 0
    recalled: int = 0
    error: str = ""


@dataclass
class KeyRow:
    id: int = 0
    prefix: str = ""
    name: str = ""
    created_at: str = ""
    last_used_at: str = ""


@dataclass
class TaskRef:
    id: int = 0
    title: str = ""
    status: str = ""


def field_errors(exc: MissionControlError) -> dict[str, str]:
    """Map a refused change onto the form's inputs; anything unplaced goes under "form"."""
    raw = (exc.details or {}).get("fields") if isinstance(exc.details, dict) else None
    if not raw:
        return {"form": exc.message}
    out: dict[str, str] = {}
    for name, msg in raw.items():
        key = FIELD_OF.get(name, name.split(".")[0])
        if name == "name" and msg == "already taken":
            msg = exc.message
        out[key] = FRIENDLY.get(msg, msg)
    return out


SECRET_INPUTS = ("api_key", "secret")  # typed into the form, kept in a backend-only var


def form_payload(form: dict[str, Any], capabilities: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn the form's strings into the service's input; obvious mistakes are caught here.
    A blank secret is left out, which keeps the stored one (services.secrets.keep_secrets)."""
    errors: dict[str, str] = {}
    raw_minutes = str(form.get("interval_min", "")).strip()
    try:
        minutes = float(raw_minutes)
        if not 0.5 <= minutes <= 1440:
            raise ValueError
    except ValueError:
        errors["interval"] = "enter minutes between 0.5 and 1440 (e.g. 15)"
        minutes = 15
    driver = str(form.get("driver_type") or "external")
    config: dict[str, Any] = {}
    if driver == "openai":
        config = {k: form.get(k, "") for k in ("model", "base_url", "api_key")}
    elif driver == "webhook":
        config = {k: form.get(k, "") for k in ("url", "secret")}
    elif driver == "builtin":
        config = {"role": form.get("builtin_role", "")}
    data = {
        "name": str(form.get("name", "")).strip(),
        "role": str(form.get("role", "")).strip(),
        "description": str(form.get("description", "")).strip(),
        "capabilities": capabilities,
        "heartbeat_interval_s": round(minutes * 60),
        "driver_type": driver,
        "driver_config": {k: str(v).strip() for k, v in config.items() if str(v).strip()},
    }
    return data, errors


class AgentFormState(SessionState):
    """The create/edit dialog, shared by /agents and /agents/[id]."""

    open: bool = False
    editing_id: int = 0
    name: str = ""
    role: str = ""
    description: str = ""
    interval_min: str = "15"
    driver_type: str = "external"
    model: str = ""
    base_url: str = ""
    url: str = ""
    # Secrets never go to the browser: typed ones wait in a backend-only var; the form is told
    # only whether one is stored.
    _secret_input: dict[str, str] = {}
    secrets_set: dict[str, bool] = {}
    clear_api_key: bool = False
    builtin_role: str = "orchestrator"
    can_delete: bool = False
    capabilities: list[str] = []
    cap_draft: str = ""
    errors: dict[str, str] = {}
    saving: bool = False

    @rx.event
    def start_create(self) -> None:
        self.editing_id, self.name, self.role, self.description = 0, "", "", ""
        self.interval_min, self.driver_type, self.capabilities, self.cap_draft = "15", "external", [], ""
        self.model = self.base_url = self.url = ""
        self._secret_input, self.secrets_set, self.clear_api_key = {}, {}, False
        self.builtin_role, self.errors, self.open = "orchestrator", {}, True
        self.can_delete = False

    @rx.event
    def start_edit(self, row: dict[str, Any]) -> None:
        cfg = row.get("driver_config") or {}
        self.editing_id, self.name, self.role = row["id"], row["name"], row["role"]
        self.description = row.get("description", "")
        self.interval_min = f"{row['heartbeat_interval_s'] / 60:g}"
        self.driver_type, self.capabilities, self.cap_draft = row["driver_type"], list(row["capabilities"]), ""
        self.model, self.base_url = cfg.get("model", ""), cfg.get("base_url", "")
        self.url = cfg.get("url", "")
        self._secret_input, self.clear_api_key = {}, False
        self.secrets_set = dict(row.get("driver_secrets") or {})
        self.builtin_role = cfg.get("role", "orchestrator")
        self.can_delete = bool(row.get("can_delete", False))
        self.errors, self.open = {}, True

    @rx.event
    def set_open(self, value: bool) -> None:
        self.open = value
        if not value:  # cancelled: a typed secret is not kept in the stored state either
            self._secret_input = {}

    @rx.event
    def set_can_delete(self, value: bool) -> None:
        self.can_delete = bool(value)

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in SECRET_INPUTS:
            self._secret_input = {**self._secret_input, name: value}
        elif name in ("name", "role", "description", "interval_min", "driver_type", "model", "base_url",
                      "url", "builtin_role", "cap_draft"):
            setattr(self, name, value)
        else:
            return
        self.errors = {k: v for k, v in self.errors.items() if k not in (name, "form")}

    @rx.event
    def set_clear_api_key(self, value: bool) -> None:
        self.clear_api_key = value

    def _add_cap(self) -> None:
        for cap in self.cap_draft.replace(";", ",").split(","):
            cap = cap.strip().lower()
            if cap and cap not in self.capabilities:
                self.capabilities = [*self.capabilities, cap]
        self.cap_draft = ""

    @rx.event
    def cap_key(self, key: str) -> None:
        if key in ("Enter", ",", "Tab") and self.cap_draft.strip():
            self._add_cap()
        elif key == "Backspace" and not self.cap_draft and self.capabilities:
            self.capabilities = self.capabilities[:-1]

    @rx.event
    def remove_cap(self, cap: str) -> None:
        self.capabilities = [c for c in self.capabilities if c != cap]

    @rx.event
    @off_loop
    def save(self) -> Any:
        if self.cap_draft.strip():
            self._add_cap()
        form = {k: getattr(self, k) for k in ("name", "role", "description", "interval_min", "driver_type",
                                             "model", "base_url", "url", "builtin_role")}
        data, errors = form_payload({**form, **self._secret_input}, self.capabilities)
        if self.clear_api_key and self.driver_type == "openai":
            data["driver_config"]["api_key"] = None
        data["can_delete"] = self.can_delete
        if errors:
            self.errors = errors
            return None
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                if self.editing_id:
                    data.pop("name")
                    agent = agents.update_agent(session=session, workspace_id=ctx.workspace_id,
                                                agent_id=self.editing_id, data=data, actor=ctx.actor)
                else:
                    agent = agents.create_agent(session=session, workspace_id=ctx.workspace_id,
                                                data=data, actor=ctx.actor)
                agent_id, name = agent.id, agent.name
        except MissionControlError as exc:
            self.errors = field_errors(exc)
            return None
        self.open, self.errors, self._secret_input = False, {}, {}
        verb = "saved" if self.editing_id else "created"
        events: list[Any] = [toast.success(f"Agent {name} {verb}")]
        if not self.editing_id:
            events.append(rx.redirect(f"/agents/{agent_id}"))
        else:
            events.append(AgentDetailState.refresh_now)
        return events


class AgentsState(SessionState):
    rows: list[AgentRow] = []
    loaded: bool = False
    query: str = ""

    @rx.var
    def visible(self) -> list[AgentRow]:
        q = self.query.strip().lower()
        if not q:
            return self.rows
        return [r for r in self.rows if q in r.name.lower() or q in r.role.lower()
                or any(q in c for c in r.capabilities)]

    def refresh(self) -> None:
        ctx = self.context()
        with read_session() as session:
            rows = agent_views.roster(session=session, workspace_id=ctx.workspace_id)
        self.rows = [AgentRow(**r) for r in rows]
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        live.watch_tab(self.router.session.client_token, self.context())
        self.refresh()

    @rx.event
    def set_query(self, value: str) -> None:
        self.query = value


class AgentDetailState(SessionState):
    agent_id: int = 0
    found: bool = True
    loaded: bool = False
    agent: AgentRow = AgentRow()
    tasks: list[TaskRef] = []
    activity: list[FeedItem] = []
    runs: list[RunRow] = []
    keys: list[KeyRow] = []
    new_token: str = ""  # shown once, right after it is issued

    def refresh(self) -> None:
        if not self.agent_id:
            return
        ctx = self.context()
        try:
            with read_session() as session:
                data = agent_views.agent_page(session=session, workspace_id=ctx.workspace_id, agent_id=self.agent_id)
        except MissionControlError:
            self.found, self.loaded = False, True
            return
        self.agent = AgentRow(**data["agent"])
        self.tasks = [TaskRef(**t) for t in data["tasks"]]
        self.activity = [FeedItem(**a) for a in data["activity"]]
        self.runs = [RunRow(**r) for r in data["runs"]]
        self.keys = [KeyRow(**k) for k in data["keys"]]
        self.found = self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.agent_id = parse_id(self.router.page.params.get("agent_id", ""))
        self.loaded, self.found, self.new_token = False, bool(self.agent_id), ""
        live.watch_tab(self.router.session.client_token, self.context())
        if not self.agent_id:
            self.loaded = True
            return
        self.refresh()

    @rx.event
    def refresh_now(self) -> None:
        self.refresh()

    def _act(self, permission: Permission, change: Any, done: str) -> Any:
        try:
            ctx = self.context().require(permission)
            with session_scope() as session:
                change(session=session, workspace_id=ctx.workspace_id, agent_id=self.agent_id, actor=ctx.actor)
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.refresh()
        return toast.success(done)

    @rx.event
    @off_loop
    def toggle_pause(self) -> Any:
        paused = not self.agent.paused

        def change(**kw: Any) -> None:
            agents.set_paused(paused=paused, **kw)

        return self._act(Permission.admin, change, f"{self.agent.name} {'paused' if paused else 'resumed'}")

    @rx.event
    @off_loop
    def wake_now(self) -> Any:
        def change(**kw: Any) -> None:
            agent_signals.wake_agent(force=True, **kw)

        return self._act(Permission.work, change, f"{self.agent.name} will wake within seconds")

    @rx.event
    @off_loop
    def delete(self) -> Any:
        name = self.agent.name
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                agents.delete_agent(session=session, workspace_id=ctx.workspace_id, agent_id=self.agent_id,
                                    actor=ctx.actor)
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        return [toast.success(f"Agent {name} removed"), rx.redirect("/agents")]

    @rx.event
    @off_loop
    def issue_key(self) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                _, token = api_keys.create_key(session=session, workspace_id=ctx.workspace_id,
                                               agent_id=self.agent_id, name="issued in the UI", actor=ctx.actor)
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.new_token = token
        self.refresh()
        return None

    @rx.event
    @off_loop
    def revoke_key(self, key_id: int) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
            with session_scope() as session:
                api_keys.revoke_key(session=session, workspace_id=ctx.workspace_id, key_id=key_id, actor=ctx.actor)
        except MissionControlError as exc:
            return toast.error(exc.message, close_button=True)
        self.refresh()
        return toast.success("Key revoked: it stops working at once")

    @rx.event
    def hide_token(self) -> None:
        self.new_token = ""
