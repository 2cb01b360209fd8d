"""Agent memory numbers: embedding throughput, and filtered search at 10k and 100k memories.

    python -m mission_control.bench memory [--quick]
    python -m mission_control.bench.memory [--sizes 10000,100000] [--queries 50]

Embedding: all-MiniLM-L6-v2 on CPU, one text per call (the baseline) against batches of 32.
Search: top-5 among one agent's memories plus the shared ones (20 agents + shared, so ~1/10 of
the points pass the filter), for each backend: the embedded default (qdrant-edge), qdrant-client's
local mode (the code path of a Qdrant server, run in-process), and the baseline, a brute-force
numpy dot product over the same vectors. Stores are filled with random unit vectors (filling
100k with real embeddings would take ~10 minutes here); queries are real embeddings. Slow
backends get fewer queries so the whole run stays under five minutes.

Ratios (bench/core.py): embedding is compared by throughput (one text per call / batched: below
1 means batching is faster); search by p50 against the numpy scan (below 1 is faster).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mission_control.bench.core import Baseline, Result, latency, print_table
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


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_embedding(embedder: Embedder, quick: bool) -> list[Result]:
    embedder.encode(SENTENCES[:32])  # warm up (first-call allocations)
    texts = iter(SENTENCES)
    n_single, n_batches = (16, 3) if quick else (64, 10)
    single = timed(lambda: embedder.encode([next(texts)]), n_single)
    batches = iter([SENTENCES[i:i + 32] for i in range(0, 320, 32)])
    batched = timed(lambda: embedder.encode(next(batches), batch_size=32), n_batches)
    one = latency("memory.embed[single]", single, throughput_per_s=len(single) / sum(single),
                  notes={"texts_per_call": 1})
    floor = Baseline("embed one text per call", one.p50_ms, one.p95_ms, one.throughput_per_s)
    many = latency("memory.embed[batch 32]", batched, throughput_per_s=32 * len(batched) / sum(batched),
                   notes={"texts_per_call": 32, "p50/p95": "per batch"}).compare(floor, by="throughput")
    return [one.compare(floor, by="throughput"), many]


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
    size = f"{n // 1000}k"

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
    scan = latency(f"memory.search[numpy scan, {size}]", samples, throughput_per_s=len(samples) / sum(samples))
    floor = Baseline(f"numpy scan {size}", scan.p50_ms, scan.p95_ms, scan.throughput_per_s)
    results = [scan.compare(floor)]
    stores: list[tuple[str, Callable[[], MemoryStore], int]] = [
        ("edge", lambda: EdgeStore(workdir / f"edge{n}"), n_queries),
        # local mode scores every point in Python per query: a few queries tell enough
        ("qdrant-client local", lambda: QdrantStore(location=":memory:"), max(5, n_queries // (n // 10_000 or 1))),
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
        results.append(latency(f"memory.search[{label}, {size}]", samples,
                               throughput_per_s=len(samples) / sum(samples),
                               notes={"fill_points_per_s": round(n / fill_s), "queries": count,
                                      "recall_at_5_vs_exact": round(float(np.mean(overlap)), 3)}).compare(floor))
    return results


def measure(sizes: list[int], n_queries: int, quick: bool = False) -> list[Result]:
    embedder = Embedder()
    embedder.model()
    results = bench_embedding(embedder, quick)
    queries = embedder.encode(QUERY_TEXTS)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            results += bench_search(n, queries, n_queries, Path(tmp))
    return results


def run(quick: bool) -> list[Result]:
    return measure([2000, 10_000] if quick else [10_000, 100_000], 10 if quick else 50, quick)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args(argv)
    results = measure([int(s) for s in args.sizes.split(",")], args.queries)
    print_table(results)
    for r in results:
        print(r.json_line())


if __name__ == "__main__":
    main()
