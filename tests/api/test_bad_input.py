"""Input no client should send is refused with a 4xx naming the field, in the one error shape;
paths the API does not serve answer in that shape too, and OPTIONS says what a path serves."""

from __future__ import annotations

import pytest

from .helpers import error_of

API = "/api/v1"
HUGE = "99999999999999999999"


@pytest.fixture
def lenient(app):  # type: ignore[no-untyped-def]
    """A client that shows a server error as a 500 response, as a real client would see it."""
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("due", [
    "9999-12-31T23:59:59-23:59",  # past datetime's range once in UTC: was a 500
    "0001-01-01T00:00:00+23:59",
    "9999-06-01T00:00:00Z",
    "1900-01-01T00:00:00Z",
])
def test_due_dates_out_of_range_are_refused_by_field(lenient, squad, due):
    op = squad.a.auth("operator")
    for method, url, body in (
        ("POST", "/tasks", {"title": "x", "due_at": due}),
        ("PATCH", f"/tasks/{squad.a.task_id}", {"due_at": due}),
        ("POST", f"/tasks/{squad.a.task_id}/subtasks", {"title": "x", "due_at": due}),
    ):
        r = lenient.request(method, API + url, headers=op, json=body)
        assert r.status_code == 422, (method, url, r.text)
        assert "due_at" in error_of(r)["details"]["fields"]


def test_the_last_allowed_years_still_work(client, squad):
    r = client.post(f"{API}/tasks", headers=squad.a.auth("operator"),
                    json={"title": "far", "due_at": "9997-12-31T23:59:59-23:59"})
    assert r.status_code == 201 and r.json()["due_at"].startswith("9998-01-01")
    r = client.post(f"{API}/tasks", headers=squad.a.auth("operator"),
                    json={"title": "early", "due_at": "1971-01-01T00:00:00+23:59"})
    assert r.status_code == 201


def test_nul_and_huge_ids_anywhere_in_a_request_are_refused_by_field(lenient, squad):
    client, admin, op = lenient, squad.a.auth("admin"), squad.a.auth("operator")
    for method, url, body, field in (
        ("GET", f"/tasks/{HUGE}", None, "task_id"),
        ("GET", f"/tasks?cursor={HUGE}", None, "cursor"),
        ("POST", "/tasks", {"title": "x", "assignee_ids": [int(HUGE)]}, "assignee_ids.0"),
        ("POST", f"/tasks/{squad.a.task_id}/move", {"status": "assigned", "index": 10**30}, "index"),
    ):
        r = lenient.request(method, API + url, headers=op, json=body)
        assert r.status_code == 422 and field in error_of(r)["details"]["fields"], (url, r.text)
    for body, field in (
        ({"name": "Zed", "role": "dev", "capabilities": ["py\x00"]}, "capabilities"),
        ({"name": "Zed", "role": "dev", "driver_config": {"note": "a\x00"}}, "driver_config"),
    ):
        r = client.post(f"{API}/agents", headers=admin, json=body)
        assert r.status_code == 422 and field in error_of(r)["details"]["fields"], r.text
    r = client.post(f"{API}/agents", headers=admin, json={"name": "Zed", "role": "dev", "capabilities": ["x" * 41]})
    assert r.status_code == 422 and "capabilities.0" in error_of(r)["details"]["fields"]


def test_options_lists_what_a_path_serves(client, squad):
    r = client.options(f"{API}/tasks", headers=squad.a.auth("viewer"))
    assert r.status_code == 204 and r.headers["allow"] == "GET, OPTIONS, POST"
    r = client.options(f"{API}/tasks/{squad.a.task_id}")
    assert r.status_code == 204 and r.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"
    r = client.put(f"{API}/tasks/{squad.a.task_id}", headers=squad.a.auth("operator"), json={})
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, GET, OPTIONS, PATCH"
    assert error_of(r)["code"] == "method_not_allowed"


def test_paths_the_api_does_not_serve_answer_in_its_error_shape(client, squad):
    op = squad.a.auth("operator")
    r = client.get(f"{API}/tasks/%C3%A3/assignees/%0A", headers=op)
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, OPTIONS"
    assert error_of(r)["code"] == "method_not_allowed"
    r = client.delete(f"{API}/tasks/%C3%A3/assignees/%0A", headers=op)
    assert r.status_code == 422 and {"task_id", "agent_id"} <= set(error_of(r)["details"]["fields"])
    for path in ("", "/", "/nowhere", "/tasks/1/nowhere", "/%00"):
        r = client.get(API + path, headers=op)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"
        assert r.headers["content-type"] == "application/json"


def test_websockets_take_huge_ids_as_unknown_not_as_a_crash(live_url, squad):
    from .test_ws import _closed_with, _frame, _ws

    with _ws(live_url, f"/ws/agents/{HUGE}", squad.a.tokens["agent"]) as sock:
        assert _closed_with(sock) == 4404
    with _ws(live_url, "/ws/activities", squad.a.tokens["agent"], after=HUGE) as sock:
        import httpx

        httpx.post(f"{live_url}{API}/tasks", headers=squad.a.auth("operator"), json={"title": "after a huge id"})
        assert "after a huge id" in _frame(sock)["data"]["text"]


def test_the_ui_mounted_beneath_the_api_does_not_widen_allow(db, squad):
    """Served with Reflex, the UI is a catch-all mount under the API's routes."""
    from fastapi.testclient import TestClient
    from starlette.responses import PlainTextResponse

    from mission_control.api.app import create_api
    from mission_control.config import Settings

    app = create_api(Settings(api_rate_limit="100000/minute"))
    app.mount("", PlainTextResponse("the UI"))
    with TestClient(app) as client:
        r = client.options(f"{API}/tasks/{squad.a.task_id}/messages")
        assert r.status_code == 204 and r.headers["allow"] == "GET, OPTIONS, POST"
        for path in (API, f"{API}/nowhere"):
            r = client.get(path)
            assert r.status_code == 404 and error_of(r)["code"] == "not_found"
        assert client.get("/board").text == "the UI"
