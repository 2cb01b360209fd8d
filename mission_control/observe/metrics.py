"""Prometheus metrics, exposed at /metrics.

Counters and histograms are updated where things happen (API middleware, heartbeat runner,
drivers). Numbers that are cheaper to read than to track (queue lengths, connected clients,
memory index lag) are callbacks registered here and read at scrape time.

With several worker processes, set PROMETHEUS_MULTIPROC_DIR (an empty directory) before the
workers start: prometheus-client then keeps counters and histograms in files there and /metrics
adds up every worker's. Without it each worker reports only its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# Loopback API calls take ~1-20 ms; driver calls (LLMs, webhooks) take seconds.
_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SLOW = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)

http_latency = Histogram(
    "mc_http_request_duration_seconds",
    "API request latency, by route template and status code.",
    ["method", "route", "status"],
    buckets=_FAST,
)
heartbeat_runs = Counter(
    "mc_heartbeat_runs_total", "Heartbeats by outcome (skipped, ok, failed, ...).", ["outcome"]
)
driver_latency = Histogram(
    "mc_driver_call_duration_seconds",
    "Time of one driver call (all retries included), by driver type.",
    ["driver"],
    buckets=_SLOW,
)
driver_errors = Counter(
    "mc_driver_errors_total", "Driver calls that failed after their retries.", ["driver"]
)
write_batch_size = Histogram(
    "mc_api_write_batch_size",
    "API writes committed together in one SQLite transaction (group commit).",
    buckets=(1, 2, 4, 8, 16),
)
events_published = Counter(
    "mc_events_published_total", "Domain events published after commit.", ["type"]
)

Reading = float | dict[str, float]
_lock = threading.Lock()
# name -> (help, label name, callback); a callback returns one number or {label value: number}.
_gauges: dict[str, tuple[str, str, Callable[[], Reading]]] = {}
_queues: dict[str, Callable[[], float]] = {}
_clients: dict[str, Callable[[], float]] = {}


def register_gauge(
    name: str, documentation: str, fn: Callable[[], Reading], *, label: str = ""
) -> None:
    """Expose `fn()` as gauge `name` at every scrape (registering a name again replaces it)."""
    with _lock:
        _gauges[name] = (documentation, label, fn)


def queue_depth(queue: str, fn: Callable[[], float] | None) -> None:
    """Report `fn()` as mc_queue_depth{queue=...}; None removes the queue."""
    with _lock:
        if fn is None:
            _queues.pop(queue, None)
        else:
            _queues[queue] = fn


def connected_clients(kind: str, fn: Callable[[], float]) -> None:
    """Report `fn()` as mc_connected_clients{kind=...} (browser tabs, agent sockets)."""
    with _lock:
        _clients[kind] = fn


def _read(fn: Callable[[], Reading], name: str) -> Reading | None:
    try:
        return fn()
    except Exception:  # a broken hook must not break the scrape
        log.exception("metric callback for %s failed", name)
        return None


class _Callbacks(Collector):
    def collect(self) -> Iterator[Metric]:
        with _lock:
            gauges = dict(_gauges)
            labelled = {
                "mc_queue_depth": ("Items waiting in a background queue.", "queue", dict(_queues)),
                "mc_connected_clients": (
                    "Clients connected to this worker.", "kind", dict(_clients)
                ),
            }
        for name, (doc, label, fns) in labelled.items():
            family = GaugeMetricFamily(name, doc, labels=[label])
            for key, read in fns.items():
                value = _read(read, f"{name}{{{key}}}")
                if isinstance(value, int | float):
                    family.add_metric([key], float(value))
            yield family
        for name, (doc, label, fn) in gauges.items():
            value = _read(fn, name)
            if value is None:
                continue
            if isinstance(value, dict):
                family = GaugeMetricFamily(name, doc, labels=[label or "key"])
                for key, v in value.items():
                    family.add_metric([str(key)], float(v))
            else:
                family = GaugeMetricFamily(name, doc, value=float(value))
            yield family


CALLBACKS = _Callbacks()
REGISTRY.register(CALLBACKS)
