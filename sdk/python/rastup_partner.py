"""
Minimal Python client for the RastUp Partner API (standard library only: urllib, json).

Its operations come from the API's own OpenAPI document (GET /v1/openapi.json, or a local copy of
lambdas/partner/openapi.json): every operationId is a method, in snake_case
(``list_profiles``, ``create_brief``, ``get_order`` ...), so the client follows the API without
regeneration. It gets and renews OAuth 2.0 client-credentials tokens, sends an Idempotency-Key on
every POST (the same one across the retries of one call), and retries 429 and 5xx answers with
exponential backoff, honouring Retry-After. Errors raise ``RastUpApiError`` with the API's
error object (code, message, details, requestId).
"""

from __future__ import annotations

import base64
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, Optional

__all__ = ["RastUpPartnerClient", "RastUpApiError"]


class RastUpApiError(Exception):
    """An answer outside 2xx/304, carrying the API's error object."""

    def __init__(self, status: int, code: str, message: str, details: Any = None, request_id: Optional[str] = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class RastUpPartnerClient:
    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        scope: Optional[str] = None,
        max_retries: int = 3,
        backoff_seconds: float = 0.2,
        timeout: float = 30.0,
        openapi: Optional[Dict[str, Any]] = None,
    ):
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.timeout = timeout
        self._token: Optional[str] = None
        self._token_expires_at = 0.0
        self._operations: Optional[Dict[str, Dict[str, Any]]] = None
        if openapi is not None:
            self._load_operations(openapi)

    # ---- operations from the OpenAPI document -----------------------------------------------------

    def _load_operations(self, document: Dict[str, Any]) -> None:
        operations: Dict[str, Dict[str, Any]] = {}
        for path, item in document.get("paths", {}).items():
            for method, operation in item.items():
                if not isinstance(operation, dict) or "operationId" not in operation:
                    continue
                operations[_snake(operation["operationId"])] = {
                    "method": method.upper(),
                    "path": path,
                    "secured": bool(operation.get("security")),
                }
        self._operations = operations

    def operations(self) -> Dict[str, Dict[str, Any]]:
        """snake_case operation name -> {method, path, secured}."""
        if self._operations is None:
            status, _, body = self._send("GET", "/v1/openapi.json", None, None, {})
            self._load_operations(body)
        assert self._operations is not None
        return self._operations

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        operation = self.operations().get(name)
        if operation is None:
            raise AttributeError(f"the Partner API has no operation {name}")

        def call(*args: Any, **kwargs: Any):
            return self.call(name, *args, **kwargs)

        call.__name__ = name
        return call

    def call(
        self,
        name: str,
        *path_args: str,
        body: Any = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        **query: Any,
    ) -> Any:
        """Calls an operation: path parameters positionally, the body as ``body=``, query as keywords."""
        operation = self.operations()[name]
        path = operation["path"]
        for value in path_args:
            path = re.sub(r"\{[^}]+\}", urllib.parse.quote(str(value), safe=""), path, count=1)
        if "{" in path:
            raise TypeError(f"{name} needs its path parameters: {operation['path']}")
        params = {k: v for k, v in query.items() if v is not None}
        if params:
            path += "?" + urllib.parse.urlencode(params)
        extra = dict(headers or {})
        if operation["method"] == "POST":
            extra["idempotency-key"] = idempotency_key or f"py-{uuid.uuid4()}"
        secured = operation["secured"] and name != "create_token"
        status, _, answer = self._request(operation["method"], path, body, extra, secured)
        return answer

    # ---- HTTP ------------------------------------------------------------------------------------

    def access_token(self) -> str:
        if self._token is None or time.time() > self._token_expires_at - 30:
            form = {"grant_type": "client_credentials"}
            if self._scope:
                form["scope"] = self._scope
            # RFC 6749 section 2.3.1: each part form-urlencoded before Basic encoding.
            pair = f"{urllib.parse.quote_plus(self._client_id)}:{urllib.parse.quote_plus(self._client_secret)}"
            basic = base64.b64encode(pair.encode()).decode()
            _, _, token = self._send(
                "POST",
                "/oauth2/token",
                urllib.parse.urlencode(form).encode(),
                "application/x-www-form-urlencoded",
                {"authorization": f"Basic {basic}"},
            )
            self._token = token["access_token"]
            self._token_expires_at = time.time() + int(token["expires_in"])
        return self._token

    def _request(self, method: str, path: str, body: Any, headers: Dict[str, str], secured: bool):
        data = None if body is None else json.dumps(body).encode()
        content_type = None if body is None else "application/json"
        refreshed = False
        while True:
            if secured:
                headers["authorization"] = f"Bearer {self.access_token()}"
            try:
                return self._send(method, path, data, content_type, headers)
            except RastUpApiError as error:
                # A token revoked or expired early: get a new one, once.
                if secured and error.status == 401 and not refreshed:
                    self._token = None
                    refreshed = True
                    continue
                raise

    def _send(self, method: str, path: str, data: Optional[bytes], content_type: Optional[str], headers: Dict[str, str]):
        attempt = 0
        while True:
            request = urllib.request.Request(self.base_url + path, data=data, method=method)
            request.add_header("accept", "application/json")
            if content_type:
                request.add_header("content-type", content_type)
            for key, value in headers.items():
                request.add_header(key, value)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
                    return response.status, response.headers, (json.loads(raw) if raw else None)
            except urllib.error.HTTPError as error:
                raw = error.read()
                if error.code == 304:
                    return 304, error.headers, None
                retryable = error.code == 429 or error.code >= 500
                if retryable and attempt < self.max_retries:
                    attempt += 1
                    time.sleep(self._delay(attempt, error.headers.get("retry-after")))
                    continue
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                payload = body.get("error", {}) if isinstance(body, dict) else {}
                if isinstance(payload, str):
                    # The token endpoint answers RFC 6749 section 5.2: `error` is the OAuth code.
                    payload = {"code": payload, "message": body.get("error_description", "")}
                raise RastUpApiError(
                    error.code,
                    payload.get("code", f"HTTP_{error.code}"),
                    payload.get("message", error.reason or ""),
                    payload.get("details"),
                    payload.get("requestId"),
                ) from None

    def _delay(self, attempt: int, retry_after: Optional[str]) -> float:
        if retry_after and retry_after.strip().isdigit():
            return float(retry_after.strip())
        return self.backoff_seconds * (2 ** (attempt - 1)) * (0.5 + random.random())
