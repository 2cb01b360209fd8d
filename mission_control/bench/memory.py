"""Agent memory numbers: embedding throughput, and filtered search at 10k and 100k memories.

    python -m mission_control.bench memory [--sizes 10000,100000] [--queries 50]

Embedding: all-MiniLM-L6-v2 on CPU, one text per call (the baseline) against batches of 32.
Search: top-5 among one agent's memories plus the shared ones (20 agents + shared, so ~1/10 of
the points pass the filter), for each backend: the embedded default (qdrant-edge), qdrant-client's
local mode (the code path of a Qdrant server, run in-process), and the baseline, a brute-force
numpy dot product over the same vectors. Stores are filled with random unit vectors (filling
100k with real embeddings would take ~10 minutes here); queries are real embeddings. Slow
backends get fewer queries so the whole run stays under five minutes.

Prints a table, then one JSON line per benchmark:
{"name", "p50_ms", "p95_ms", "throughput_per_s", "baseline", "ratio"}; ratio is throughput
relative to the baseline's (above 1 is faster).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mission_control.memory.embedder import DIM, Embedder
from mission_control.memory.store import SHARED, Filter, MemoryStore, Point, payload_of

AGENTS = 20
K = 5
QUERY_TEXTS = [
    "large invoice exports time out", "who approves design changes?", "how do we roll back a failed deploy",
    "staging database was reset overnight", "customer asked for single sign-on", "rate limit for the public API",
    "why do customers cancel their plan", "translate the app into German", "flaky checkout test on CI",
    "when is the database maintenance window", "tone of voice for marketing emails", "rotate API keys",
    "restore last night's backup", "push notifications on Android", "contrast of placeholder text",
    "search inside uploaded PDF files", "release checklist before shipping", "who is on call this weekend",
    "pricing page annual toggle results", "onboarding email sequence for new users",
]
SENTENCES = [f"{q}: notes from the squad thread number {i}, with some detail about what was decided."
             for i in range(16) for q in QUERY_TEXTS][:320]


@dataclass
class Result:
    name: str
    samples_s: list[float]
    items_per_sample: int
    baseline: str
    note: str = ""

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.samples_s) * 1000

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.samples_s)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000

    @property
    def throughput(self) -> float:
        return self.items_per_sample * len(self.samples_s) / sum(self.samples_s)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_embedding(embedder: Embedder) -> list[Result]:
    embedder.encode(SENTENCES[:32])  # warm up (model load, first-call allocations)
    texts = iter(SENTENCES)
    single = timed(lambda: embedder.encode([next(texts)]), 64)
    batches = iter([SENTENCES[i:i + 32] for i in range(0, 320, 32)])
    batched = timed(lambda: embedder.encode(next(batches), batch_size=32), 10)
    return [Result("embed_single", single, 1, "embed_single", "one text per call"),
            Result("embed_batch32", batched, 32, "embed_single", "32 texts per call; p50/p95 per batch")]


def random_units(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def fill(store: MemoryStore, vectors: np.ndarray, agents: np.ndarray) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(vectors), 2000):
        end = min(len(vectors), start + 2000)
        store.upsert([Point(i + 1, vectors[i], payload_of(workspace_id=1, agent_id=int(agents[i]) or None, kind="note",
                                                            task_id=None, source_type="agent", source_id=1))
                      for i in range(start, end)])
    return time.perf_counter() - t0


def bench_search(n: int, queries: np.ndarray, n_queries: int, workdir: Path) -> list[Result]:
    from mission_control.memory.edge_store import EdgeStore
    from mission_control.memory.qdrant_store import QdrantStore

    vectors = random_units(n, seed=n)
    agents = np.arange(n) % (AGENTS + 1)  # 0 = shared
    picks = [(queries[i % len(queries)], 1 + i % AGENTS) for i in range(n_queries)]
    results: list[Result] = []

    def numpy_search(q: np.ndarray, agent: int) -> list[int]:
        idx = np.flatnonzero((agents == agent) | (agents == SHARED))
        scores = vectors[idx] @ q
        top = np.argpartition(-scores, K)[:K]
        return [int(idx[j]) + 1 for j in top[np.argsort(-scores[top])]]

    exact: dict[int, list[int]] = {}
    samples = []
    for i, (q, agent) in enumerate(picks):
        t0 = time.perf_counter()
        exact[i] = numpy_search(q, agent)
        samples.append(time.perf_counter() - t0)
    base = f"numpy_{n // 1000}k"
    results.append(Result(base, samples, 1, base, "brute force over the agent's and shared vectors"))

    stores: list[tuple[str, Callable[[], MemoryStore], int]] = [
        ("edge", lambda: EdgeStore(workdir / f"edge{n}"), n_queries),
        # local mode scores every point in Python per query: a few queries tell enough
        ("qdrant_local", lambda: QdrantStore(location=":memory:"), max(5, n_queries // (n // 10_000 or 1))),
    ]
    for label, make, count in stores:
        store = make()
        fill_s = fill(store, vectors, agents)
        samples, overlap = [], []
        for i, (q, agent) in enumerate(picks[:count]):
            flt = Filter(workspace_id=1, agent_ids=(SHARED, agent))
            t0 = time.perf_counter()
            hits = store.search(q, flt, K)
            samples.append(time.perf_counter() - t0)
            overlap.append(len({h.id for h in hits} & set(exact[i])) / K)
        store.close()
        results.append(Result(f"{label}_{n // 1000}k", samples, 1, base,
                              f"fill {n / fill_s:,.0f} points/s; recall@5 vs exact {np.mean(overlap):.2f}; "
                              f"{count} queries"))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    embedder = Embedder()
    t0 = time.perf_counter()
    embedder.model()
    print(f"model loaded in {time.perf_counter() - t0:.1f} s")
    results = bench_embedding(embedder)
    queries = embedder.encode(QUERY_TEXTS)
    by_name: dict[str, Result] = {r.name: r for r in results}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            for r in bench_search(n, queries, args.queries, Path(tmp)):
                results.append(r)
                by_name[r.name] = r
    print(f"\n{'benchmark':<18}{'p50 ms':>10}{'p95 ms':>10}{'per s':>10}{'vs baseline':>13}  notes")
    lines = []
    for r in results:
        base = by_name[r.baseline]
        ratio = r.throughput / base.throughput
        print(f"{r.name:<18}{r.p50_ms:>10.2f}{r.p95_ms:>10.2f}{r.throughput:>10.1f}{ratio:>12.2f}x  {r.note}")
        lines.append(json.dumps({"name": r.name, "p50_ms": round(r.p50_ms, 3), "p95_ms": round(r.p95_ms, 3),
                                 "throughput_per_s": round(r.throughput, 2), "baseline": r.baseline,
                                 "ratio": round(ratio, 3)}))
    print()
    print("\n".join(lines))
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
