"""Accuracy of the open-task duration estimates on held-out history.

    python -m mission_control.bench.estimates [--tasks 400] [--seed 7] [--url DATABASE_URL]

Without --url it builds a synthetic history, stated here so the numbers can be judged: eight
agents whose typical cycle time ranges from 2 h to 2 days, a priority factor (urgent 0.5×,
high 0.8×, medium 1×, low 1.5×), and log-normal noise (sigma 0.6, so a task's own time is
often 1.8× off its typical time either way). Titles share a few work words per agent.
With --url it reads the first workspace of that database instead (real history).

Either way the newest quarter of done tasks is estimated from the older ones only, and the
estimator is compared with the plain median of all older tasks.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta

from mission_control.services import estimates
from mission_control.services.estimates import Features, Sample

AGENTS = {
    "Friday": (6.0, ["python", "api", "endpoint"]),
    "Shuri": (10.0, ["research", "competitor", "summary"]),
    "Loki": (4.0, ["blog", "copy", "post"]),
    "Vision": (2.0, ["review", "regression", "test"]),
    "Wanda": (16.0, ["design", "mockup", "ui"]),
    "Fury": (8.0, ["metrics", "report", "sql"]),
    "Pepper": (3.0, ["deploy", "monitoring", "alert"]),
    "Quill": (48.0, ["outreach", "email", "partners"]),
}
PRIORITY = {"urgent": 0.5, "high": 0.8, "medium": 1.0, "low": 1.5}


def synthetic(n: int, seed: int) -> list[Sample]:
    rng = random.Random(seed)
    start = datetime(2030, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        agent = rng.choice(list(AGENTS))
        pace, topics = AGENTS[agent]
        priority = rng.choices(list(PRIORITY), weights=[1, 3, 5, 2])[0]
        hours = pace * PRIORITY[priority] * rng.lognormvariate(0, 0.6)
        title = f"{rng.choice(topics)} {rng.choice(['update', 'cleanup', 'first pass', 'follow-up'])}"
        features = Features(frozenset({agent}), priority, estimates.words(title, topics))
        out.append(Sample(i, features, hours, start + timedelta(hours=6 * i)))
    return out


def from_database(url: str) -> list[Sample]:
    from mission_control import db as mc_db
    from mission_control.db import read_session
    from mission_control.services import workspaces

    mc_db.set_engine(mc_db.make_engine(url))
    with read_session() as session:
        ws = workspaces.first_workspace(session=session)
        if ws is None or ws.id is None:
            return []
        return estimates.done_samples(session=session, workspace_id=ws.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    samples = from_database(args.url) if args.url else synthetic(args.tasks, args.seed)
    report = estimates.evaluate(samples, holdout=0.25)
    source = args.url.split("@")[-1] if args.url else f"synthetic, {args.tasks} done tasks, seed {args.seed}"
    print(f"history: {source}")
    print(f"held out: newest {report['test']} tasks, estimated from the {report['train']} before them")
    if report["mae_hours"] is None:
        print("not enough done tasks to measure")
        return
    print(f"{'':22}{'MAE (h)':>10}{'median AE (h)':>15}{'within 2x':>11}")
    print(f"{'similar-task median':22}{report['mae_hours']:>10.1f}{report['median_ae_hours']:>15.1f}{report['within_2x']:>11.0%}")
    print(f"{'plain median':22}{report['baseline_mae_hours']:>10.1f}{'':>15}{report['baseline_within_2x']:>11.0%}")


if __name__ == "__main__":
    main()
