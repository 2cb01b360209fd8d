"""Analytics and duration estimates, computed from real task histories.

The audit log is stamped by `services.recording.utcnow`; the `clock` fixture steers it, so a
history that took days is written in milliseconds, through the same services as in production.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mission_control.services import analytics, estimates, heartbeats, recording, task_flow
from mission_control.services.estimates import Features, Sample

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += timedelta(hours=hours)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(recording, "utcnow", c)
    return c


@pytest.fixture
def flow(session, workspace, op_actor, clock):
    """`flow(task, [(hours later, column), ...])` walks a task through the board."""

    def walk(task, steps):
        for hours, column in steps:
            clock.advance(hours)
            task_flow.move_task(session=session, workspace_id=workspace.id, task_id=task.id, to=column, actor=op_actor)
            session.commit()

    return walk


@pytest.fixture
def friday(make_agent):
    return make_agent("Friday", capabilities=["python", "api"])


@pytest.fixture
def vision(make_agent):
    return make_agent("Vision", role="qa", capabilities=["testing"])


def test_time_in_columns_and_done_per_day(session, workspace, make_task, friday, flow, clock):
    task = make_task("Build export", assignee_ids=[friday.id])  # inbox -> assigned at T0
    flow(task, [(2, "in_progress"), (5, "review"), (1, "in_progress"), (3, "review"), (1, "done")])
    open_task = make_task("Still going", assignee_ids=[friday.id])
    flow(open_task, [(0, "in_progress")])
    clock.advance(4)

    columns = {c["status"]: c for c in analytics.time_in_columns(session=session, workspace_id=workspace.id, now=clock.now)}
    assert columns["assigned"]["total_hours"] == 2.0
    # 5 h + 3 h for the first task, plus 4 h so far for the open one.
    assert (columns["in_progress"]["total_hours"], columns["in_progress"]["visits"]) == (12.0, 3)
    assert columns["in_progress"]["avg_hours"] == 4.0
    assert (columns["review"]["total_hours"], columns["review"]["visits"]) == (2.0, 2)
    assert "done" not in columns

    days = analytics.done_per_day(session=session, workspace_id=workspace.id, days=3, now=clock.now)
    assert days == [{"day": "02-28", "done": 0}, {"day": "03-01", "done": 1}, {"day": "03-02", "done": 0}]


def test_approval_rate_counts_review_outcomes_per_assignee(session, workspace, make_task, friday, vision, flow):
    approved = make_task("Ship it", assignee_ids=[friday.id])
    flow(approved, [(1, "in_progress"), (1, "review"), (1, "done")])
    bounced = make_task("Try again", assignee_ids=[friday.id, vision.id])
    flow(bounced, [(1, "in_progress"), (1, "review"), (1, "in_progress"), (1, "review"), (1, "done")])

    rates = analytics.approval_rates(session=session, workspace_id=workspace.id)
    assert rates == [
        {"agent": "Friday", "approved": 2, "rejected": 1, "rate": 67},
        {"agent": "Vision", "approved": 1, "rejected": 1, "rate": 50},
    ]


def test_heartbeat_outcomes_count_runs_in_the_window(session, workspace, friday):
    now = T0
    for outcome, hours_ago in [("skipped", 1), ("skipped", 2), ("circuit_open", 3), ("skipped", 24 * 20)]:
        started = now - timedelta(hours=hours_ago)
        heartbeats.record_idle_run(
            session, agent=friday, trigger="interval", outcome=outcome, reason="test",
            now=started, started=started, offline_after=99,
        )
    session.commit()
    assert analytics.heartbeat_outcomes(session=session, workspace_id=workspace.id, days=14, now=now) == [
        {"outcome": "skipped", "runs": 2},
        {"outcome": "circuit_open", "runs": 1},
    ]


def test_open_tasks_get_the_median_of_similar_done_tasks(session, workspace, make_task, friday, vision, flow, clock):
    for hours in (2, 4, 30):  # Friday, high priority: median 4 h
        t = make_task("Endpoint work", priority="high", assignee_ids=[friday.id])
        flow(t, [(hours, "in_progress"), (0, "review"), (0, "done")])
    for hours in (10, 12, 14):  # Vision, medium: median 12 h
        t = make_task("Regression pass", assignee_ids=[vision.id])
        flow(t, [(hours, "in_progress"), (0, "review"), (0, "done")])
    mine = make_task("New endpoint", priority="high", assignee_ids=[friday.id])
    theirs = make_task("Check the api", priority="low", assignee_ids=[vision.id])
    loose = make_task("Unowned idea", priority="urgent")
    clock.advance(1)

    rows = {r["id"]: r for r in estimates.open_task_estimates(session=session, workspace_id=workspace.id, now=clock.now)}
    assert (rows[mine.id]["estimate_hours"], rows[mine.id]["basis"]) == (
        4.0, "median of 3 done tasks by Friday at high priority",
    )
    assert rows[mine.id]["elapsed_hours"] == 1.0
    assert (rows[theirs.id]["estimate_hours"], rows[theirs.id]["basis"]) == (12.0, "median of 3 done tasks by Vision")
    assert (rows[loose.id]["estimate_hours"], rows[loose.id]["basis"]) == (11.0, "median of all 6 done tasks")
    assert rows[loose.id]["elapsed_hours"] == -1.0  # still in the inbox: not started


def test_estimate_falls_back_to_shared_words_then_priority():
    def sample(i, who, prio, title, hours):
        return Sample(i, Features(frozenset(who), prio, estimates.words(title)), hours, T0 + timedelta(hours=i))

    history = [sample(i, ["Loki"], "low", "blog post draft", h) for i, h in enumerate((3, 5, 7))]
    history += [sample(10 + i, ["Shuri"], "urgent", "competitor research", h) for i, h in enumerate((1, 1, 1))]
    blog = estimates.estimate(Features(frozenset({"Wanda"}), "high", estimates.words("Blog banner")), history)
    assert blog is not None and (blog.hours, blog.basis) == (5, "median of 3 done tasks on similar work")
    urgent = estimates.estimate(Features(frozenset(), "urgent", frozenset()), history)
    assert urgent is not None and urgent.basis == "median of 3 done tasks at urgent priority"
    assert estimates.estimate(Features(frozenset(), "high", frozenset()), []) is None


def test_evaluate_holds_out_the_newest_tasks_and_beats_the_plain_median():
    # Two agents with very different pace; the estimator should see that, the baseline cannot.
    history = []
    for i in range(40):
        who, hours = ("Fast", 1.0 + (i % 3) * 0.2) if i % 2 else ("Slow", 20.0 + (i % 5))
        history.append(Sample(i, Features(frozenset({who}), "medium", frozenset()), hours, T0 + timedelta(hours=i)))
    report = estimates.evaluate(history, holdout=0.25)
    assert (report["train"], report["test"]) == (30, 10)
    assert report["within_2x"] == 1.0
    assert report["mae_hours"] < report["baseline_mae_hours"]
    assert estimates.evaluate(history[:1])["mae_hours"] is None


def test_evaluate_workspace_uses_cycle_time_from_the_database(session, workspace, make_task, friday, flow):
    for hours in (2, 2, 2, 2):
        t = make_task("Endpoint", assignee_ids=[friday.id])
        flow(t, [(hours, "in_progress"), (0, "review"), (0, "done")])
    report = estimates.evaluate_workspace(session=session, workspace_id=workspace.id)
    assert (report["train"], report["test"], report["mae_hours"], report["within_2x"]) == (3, 1, 0.0, 1.0)
