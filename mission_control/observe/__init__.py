"""Observability: Prometheus metrics, JSON logs with request ids, and health checks.

Other parts of the app plug in through small hooks instead of importing each other:
`metrics.queue_depth(name, fn)` and `metrics.register_gauge(...)` for numbers read at scrape
time (queue lengths, memory index lag), `health.register_check(name, fn)` for /health.
"""
