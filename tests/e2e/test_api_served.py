"""The agent API as the app serves it (Reflex, with the API mounted over it), over real HTTP:
the project's fuzzer, and what only the served app got wrong (OPTIONS and unmatched API paths
fell through to the UI: a 405 allowing only GET and HEAD, plain-text 404s)."""

from __future__ import annotations

import re

import httpx
import pytest
import schemathesis
from api.conftest import Squad, build_team
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import negative_data_rejection
from sqlalchemy import Engine

from mission_control.api.app import create_api
from mission_control.config import Settings
from mission_control.db import session_scope

pytestmark = pytest.mark.e2e
API = "/api/v1"
SPEC = create_api(Settings()).openapi()  # the spec the served app publishes
schema = schemathesis.openapi.from_dict(SPEC)
# Kept to the in-process fuzz run (tests/api/test_fuzz.py): websocket routes, and settings the
# served app would act on by calling out (agents' drivers, webhooks) to generated addresses.
CALLS_OUT = re.compile(rf"^{API}/(ws/|webhooks|agents$|agents/{{agent_id}}$)")


@pytest.fixture
def squad(db: Engine) -> Squad:
    with session_scope() as session:  # takes its turn with the app server's writers
        return Squad(a=build_team(session, "a"), b=build_team(session, "b"))


@schema.parametrize()
@settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_served_api_honours_its_own_spec(case: schemathesis.Case, app_server: str, squad: Squad) -> None:
    if CALLS_OUT.match(case.operation.path) and case.method.upper() in ("POST", "PATCH", "PUT"):
        pytest.skip("would make the served app call out to a generated address")
    case.call_and_validate(
        base_url=app_server,
        headers={**squad.a.auth("admin"), **(case.headers or {})},
        excluded_checks=[negative_data_rejection],
        timeout=30,
    )


def _error_shape(r: httpx.Response) -> dict[str, object]:
    assert r.headers["content-type"] == "application/json", (r.request.url, r.text[:200])
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return dict(body["error"])


def test_every_api_path_answers_options_and_wrong_methods_in_its_own_shape(app_server: str) -> None:
    with httpx.Client(base_url=app_server, timeout=30) as http:
        for path, operations in SPEC["paths"].items():
            url = re.sub(r"\{[^}]+\}", "1", path)
            documented = {m.upper() for m in operations}
            r = http.options(url)
            assert r.status_code == 204, (path, r.status_code, r.text[:200])
            assert set(r.headers["allow"].split(", ")) == documented | {"OPTIONS"}, path
            wrong = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in documented)
            r = http.request(wrong, url)
            assert r.status_code == 405 and set(r.headers["allow"].split(", ")) == documented | {"OPTIONS"}
            assert _error_shape(r)["code"] == "method_not_allowed"
        r = http.get(f"{API}/tasks/%C3%A3/assignees/%0A")
        assert r.status_code == 405 and r.headers["allow"] == "DELETE, OPTIONS"
        _error_shape(r)
        assert _error_shape(http.delete(f"{API}/tasks/%C3%A3/assignees/%0A"))["code"] == "unauthenticated"
        for path in ("", "/", "/nowhere", "/tasks/1/nowhere", "/%00"):
            r = http.get(API + path)
            assert r.status_code == 404 and _error_shape(r)["code"] == "not_found"


def test_strangers_get_no_metrics_and_a_bare_health(app_server: str) -> None:
    r = httpx.get(f"{app_server}/metrics", timeout=30)
    assert r.status_code == 404 and "mc_http_request" not in r.text
    body = httpx.get(f"{app_server}{API}/health", timeout=30).json()
    assert body["version"] is None and set(body["checks"].values()) <= {"ok", "failing"}
