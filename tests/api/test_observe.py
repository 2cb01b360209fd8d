"""/metrics, request ids in responses and JSON logs, and /health with its checks."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from mission_control.api.app import create_api
from mission_control.config import Settings
from mission_control.observe import health, logs, metrics

SCRAPE = {"Authorization": "Bearer scrape-token"}


@pytest.fixture
def app(db):  # type: ignore[no-untyped-def]
    """The API with MC_METRICS_TOKEN set, so these tests can scrape /metrics."""
    return create_api(Settings(api_rate_limit="100000/minute", metrics_token="scrape-token"))


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_by_route_template(client, squad):
    before = _sample(
        client.get("/metrics", headers=SCRAPE).text,
        "mc_http_request_duration_seconds_count",
        method="GET",
        route="/api/v1/tasks/{task_id}",
        status="200",
    )
    for _ in range(3):
        r = client.get(f"/api/v1/tasks/{squad.a.task_id}", headers=squad.a.auth("agent"))
        assert r.status_code == 200
    client.get("/api/v1/tasks/999999", headers=squad.a.auth("agent"))
    text = client.get("/metrics", headers=SCRAPE).text
    assert "text/plain" in client.get("/metrics", headers=SCRAPE).headers["content-type"]
    ok = _sample(
        text, "mc_http_request_duration_seconds_count", method="GET",
        route="/api/v1/tasks/{task_id}", status="200",
    )
    assert ok == before + 3
    assert _sample(
        text, "mc_http_request_duration_seconds_count", method="GET",
        route="/api/v1/tasks/{task_id}", status="404",
    ) >= 1
    # Raw ids never become labels (one series per route, not per task).
    assert f"/api/v1/tasks/{squad.a.task_id}\"" not in text


def test_metrics_read_registered_callbacks_and_survive_a_broken_one(client):
    metrics.queue_depth("test_queue", lambda: 7)
    metrics.register_gauge("mc_test_lag_seconds", "Test lag.", lambda: 1.5)
    metrics.register_gauge("mc_test_broken", "Broken.", lambda: 1 / 0)
    try:
        r = client.get("/metrics", headers=SCRAPE)
        assert r.status_code == 200
        assert _sample(r.text, "mc_queue_depth", queue="test_queue") == 7
        assert _sample(r.text, "mc_test_lag_seconds") == 1.5
        assert "mc_test_broken " not in r.text
        assert "mc_connected_clients" in r.text
    finally:
        metrics.queue_depth("test_queue", None)
        metrics.register_gauge("mc_test_lag_seconds", "", lambda: 0)
        metrics.register_gauge("mc_test_broken", "", lambda: 0)


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure("INFO", "json", stream)
    logger = logging.getLogger("mission_control")
    try:
        yield stream
    finally:
        for h in [h for h in logger.handlers if isinstance(h, logs.AppHandler)]:
            logger.removeHandler(h)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_request_ids_are_kept_or_made_and_land_in_json_logs(client, squad, json_logs):
    r = client.get("/api/v1/me", headers={**squad.a.auth("agent"), "X-Request-ID": "trace-42"})
    assert r.headers["x-request-id"] == "trace-42"
    made = client.get("/api/v1/me", headers=squad.a.auth("agent")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    # A hostile id (newlines, too long) is replaced, not echoed.
    bad = client.get("/api/v1/me", headers={"X-Request-ID": "x" * 300})
    assert bad.headers["x-request-id"] != "x" * 300
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    access = [x for x in lines if x["logger"] == "mission_control.access"]
    first = next(x for x in access if x["request_id"] == "trace-42")
    assert first["msg"] == "GET /api/v1/me 200" and first["route"] == "/api/v1/me"
    assert first["duration_ms"] >= 0 and first["level"] == "info"
    assert any(x["request_id"] == made for x in access)


def test_access_lines_can_be_switched_off(db, squad, json_logs):
    quiet = TestClient(create_api(Settings(api_rate_limit="100000/minute", access_log=False)))
    assert quiet.get("/api/v1/me", headers=squad.a.auth("agent")).status_code == 200
    assert quiet.get("/api/v1/tasks/999999", headers=squad.a.auth("agent")).status_code == 404
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    assert [x for x in lines if x["logger"] == "mission_control.access"] == []


def test_health_reports_every_check(client, squad, monkeypatch):
    admin = squad.a.auth("admin")
    body = client.get("/api/v1/health", headers=admin).json()
    assert body["checks"]["database"] == "ok" and "redis" not in body["checks"]
    health.register_check("memory", lambda: "12 points, lag 0.1 s")
    try:
        body = client.get("/api/v1/health", headers=admin).json()
        assert body["status"] == "ok" and body["checks"]["memory"] == "12 points, lag 0.1 s"

        def broken() -> str:
            raise RuntimeError("index not loaded")

        health.register_check("memory", broken)
        r = client.get("/api/v1/health", headers=admin)
        assert r.status_code == 503
        assert r.json()["status"] == "unavailable" and r.json()["database"] == "ok"
        assert "index not loaded" in r.json()["checks"]["memory"]
    finally:
        health.register_check("memory", None)


def test_health_checks_redis_when_configured(client, monkeypatch):
    monkeypatch.setattr(
        health, "get_settings", lambda: Settings(redis_url="redis://127.0.0.1:1/5")
    )
    r = client.get("/api/v1/health", headers=SCRAPE)
    assert r.status_code == 503 and r.json()["checks"]["redis"].startswith("failing:")
    monkeypatch.setattr(
        health, "get_settings", lambda: Settings(redis_url="redis://127.0.0.1:6379/5")
    )
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["checks"]["redis"] == "ok"


def test_metrics_add_up_every_worker_in_multiprocess_mode(tmp_path):
    """Two worker processes count heartbeats and serve requests; a scrape of a third process
    (any worker) reports the sum, not just its own share."""
    import subprocess
    import sys

    from mission_control.config import ROOT

    env = {**__import__("os").environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
           "PYTHONPATH": str(ROOT), "MC_METRICS_TOKEN": "scrape-token"}
    work = ("from mission_control.observe import metrics\n"
            "metrics.heartbeat_runs.labels('ok').inc({n})\n"
            "metrics.http_latency.labels('GET', '/api/v1/me', '200').observe(0.01)\n")
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", work.format(n=n)], env=env, check=True, timeout=60)
    scrape = ("from fastapi.testclient import TestClient\n"
              "from mission_control.api.app import create_api\n"
              "from mission_control.observe import metrics\n"
              "metrics.queue_depth('scrape_worker_queue', lambda: 4)\n"
              f"print(TestClient(create_api()).get('/metrics', headers={SCRAPE!r}).text)\n")
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, timeout=120,
                         capture_output=True, text=True).stdout
    assert _sample(out, "mc_heartbeat_runs_total", outcome="ok") == 5
    assert _sample(out, "mc_http_request_duration_seconds_count", route="/api/v1/me") == 2
    # Scrape-time gauges come from the worker that answers.
    assert _sample(out, "mc_queue_depth", queue="scrape_worker_queue") == 4


def test_metrics_are_off_until_a_token_is_set_and_then_need_it(db):
    off = TestClient(create_api(Settings(api_rate_limit="100000/minute")))
    r = off.get("/metrics")
    assert r.status_code == 404 and "MC_METRICS_TOKEN" in r.json()["error"]["message"]
    assert "mc_http_request" not in r.text
    on = TestClient(create_api(Settings(api_rate_limit="100000/minute", metrics_token="s3cret")))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
        r = on.get("/metrics", headers=headers)
        assert r.status_code == 401 and "mc_http_request" not in r.text
    assert "mc_http_request" in on.get("/metrics", headers={"Authorization": "Bearer s3cret"}).text


def test_health_tells_a_stranger_only_ok_or_failing(client, squad):
    def broken() -> str:
        raise ConnectionError("cannot reach qdrant.internal.example:6333 from /srv/mc/data")

    health.register_check("memory", broken)
    try:
        for headers in ({}, {"Authorization": "Bearer mco_not_a_key"}, squad.a.auth("operator"),
                        squad.a.auth("agent")):
            r = client.get("/api/v1/health", headers=headers)
            assert r.status_code == 503
            assert r.json() == {"status": "unavailable", "database": "ok", "version": None,
                                "checks": {"database": "ok", "memory": "failing"}}
        for headers in (squad.a.auth("admin"), SCRAPE):
            body = client.get("/api/v1/health", headers=headers).json()
            assert "qdrant.internal.example" in body["checks"]["memory"] and body["version"]
    finally:
        health.register_check("memory", None)
