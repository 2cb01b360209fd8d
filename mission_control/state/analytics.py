"""`/analytics` state: chart data and open-task estimates, read through the analytics services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from mission_control.db import read_session
from mission_control.services import analytics, estimates
from mission_control.state.session import SessionState

WINDOWS = ["7", "14", "30"]
# Fewer finished tasks than this and an accuracy figure says more about luck than the estimator.
MIN_FOR_ACCURACY = 8


@dataclass
class EstimateRow:
    id: int = 0
    title: str = ""
    status: str = ""
    assignees: str = ""
    estimate_hours: float = -1.0
    basis: str = ""
    elapsed_hours: float = 0.0
    estimate: str = ""
    elapsed: str = ""
    over: bool = False


def hours(value: float) -> str:
    """0.5 -> "30 min", 3.5 -> "3.5 h", 50 -> "2.1 d": the unit a person would say."""
    if value < 0:
        return "—"
    if value < 1:
        return f"{round(value * 60)} min" if value >= 1 / 60 else "< 1 min"
    if value >= 48:
        return f"{value / 24:.1f} d"
    return f"{value:.1f} h"


class AnalyticsState(SessionState):
    loaded: bool = False
    days: str = "14"
    done_per_day: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    heartbeats: list[dict[str, Any]] = []
    open_tasks: list[EstimateRow] = []
    accuracy: dict[str, Any] = {}

    @rx.var
    def done_total(self) -> int:
        return sum(int(d["done"]) for d in self.done_per_day)

    @rx.var
    def runs_total(self) -> int:
        return sum(int(h["runs"]) for h in self.heartbeats)

    @rx.var
    def accuracy_text(self) -> str:
        a = self.accuracy
        finished = int(a.get("train", 0)) + int(a.get("test", 0)) if a else 0
        if not a or a.get("mae_hours") is None or finished < MIN_FOR_ACCURACY:
            return (
                f"Estimates are medians of similar finished tasks. Their accuracy is shown once "
                f"{MIN_FOR_ACCURACY} tasks are done ({finished} so far)."
            )
        return (
            f"On the newest {a['test']} finished tasks, estimated from the {a['train']} before them: "
            f"typical error {hours(a['median_ae_hours'])} (mean {hours(a['mae_hours'])}), "
            f"{round(100 * a['within_2x'])}% within 2× of the real time "
            f"(plain median of all tasks: {round(100 * a['baseline_within_2x'])}%)."
        )

    def refresh(self) -> None:
        ctx = self.context()
        days = int(self.days)
        ws = ctx.workspace_id
        with read_session() as session:
            self.done_per_day = analytics.done_per_day(session=session, workspace_id=ws, days=days)
            self.columns = analytics.time_in_columns(session=session, workspace_id=ws)
            self.approvals = analytics.approval_rates(session=session, workspace_id=ws)
            self.heartbeats = analytics.heartbeat_outcomes(session=session, workspace_id=ws, days=days)
            rows = estimates.open_task_estimates(session=session, workspace_id=ws)
            self.accuracy = estimates.evaluate_workspace(session=session, workspace_id=ws)
        self.open_tasks = [
            EstimateRow(
                **{**r, "status": r["status"].replace("_", " ")},
                estimate=hours(r["estimate_hours"]),
                elapsed=hours(r["elapsed_hours"]) if r["elapsed_hours"] >= 0 else "not started",
                over=0 <= r["estimate_hours"] < r["elapsed_hours"],
            )
            for r in rows
        ]
        self.loaded = True

    @rx.event
    def on_load(self) -> None:
        self.loaded = False
        self.refresh()

    @rx.event
    def set_days(self, value: str) -> None:
        self.days = value if value in WINDOWS else "14"
        self.refresh()

    @rx.event
    def reload(self) -> None:
        self.refresh()
