"""`/audit` (admins): the hash-chained audit log — filter, verify, export."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.db import read_session
from mission_control.errors import MissionControlError
from mission_control.services import audit
from mission_control.services.authz import Permission
from mission_control.state import toast
from mission_control.state.session import SessionState

PAGE = 100
EXPORT_CAP = 10_000


@dataclass
class AuditRow:
    id: int = 0
    at: str = ""
    actor_type: str = ""
    actor_name: str = ""
    origin: str = ""
    action: str = ""
    target: str = ""
    change: str = ""


def _row(r: dict[str, Any]) -> AuditRow:
    after = r["after"] or {}
    before = r["before"] or {}
    keys = sorted(set(after) | set(before))
    changed = [k for k in keys if before.get(k) != after.get(k)][:4]
    change = ", ".join(f"{k}: {json.dumps(before.get(k), default=str)[:40]} → {json.dumps(after.get(k), default=str)[:40]}"
                       for k in changed)
    target = f"{r['target_type']} {r['target_id']}" if r["target_id"] is not None else r["target_type"]
    return AuditRow(r["id"], r["at"], r["actor_type"], r["actor_name"], r["origin"], r["action"], target, change)


class AuditState(SessionState):
    rows: list[AuditRow] = []
    loaded: bool = False
    allowed: bool = True
    actor: str = ""
    action: str = ""
    target_type: str = ""
    more: bool = False
    verify_text: str = ""
    verify_ok: bool = True

    def _filters(self) -> dict[str, Any]:
        return {"actor": self.actor.strip(), "action": self.action.strip(), "target_type": self.target_type.strip()}

    def refresh(self) -> None:
        try:
            ctx = self.context().require(Permission.admin)
        except MissionControlError:
            self.allowed, self.loaded, self.rows = False, True, []
            return
        with read_session() as session:
            rows = audit.list_events(session=session, workspace_id=ctx.workspace_id, limit=PAGE + 1, **self._filters())
        self.more = len(rows) > PAGE
        self.rows = [_row(r) for r in rows[:PAGE]]
        self.allowed = self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.verify_text = ""
        self.refresh()

    @rx.event
    def apply_filters(self, form: dict[str, Any]) -> None:
        # Filters, never stored: without NUL (PostgreSQL cannot compare it), at most a line long.
        def clean(key: str) -> str:
            return str(form.get(key, "")).replace("\x00", "")[:100]

        self.actor, self.action, self.target_type = clean("actor"), clean("action"), clean("target_type")
        self.refresh()

    @rx.event
    def load_more(self) -> None:
        if not self.rows:
            return
        ctx = self.context().require(Permission.admin)
        with read_session() as session:
            rows = audit.list_events(session=session, workspace_id=ctx.workspace_id, limit=PAGE + 1,
                                     before_id=self.rows[-1].id, **self._filters())
        self.more = len(rows) > PAGE
        self.rows = self.rows + [_row(r) for r in rows[:PAGE]]

    @rx.event
    def export(self, fmt: str) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
        except MissionControlError as exc:
            return toast.error(exc.message)
        with read_session() as session:
            rows = audit.list_events(session=session, workspace_id=ctx.workspace_id, limit=EXPORT_CAP, **self._filters())
        ext = "jsonl" if fmt == "json" else "csv"
        return rx.download(data=audit.export(rows, fmt), filename=f"audit-{ctx.workspace_id}.{ext}")

    @rx.event
    def verify(self) -> Any:
        try:
            ctx = self.context().require(Permission.admin)
        except MissionControlError as exc:
            return toast.error(exc.message)
        with read_session() as session:
            report = audit.verify_chain(session=session, workspace_id=ctx.workspace_id)
        self.verify_ok = report.ok
        if report.ok:
            self.verify_text = f"Chain intact: {report.checked} rows checked, head #{report.head_id}."
        else:
            first = report.problems[0]
            self.verify_text = (f"{len(report.problems)} problem(s) in {report.checked} rows; first at row "
                                f"#{first['id']}: {first['problem']}")
        return None
