"""What every benchmark shares: the result row, percentiles, output, a throwaway database,
and discovery of the benchmarks in this package."""

from __future__ import annotations

import importlib
import json
import pkgutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from mission_control import db as mc_db
from mission_control.config import ROOT
from mission_control.startup import install_event_hooks

_NOT_BENCHMARKS = {"core", "__main__", "harness", "socket_client"}


@dataclass
class Baseline:
    """The floor a result is compared with, measured in the same run on the same machine."""

    name: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    throughput_per_s: float | None = None


@dataclass
class Result:
    name: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    throughput_per_s: float | None = None
    baseline: Baseline | None = None
    # How many times the baseline's cost: p50 over the baseline's p50, or for throughput
    # results the baseline's throughput over ours. 1.0 would be "as fast as the floor".
    ratio: float | None = None
    target: str = ""
    meets_target: bool | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def compare(self, base: Baseline, *, by: str = "latency") -> Result:
        self.baseline = base
        if by == "latency" and self.p50_ms and base.p50_ms:
            self.ratio = round(self.p50_ms / base.p50_ms, 2)
        elif by == "throughput" and self.throughput_per_s and base.throughput_per_s:
            self.ratio = round(base.throughput_per_s / self.throughput_per_s, 2)
        return self

    def json_line(self) -> str:
        out = asdict(self)
        for key in ("p50_ms", "p95_ms", "throughput_per_s"):
            if out[key] is not None:
                out[key] = round(out[key], 3)
        if not out["notes"]:
            out.pop("notes")
        return json.dumps(out)


def pct(values_s: Sequence[float], p: float) -> float:
    """Percentile `p` (0..1) of durations in seconds, in milliseconds (nearest rank)."""
    ordered = sorted(values_s)
    return ordered[min(len(ordered) - 1, max(0, round(len(ordered) * p + 0.5) - 1))] * 1000


def latency(name: str, values_s: Sequence[float], **kw: Any) -> Result:
    return Result(name, p50_ms=statistics.median(values_s) * 1000, p95_ms=pct(values_s, 0.95), **kw)


def print_table(results: Sequence[Result]) -> None:
    def num(v: float | None, digits: int = 1) -> str:
        return "-" if v is None else f"{v:.{digits}f}"

    rows = [("benchmark", "p50 ms", "p95 ms", "per s", "baseline p50 ms", "ratio", "target")]
    for r in results:
        base = r.baseline
        verdict = "" if r.meets_target is None else (" ok" if r.meets_target else " MISSED")
        rows.append((
            r.name, num(r.p50_ms, 2), num(r.p95_ms, 2), num(r.throughput_per_s),
            f"{num(base.p50_ms, 3)} ({base.name})" if base else "-",
            num(r.ratio, 2), (r.target + verdict).strip(),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def migrated_engine(url: str) -> Engine:
    """An engine on `url` with the schema at head, set as the app's engine; this process's
    writes publish their events, as an app worker's do."""
    install_event_hooks()
    engine = mc_db.make_engine(url)
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    mc_db.set_engine(engine)
    return engine


Runner = Callable[[bool], list[Result]]


def discover() -> dict[str, Runner]:
    """Benchmark name -> run(quick), for every module here that has a `run`."""
    import mission_control.bench as package

    found: dict[str, Runner] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _NOT_BENCHMARKS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        run = getattr(module, "run", None)
        if callable(run):
            found[info.name] = run
    return found
