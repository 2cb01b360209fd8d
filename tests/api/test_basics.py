"""Health, the OpenAPI document, the one error shape, body and page limits."""

from __future__ import annotations

from .helpers import error_of


def test_health_needs_no_key_and_checks_the_database(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] == "ok"


def test_openapi_documents_schemas_and_errors(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Mission Control API"
    paths = spec["paths"]
    assert all(p.startswith("/api/v1/") for p in paths)
    create = paths["/api/v1/tasks"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TaskIn"
    )
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TaskOut"
    )
    for status in ("401", "403", "404", "422", "429"):
        schema = create["responses"][status]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/ErrorBody"), status
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["key"]["scheme"] == "bearer"


def test_unknown_object_is_404_in_the_error_shape(client, squad):
    r = client.get("/api/v1/tasks/999999", headers=squad.a.auth("operator"))
    assert r.status_code == 404
    err = error_of(r)
    assert err["code"] == "not_found" and err["message"] == "task 999999 does not exist"


def test_unknown_route_and_wrong_method_use_the_error_shape(client, squad):
    r = client.get("/api/v1/nope", headers=squad.a.auth("operator"))
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = client.put("/api/v1/tasks", headers=squad.a.auth("operator"), json={})
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"


def test_validation_failures_are_422_with_field_messages(client, squad):
    r = client.post(
        "/api/v1/tasks",
        headers=squad.a.auth("operator"),
        json={"title": "", "priority": "someday", "due_at": "tomorrow"},
    )
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "invalid"
    assert set(err["details"]["fields"]) == {"title", "priority", "due_at"}
    assert "at least 1 character" in err["details"]["fields"]["title"]


def test_domain_refusals_are_422_with_the_reason(client, squad):
    r = client.post(
        f"/api/v1/tasks/{squad.a.task2_id}/move",
        headers=squad.a.auth("operator"),
        json={"status": "review"},
    )
    assert r.status_code == 422
    assert "one column at a time" in error_of(r)["message"]


def test_unknown_fields_are_refused_so_nobody_posts_as_someone_else(client, squad):
    r = client.post(
        f"/api/v1/tasks/{squad.a.task_id}/messages",
        headers=squad.a.auth("agent"),
        json={"body": "hi", "author_agent_id": squad.a.agent2_id},
    )
    assert r.status_code == 422
    assert "author_agent_id" in error_of(r)["details"]["fields"]


def test_a_body_over_the_limit_is_413(db):
    from fastapi.testclient import TestClient

    from mission_control.api.app import create_api
    from mission_control.config import Settings

    client = TestClient(create_api(Settings(api_max_body_bytes=2048)))
    r = client.post(
        "/api/v1/tasks", content=b"x" * 4096, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert error_of(r)["code"] == "payload_too_large"

    def chunks():  # no Content-Length: counted while reading
        for _ in range(4):
            yield b"y" * 1024

    r = client.post("/api/v1/tasks", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_page_size_is_capped(client, squad):
    r = client.get("/api/v1/tasks?limit=201", headers=squad.a.auth("viewer"))
    assert r.status_code == 422
    assert "limit" in error_of(r)["details"]["fields"]
    assert client.get("/api/v1/tasks?limit=200", headers=squad.a.auth("viewer")).status_code == 200
