"""A small synchronous client of the agent API (httpx), used by the CLI and the MCP server.

Every failure becomes an `ApiError` carrying the server's error code and message, and an
exit code for the CLI (see EXIT_CODES).
"""

from __future__ import annotations

from typing import Any

import httpx

PREFIX = "/api/v1"

# Exit codes of `mc`, documented in `mc --help`.
OK = 0
FAILED = 1
USAGE = 2
UNAUTHENTICATED = 3
FORBIDDEN = 4
NOT_FOUND = 5
INVALID = 6
CONFLICT = 7
RATE_LIMITED = 8
UNREACHABLE = 9
SERVER_ERROR = 10
AUDIT_BROKEN = 11

_BY_STATUS = {
    400: INVALID,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: USAGE,
    409: CONFLICT,
    413: INVALID,
    422: INVALID,
    429: RATE_LIMITED,
}


class ApiError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "error",
        details: dict[str, Any] | None = None,
        exit_code: int = FAILED,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details or {}
        self.exit_code = exit_code

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class Client:
    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"User-Agent": "mc-cli"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(
            base_url=self.url + PREFIX, headers=headers, timeout=timeout, transport=transport
        )
        self.key = key
        self.has_key = bool(key)

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> Any:
        if auth and not self.has_key:
            raise ApiError(
                "no key: set MC_API_KEY (an agent key mca_… or an operator token mco_…), "
                "or pass --key",
                code="unauthenticated",
                exit_code=UNAUTHENTICATED,
            )
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._http.request(method, path, json=json, params=clean)
        except httpx.TransportError as exc:
            raise ApiError(
                f"cannot reach Mission Control at {self.url} ({exc.__class__.__name__}); "
                "is it running, and is MC_URL right?",
                code="unreachable",
                exit_code=UNREACHABLE,
            ) from exc
        if response.status_code == 204:
            return None
        if response.is_success:
            return response.json()
        raise _error_from(response)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json=body if body is not None else {})


def _error_from(response: httpx.Response) -> ApiError:
    status = response.status_code
    try:
        error = response.json()["error"]
        message, code = str(error["message"]), str(error["code"])
        details = dict(error.get("details") or {})
    except (ValueError, KeyError, TypeError):
        message, code, details = f"HTTP {status}: {response.text[:200]}", "error", {}
    if status == 429 and "retry_after" not in details and "Retry-After" in response.headers:
        details["retry_after"] = response.headers["Retry-After"]
    exit_code = _BY_STATUS.get(status, SERVER_ERROR if status >= 500 else FAILED)
    return ApiError(message, status=status, code=code, details=details, exit_code=exit_code)
